"""The mirror on disk: one file per record version, written only after it verified, and an index.

    DIR/index.json            gridledger-mirror/1: gateway, organisation, the feed cursor read up to, and
                              per record its listing facts
    DIR/records/ID.json       gridledger-mirror-record/1: the listing facts, the disclosure (the fields this
                              organisation may keep, with their proofs) and the receipt

Every file is written to a temporary name and renamed into place, so an interrupted sync
(a SIGKILL included) leaves either the old file or the new one, never half of one. The
record files are the truth: the index is rebuilt from them whenever they disagree (a sync
killed between a record and the index). The index's feed cursor is written after the
files of every event before it are on disk, so a resumed sync reads again at most the
events since the index was last written, and finds their records already held.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from ledger import ijson
from ledger.errors import DocumentError, LedgerError
from ledger.fields import uuid_text

MIRROR_FORMAT = "gridledger-mirror/1"
RECORD_FORMAT = "gridledger-mirror-record/1"
FACTS = ("owner", "type", "version", "supersedes", "status", "access", "fields", "grant", "block")


class MirrorError(LedgerError):
    """The directory is not a mirror (or another organisation's, or another gateway's)."""


def _write(path: Path, document: Any, *, durable: bool = True) -> None:
    """Write atomically, private to this user (0600 in a 0700 directory); fsync'd unless the caller
    syncs a whole page at once (:meth:`Mirror.write_index` does, before the index that vouches for it).

    orjson, not ``json.dump(indent=…)``: the standard encoder falls back to pure Python when
    indenting, and a first sync writes a file per record.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def facts(item: dict[str, Any]) -> dict[str, Any]:
    """What the listing says of a record that decides whether the mirror's copy is current."""
    return {name: item.get(name) for name in FACTS}


class Mirror:
    """A mirror directory of one organisation's view through one gateway."""

    def __init__(self, root: Path, gateway: str, org: str) -> None:
        self.root, self.gateway, self.org = root, gateway, org
        self.records_dir = root / "records"
        self.held: dict[str, dict[str, Any]] = {}  # record id -> listing facts, from the record files
        self.cursor: str | None = None  # the feed cursor every held file is current to
        self.indexed = False  # whether index.json exists
        self._unsynced = False  # record files written since the last index, not yet synced to disk

    @classmethod
    def open(cls, root: Path, gateway: str, org: str) -> Mirror:
        """Open (or start) the mirror at ``root``; refuse another organisation's or gateway's mirror."""
        if root.exists() and not root.is_dir():
            raise MirrorError(f"{root} is not a directory")
        mirror = cls(root, gateway, org)
        index = root / "index.json"
        if index.exists():
            try:
                doc = ijson.loads(index.read_bytes(), "the mirror's index")
            except DocumentError as exc:
                raise MirrorError(f"{index} is not a mirror index: {exc.message}") from None
            if not isinstance(doc, dict) or doc.get("format") != MIRROR_FORMAT:
                raise MirrorError(f"{root} is not a GridLedger mirror ({index} is not {MIRROR_FORMAT})")
            if (doc.get("org"), doc.get("gateway")) != (org, gateway):
                raise MirrorError(
                    f"{root} mirrors {doc.get('org')} through {doc.get('gateway')}, not {org} through {gateway}: "
                    "use another directory"
                )
            cursor = doc.get("cursor")
            mirror.cursor = cursor if isinstance(cursor, str) else None
            mirror.indexed = True
        elif root.exists() and any(p.name != "records" for p in root.iterdir()):
            raise MirrorError(f"{root} holds other files: sync into a new or empty directory")
        mirror.held = mirror._scan()
        return mirror

    def _scan(self) -> dict[str, dict[str, Any]]:
        """The record files present (each verified before it was written); leftovers of a kill removed."""
        held: dict[str, dict[str, Any]] = {}
        if not self.records_dir.is_dir():
            return held
        for path in self.records_dir.iterdir():
            if path.name.startswith("."):  # a temporary file a killed sync left behind
                path.unlink(missing_ok=True)
                continue
            try:
                doc = ijson.loads(path.read_bytes(), str(path))
                record_id = uuid_text(doc["record"]["id"])
                if doc["format"] != RECORD_FORMAT or path.name != f"{record_id}.json":
                    raise ValueError
                held[record_id] = facts(doc["record"])
            except (DocumentError, KeyError, TypeError, ValueError):
                raise MirrorError(f"{path} is not a mirrored record: move it out of {self.root}") from None
        return held

    def path(self, record_id: str) -> Path:
        return self.records_dir / f"{uuid_text(record_id)}.json"

    def put(self, item: dict[str, Any], disclosure: dict[str, Any], receipt: dict[str, Any]) -> None:
        """Keep a verified record version: its listing facts, its disclosed fields and its receipt."""
        document = {"format": RECORD_FORMAT, "record": {"id": item["id"], **facts(item)},
                    "disclosure": disclosure, "receipt": receipt}  # fmt: skip
        _write(self.path(item["id"]), document, durable=False)
        self.held[item["id"]] = facts(item)
        self._unsynced = True

    def drop(self, record_id: str) -> None:
        """Forget a record: its grant ended or it was erased, and the department keeps only what it may."""
        self.path(record_id).unlink(missing_ok=True)
        self.held.pop(record_id, None)

    def write_index(self) -> None:
        """Write the index, after every record file written before it is on disk (one sync for a page)."""
        if self._unsynced:
            os.sync()
            self._unsynced = False
        records = {rid: self.held[rid] for rid in sorted(self.held)}
        _write(self.root / "index.json", {"format": MIRROR_FORMAT, "gateway": self.gateway, "org": self.org,
                                          "cursor": self.cursor, "records": records})  # fmt: skip
        self.indexed = True
