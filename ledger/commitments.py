"""Record commitments and selective disclosure.

The spec, once:

1. A record payload is a JSON object with at least one field. Canonical bytes are RFC 8785
   (JCS).
2. Each top-level field ``f`` gets a salt ``HMAC-SHA256(record_secret, utf8(f))``, where
   ``record_secret`` is 32 random bytes kept (encrypted) with the payload.
3. A field's leaf data is ``salt || JCS([f, value])``.
4. The **commitment** is the RFC 6962 Merkle Tree Hash (:mod:`ledger.merkle`) over the
   field leaves ordered by field name, compared as UTF-16 code units (as JCS orders keys).
5. A **disclosure** reveals some fields, each with its value, salt, leaf index and
   inclusion proof; it verifies against the commitment and says nothing of the other
   fields — their salts are never revealed, so even a low-entropy value (a birth date)
   cannot be guessed from the commitment.

Nothing here is personal on its own; the commitment is the only thing that reaches the
chain (inside a signed entry, inside a batch root).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import orjson
import rfc8785

from ledger import ijson, merkle
from ledger.errors import DocumentError, PayloadError, ProofError, VerificationError
from ledger.fields import MAX_UINT32, FieldError, array, closed, field, hex_bytes, integer, mapping, obj, uuid_text

SECRET_BYTES = 32
DISCLOSURE_FORMAT = "gridledger-disclosure/1"
MAX_PROOF = 32  # a payload has fewer than 2^32 fields


def _plain(value: Any) -> bool:
    """True when ``json.dumps(sort_keys=True)`` already yields RFC 8785 bytes for ``value``.

    That holds without floats (JCS formats numbers as ECMAScript does), with integers in
    the exact range, and with ASCII object keys (JCS orders keys by UTF-16 code units,
    Python by code points; they agree on ASCII). String escaping is the same in both.
    """
    if value is None or isinstance(value, (str, bool)):
        return True
    if isinstance(value, int):
        return -(2**53) < value < 2**53
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in value.items())
    return False


def _plain_stdlib(value: Any) -> bytes | None:
    """Compact, key-sorted, unescaped UTF-8 JSON of a :func:`_plain` value; ``None`` for a lone surrogate."""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        return None


def _plain_orjson(value: Any) -> bytes | None:
    """The same bytes as :func:`_plain_stdlib`, several times faster; ``None`` for a lone surrogate."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None


