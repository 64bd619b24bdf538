"""What an export is on disk (docs/spec/export.md §E-1..§E-3): paths, the manifest, its signature.

Shared by the writer and the checker, so that the two can only disagree about a file's
meaning, never about its name or how its bytes are hashed and signed.

    DIR/manifest.json                 signed: format, exporter, chain and block, counts, SHA-256 of every other file
    DIR/manifest.sig                  0x + the exporter's 65-byte EIP-191 signature over manifest.json's bytes, LF
    DIR/README.md                     how to check it, for a person
    DIR/addressbook.json              the deployment the exporter used (compared with the verifier's own)
    DIR/records.json                  the index: one item per record version
    DIR/records/ID.receipt.json       each record's receipt (as `gridledger get --receipt` writes it)
    DIR/records/ID.disclosure.json    each record's full disclosure (as `gridledger get --out`); none when erased
    DIR/access-log/heads.json         the log's anchored heads and current signed head, with consistency proofs
    DIR/access-log/entries.jsonl      one line per access-log entry the exporter may see, with its inclusion proof
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount

from ledger import ijson
from ledger.eip712 import personal_digest, recover_digest, sign_digest
from ledger.errors import LedgerError
from ledger.fields import FieldError, address, field, integer, mapping, obj, slug, text
from ledger.types import Address, to_address

EXPORT_FORMAT = "gridledger-export/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
README = "README.md"
ADDRESS_BOOK = "addressbook.json"
RECORDS = "records.json"
HEADS = "access-log/heads.json"
INDEX_MEMBERS = frozenset(  # an index item of records.json (§E-2): the listing's facts, nothing else
    {"id", "owner", "type", "version", "supersedes", "status", "committed_at", "anchored_at", "erased_at"}
)
ENTRIES = "access-log/entries.jsonl"
FIXED = (README, ADDRESS_BOOK, RECORDS, HEADS, ENTRIES)
"""The files every export holds besides the manifest, its signature and the per-record files."""
MAX_SAFE = 2**53 - 1

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SIGNATURE_TEXT = re.compile(rb"0x[0-9a-f]{130}\n")
_FORMAT_LIKE = re.compile(r"[a-z0-9-]{1,40}/[0-9]{1,6}")


class ExportError(LedgerError, ValueError):
    """Not an export this version reads, or nothing to check it with: one line, exit code 2."""


class Progress(Protocol):
    """Where the writer and checker report progress (the CLI draws a bar on a terminal)."""

    def stage(self, name: str, total: int | None) -> None: ...
    def advance(self, steps: int = 1) -> None: ...


class NoProgress:
    def stage(self, name: str, total: int | None) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


def receipt_path(record_id: str) -> str:
    return f"records/{record_id}.receipt.json"


def disclosure_path(record_id: str) -> str:
    return f"records/{record_id}.disclosure.json"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- reading documents -------------------------------------------------------------------------


@contextlib.contextmanager
def _bounded_recursion(limit: int = 1000) -> Iterator[None]:
    """Python's default recursion limit while parsing.

    ``py_ecc`` (imported by web3, so in every install) raises the limit to 100,000, and
    ``json`` recurses in C: a file nested 100,000 deep would overflow the C stack and kill
    the verifier with SIGSEGV instead of raising ``RecursionError``.
    """
    found = sys.getrecursionlimit()
    sys.setrecursionlimit(min(found, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(found)


def load_json(data: bytes, what: str) -> Any:
    """Parse ``data`` as I-JSON (docs/spec/json.md §J-1); ``DocumentError`` names the rule, not the text."""
    with _bounded_recursion():
        return ijson.loads(data, what)


def closed(data: Mapping[str, Any], members: set[str], what: str) -> None:
    """Documents are closed (docs/spec/README.md): an unknown member is refused, a missing one too."""
    unknown, missing = set(data) - members, members - set(data)
    if unknown:
        raise FieldError(f"{what} has {len(unknown)} unknown member(s)")
    if missing:
        raise FieldError(f"{what} lacks {', '.join(sorted(missing))}")


def safe_path(value: str) -> bool:
    """A relative POSIX path inside the export: no ``..``, no absolute or empty part, no backslash."""
    parts = value.split("/")
    return (
        0 < len(value) <= 200
        and "\\" not in value
        and "\0" not in value
        and all(p not in ("", ".", "..") for p in parts)
        and value not in (MANIFEST, SIGNATURE)
    )


# -- the manifest -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    exported_at: str
    exporter: Address
    org: str
    chain_id: int
    registry: Address
    block: int
    counts: dict[str, int]
    files: dict[str, str]  # path -> SHA-256, lower-case hex

    def to_json(self) -> dict[str, Any]:
        return {
            "format": EXPORT_FORMAT,
            "exported_at": self.exported_at,
            "exporter": {"address": self.exporter, "org": self.org},
            "chain": {"chain_id": self.chain_id, "registry": self.registry, "block": self.block},
            "counts": dict(sorted(self.counts.items())),
            "files": dict(sorted(self.files.items())),
        }

    def to_bytes(self) -> bytes:
        """The bytes signed: indented JSON, keys sorted, UTF-8, one final LF (readable; hashed as is)."""
        return (json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        """Parse a manifest already known to be of :data:`EXPORT_FORMAT`; ``FieldError`` names the member."""
        data = obj(data, "the manifest")
        closed(data, {"format", "exported_at", "exporter", "chain", "counts", "files"}, "the manifest")
        exporter, chain = field(data, "exporter", mapping), field(data, "chain", mapping)
        closed(exporter, {"address", "org"}, "exporter")
        closed(chain, {"chain_id", "registry", "block"}, "chain")
        counts = field(data, "counts", mapping)
        closed(counts, set(COUNTS), "counts")
        files = field(data, "files", mapping)
        for path, digest in files.items():
            if not safe_path(path):
                raise FieldError("files names a path outside the export or the manifest itself")
            if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
                raise FieldError("files must map each path to 64 lower-case hex digits (SHA-256)")
        return cls(
            exported_at=field(data, "exported_at", text),
            exporter=field(exporter, "address", address, "exporter."),
            org=field(exporter, "org", slug, "exporter."),
            chain_id=field(chain, "chain_id", integer(1, MAX_SAFE), "chain."),
            registry=field(chain, "registry", address, "chain."),
            block=field(chain, "block", integer(0, MAX_SAFE), "chain."),
            counts={name: field(counts, name, integer(0, MAX_SAFE), "counts.") for name in COUNTS},
            files=dict(files),
        )


COUNTS = ("records", "erased", "log_entries", "anchored_heads")


def format_of(document: Any) -> str | None:
    """The ``format`` a manifest claims, if it claims one at all."""
    if isinstance(document, dict) and isinstance(document.get("format"), str):
        return str(document["format"])
    return None


def shown_format(name: str) -> str:
    """A format name fit to print: quoted when it looks like one, else described (never echoed whole)."""
    return repr(name) if _FORMAT_LIKE.fullmatch(name) else "an unknown format"


# -- the signature ------------------------------------------------------------------------------


def manifest_digest(manifest: bytes) -> bytes:
    """The EIP-191 (``personal_sign``) digest of the manifest's bytes (docs/spec/primitives.md §P-7's form)."""
    return personal_digest(manifest)


def sign_manifest(account: LocalAccount, manifest: bytes) -> bytes:
    """``manifest.sig``'s bytes: ``0x``, the hex of the exporter's signature over the manifest, a line feed."""
    return b"0x" + sign_digest(bytes(account.key), manifest_digest(manifest)).hex().encode() + b"\n"


def manifest_signer(manifest: bytes, signature_file: bytes) -> Address:
    """Who signed ``manifest``; ``ValueError`` unless the file is exactly ``0x`` + 130 lower-case hex + LF.

    The form is checked byte for byte (no stripping): manifest.sig is the one file no hash
    covers, so every byte of it must matter. The signature itself must be in §P-5 form (v 27
    or 28, low s), so that one signature has one spelling.
    """
    if not _SIGNATURE_TEXT.fullmatch(signature_file):
        raise ValueError("manifest.sig is not 0x, 130 lower-case hex digits and a line feed")
    try:
        return to_address(recover_digest(manifest_digest(manifest), bytes.fromhex(signature_file[2:132].decode())))
    except ValueError as exc:
        raise ValueError(f"manifest.sig is no valid signature ({exc})") from exc
