"""Strict parsing of the fields of wire documents (entries, receipts, disclosures).

Anyone can hand a verifier a document, so every field is checked for its type and range
before it reaches arithmetic, the chain (``uint256`` encoding) or a database (signed
64-bit integers): an integer is an ``int`` and never a ``bool`` or a float, and it lies in
its field's range. A :class:`FieldError` names the field and the rule it breaks, never the
value, which may be personal data or may be enormous.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ledger.eip712 import checksum
from ledger.types import Address

T = TypeVar("T")

MAX_INT63 = 2**63 - 1  # what a signed 64-bit database column and a JSON-RPC block number hold
MAX_SAFE = 2**53 - 1  # the largest integer every JSON parser reads exactly (docs/spec/json.md §J-2)
MAX_UINT32 = 2**32 - 1

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
_HEX = re.compile(r"0x(?:[0-9a-f]{2})*")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class FieldError(ValueError):
    """A field is missing or breaks its rule; the message names both and quotes nothing."""


def integer(low: int = 0, high: int = MAX_INT63) -> Callable[[Any], int]:
    """A parser accepting an ``int`` (not a ``bool``) in ``[low, high]``."""

    def parse(value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 1.0 is the integer 1 (§J-2, as JSON Schema's "integer")
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError("must be an integer")
        if not low <= value <= high:
            raise FieldError(f"must be an integer from {low} to {high}")
        return value

    return parse


def uuid_text(value: Any) -> str:
    """A UUID in its one canonical spelling: lower-case, hyphenated, nothing around it (§D)."""
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise FieldError("must be a UUID in lower-case hyphenated form")
    return value


def slug(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise FieldError("must be 1-32 of a-z 0-9 . _ - starting with a letter or digit")
    return value


def hex_bytes(size: int | None = None) -> Callable[[Any], bytes]:
    """A parser of ``0x`` + lower-case hex (of ``size`` bytes when given) — the only spelling hashed."""
    what = f"{size} bytes as 0x and lower-case hex" if size is not None else "0x and lower-case hex"

    def parse(value: Any) -> bytes:
        if not isinstance(value, str) or not _HEX.fullmatch(value):
            raise FieldError(f"must be {what}")
        raw = bytes.fromhex(value[2:])
        if size is not None and len(raw) != size:
            raise FieldError(f"must be {what}")
        return raw

    return parse


def address(value: Any) -> Address:
    """An address in its EIP-55 checksum spelling (all lower- or upper-case is refused, §D)."""
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise FieldError("must be an address (0x and 40 hex digits)")
    if checksum(bytes.fromhex(value[2:])) != value:
        raise FieldError("must be an address in its EIP-55 checksum form")
    return Address(value)


def closed(data: Mapping[str, Any], members: set[str], what: str) -> None:
    """Refuse members a document does not define (documents are closed, docs/spec/documents.md)."""
    extra = sorted(set(data) - members)
    if extra:
        raise FieldError(f"{what} has a member it does not define: {extra[0][:40]!r}")


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldError("must be a string")
    return value


def array(item: Callable[[Any], T], max_items: int) -> Callable[[Any], tuple[T, ...]]:
    """A parser accepting a JSON array of at most ``max_items`` items, each parsed by ``item``."""

    def parse(value: Any) -> tuple[T, ...]:
        if not isinstance(value, list):
            raise FieldError("must be an array")
        if len(value) > max_items:
            raise FieldError(f"must have at most {max_items} items")
        return tuple(item(v) for v in value)

    return parse


def mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FieldError("must be an object")
    return value


def obj(value: Any, what: str) -> Mapping[str, Any]:
    """``value`` when it is a JSON object; ``what`` names it in the error."""
    if not isinstance(value, Mapping):
        raise FieldError(f"{what} must be an object")
    return value


def field(data: Mapping[str, Any], name: str, parse: Callable[[Any], T], where: str = "") -> T:
    """``parse(data[name])``; any failure becomes a :class:`FieldError` naming ``where + name``."""
    if name not in data:
        raise FieldError(f"{where}{name} is missing")
    try:
        return parse(data[name])
    except FieldError as exc:
        raise FieldError(f"{where}{name} {exc}") from None
    except (TypeError, ValueError, AttributeError, OverflowError):
        raise FieldError(f"{where}{name} has the wrong form") from None