PLAIN_ENCODERS: tuple[Callable[[Any], bytes | None], ...] = (_plain_orjson, _plain_stdlib)
"""Encoders of :func:`_plain` values, the first one used; each writes RFC 8785 bytes (tested)."""
_plain_dumps = PLAIN_ENCODERS[0]


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON bytes (a fast path for the common float-free documents)."""
    if _plain(value):
        fast = _plain_dumps(value)
        if fast is not None:
            return fast
        # lone surrogates: let rfc8785 refuse them
    # The messages name the rule, never the value (rfc8785's own quote it: an ID number
    # sent as a JSON number would end up in an error answer and a log).
    try:
        return bytes(rfc8785.dumps(value))
    except rfc8785.IntegerDomainError as exc:
        raise PayloadError("not canonical JSON: an integer is outside the I-JSON range (-2^53, 2^53)") from exc
    except rfc8785.FloatDomainError as exc:
        raise PayloadError("not canonical JSON: a number is not finite") from exc
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise PayloadError("not canonical JSON: a value is not a JSON string, number, object or array") from exc


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def field_salt(record_secret: bytes, name: str) -> bytes:
    return hmac.digest(record_secret, name.encode("utf-8"), "sha256")


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def field_salts(record_secret: bytes, names: Iterable[str]) -> list[bytes]:
    """:func:`field_salt` for many names of one record: HMAC-SHA256 (RFC 2104) with the key's
    inner and outer pads hashed once per record rather than once per field."""
    key = record_secret if len(record_secret) <= 64 else hashlib.sha256(record_secret).digest()
    key = key.ljust(64, b"\0")
    inner, outer = hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))
    salts = []
    for name in names:
        i, o = inner.copy(), outer.copy()
        i.update(name.encode("utf-8"))
        o.update(i.digest())
        salts.append(o.digest())
    return salts


def field_leaf_data(salt: bytes, name: str, value: Any) -> bytes:
    return salt + canonical([name, value])


def field_order(names: Iterable[str]) -> list[str]:
    """Field names in commitment order: by UTF-16 code units, like JCS (code points agree on the BMP)."""
    ordered = sorted(names)
    if all(n.isascii() for n in ordered):
        return ordered
    return sorted(ordered, key=lambda n: n.encode("utf-16-be"))


def _check_payload(payload: Mapping[str, Any]) -> list[str]:
    if not isinstance(payload, Mapping):
        raise PayloadError("a record payload must be a JSON object")
    if not payload:
        raise PayloadError("a record payload needs at least one field")
    return field_order(payload)


def _leaf_hashes(payload: Mapping[str, Any], names: list[str], salts: list[bytes]) -> list[bytes]:
    """``leaf_hash(field_leaf_data(...))`` per field; one :func:`_plain` walk for the whole payload."""
    if isinstance(payload, dict) and _plain(payload):
        pairs = [_plain_dumps([name, payload[name]]) for name in names]
        if None not in pairs:
            return [merkle.leaf_hash(s + cast(bytes, pair)) for s, pair in zip(salts, pairs, strict=True)]
    return [merkle.leaf_hash(field_leaf_data(s, n, payload[n])) for s, n in zip(salts, names, strict=True)]


def _tree(payload: Mapping[str, Any], record_secret: bytes) -> tuple[list[str], list[bytes], list[list[bytes]]]:
    names = _check_payload(payload)
    salts = field_salts(record_secret, names)
    return names, salts, merkle.levels(_leaf_hashes(payload, names, salts))


def commitment(payload: Mapping[str, Any], record_secret: bytes) -> bytes:
    """The record commitment: 32 bytes."""
    return _tree(payload, record_secret)[2][-1][0]


@dataclass(frozen=True)
class DisclosedField:
    value: Any
    salt: bytes
    index: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class Disclosure:
    """Some or all fields of one record, provable against its commitment."""

    record_id: str
    field_count: int
    fields: dict[str, DisclosedField]

    @property
    def complete(self) -> bool:
        return len(self.fields) == self.field_count

    def payload(self) -> dict[str, Any]:
        return {name: f.value for name, f in self.fields.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "format": DISCLOSURE_FORMAT,
            "record_id": self.record_id,
            "field_count": self.field_count,
            "fields": {
                name: {
                    "value": f.value,
                    "salt": "0x" + f.salt.hex(),
                    "index": f.index,
                    "proof": ["0x" + p.hex() for p in f.proof],
                }
                for name, f in self.fields.items()
            },
        }

    @classmethod
    def from_json(cls, data: Any) -> Disclosure:
        """Parse strictly (docs/spec/documents.md §D-3); raise :class:`DocumentError` naming the member.

        The message names the field and its rule, never its value (which is personal data).
        """
        try:
            if not isinstance(data, Mapping) or data.get("format") != DISCLOSURE_FORMAT:
                raise DocumentError("format", f"not a disclosure (format must be {DISCLOSURE_FORMAT!r})")
            closed(data, {"format", "record_id", "field_count", "fields"}, "the disclosure")
            raw_fields = field(data, "fields", mapping)
            if not raw_fields:
                raise FieldError("fields must reveal at least one field")
            fields = {}
            for name, raw in raw_fields.items():
                label = f"fields.{name[:40]}"  # a field's name (from its type's schema), never its value
                where = label + "."
                f = obj(raw, label)
                closed(f, {"value", "salt", "index", "proof"}, label)
                if "value" not in f:
                    raise FieldError(f"{where}value is missing")
                fields[name] = DisclosedField(
                    value=f["value"],
                    salt=field(f, "salt", hex_bytes(32), where),
                    index=field(f, "index", integer(0, MAX_UINT32 - 1), where),
                    proof=field(f, "proof", array(hex_bytes(32), MAX_PROOF), where),
                )
            return cls(
                record_id=field(data, "record_id", uuid_text),
                field_count=field(data, "field_count", integer(1, MAX_UINT32)),
                fields=fields,
            )
        except FieldError as exc:
            raise DocumentError("schema", f"malformed disclosure: {exc}") from exc

    @classmethod
    def from_text(cls, text: str | bytes) -> Disclosure:
        """Read a disclosure file's text: I-JSON first (§J-1), then :meth:`from_json`."""
        return cls.from_json(ijson.loads(text, "the disclosure"))


def disclose(
    record_id: str, payload: Mapping[str, Any], record_secret: bytes, only: Iterable[str] | None = None
) -> Disclosure:
    """Disclose ``only`` these fields (all when ``None``); unknown names are ignored."""
    names, salts, tree = _tree(payload, record_secret)
    wanted = set(names) if only is None else set(only) & set(names)
    fields = {
        name: DisclosedField(payload[name], salts[i], i, tuple(merkle.inclusion_proof(i, tree)))
        for i, name in enumerate(names)
        if name in wanted
    }
    return Disclosure(record_id=record_id, field_count=len(names), fields=fields)


def verify_disclosure(disclosure: Disclosure, expected: bytes) -> list[str]:
    """Check every disclosed field against the commitment; return the proven field names.

    Raises :class:`VerificationError` naming the first field that does not verify.
    """
    if not disclosure.fields:
        raise VerificationError("the disclosure reveals no field")
    seen: set[int] = set()
    for name, f in disclosure.fields.items():
        if f.index in seen:
            raise VerificationError(f"field {name[:40]!r} reuses leaf index {f.index}")
        seen.add(f.index)
        try:
            leaf = merkle.leaf_hash(field_leaf_data(f.salt, name, f.value))
        except PayloadError as exc:
            raise VerificationError(f"field {name[:40]!r} is {exc}") from exc
        try:
            merkle.verify_inclusion(f.index, disclosure.field_count, leaf, f.proof, expected)
        except ProofError as exc:
            raise VerificationError(f"field {name[:40]!r} does not match the commitment ({exc.message})") from exc
    return field_order(disclosure.fields)
