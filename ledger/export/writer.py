"""``gridledger export``: write everything a member may read into a directory that checks itself.

The writer is a member's client like any other: it lists the records the member reads
whole (``GET /v1/records``), fetches each one's full disclosure and receipt as ``gridledger
get`` would (every read is logged, as any read is), asks the gateway to anchor the access
log's head, and then takes the log entries the member may audit with inclusion proofs in
the current signed head, the anchored heads (from the member's *own* chain node) with
consistency proofs, and its address book. A manifest lists the SHA-256 of every file; the
member signs the manifest's bytes (EIP-191) with the key it acted with.

Everything is written into a hidden sibling directory first and renamed into place at the
end, so an interrupted export leaves no directory that looks like an export; a crash
leaves only ``.NAME.partial-*``, which nothing reads. Files are private (0600 in a 0700
directory): an export holds personal data.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ledger.chain.address_book import Deployment
from ledger.chain.contracts import LogHeadInfo
from ledger.client.errors import ConflictError, ForbiddenError, GoneError
from ledger.client.gateway import GatewayClient
from ledger.errors import LedgerError
from ledger.export import layout
from ledger.export.readme import readme
from ledger.types import to_address

ACCESS_PAGE = 1000


@dataclass(frozen=True)
class ExportSummary:
    directory: Path
    records: int
    erased: int
    log_entries: int
    anchored_heads: int
    files: int

    def line(self) -> str:
        return (
            f"exported {self.records} records ({self.erased} erased), {self.log_entries} access-log entries and "
            f"{self.anchored_heads} anchored heads to {self.directory} ({self.files + 2} files, signed)"
        )


class _Files:
    """Files written under the temporary directory, each hashed as written."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.digests: dict[str, str] = {}

    def put(self, path: str, data: bytes, *, hashed: bool = True) -> None:
        target = self.root / path
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if hashed:
            self.digests[path] = layout.sha256_hex(data)

    def put_json(self, path: str, document: Any) -> None:
        self.put(path, (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())


def _target(out: Path) -> None:
    if out.is_symlink() or (out.exists() and (not out.is_dir() or any(out.iterdir()))):
        raise layout.ExportError(f"{out} already exists: export into a new (or empty) directory")
    if not out.parent.is_dir():
        raise layout.ExportError(f"{out.parent} is not a directory")


def write_export(
    client: GatewayClient,
    deployment: Deployment,
    out: Path,
    *,
    anchor_wait: float = 30.0,
    pending_wait: float = 120.0,
    progress: layout.Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ExportSummary:
    """Write the export to ``out`` (new or empty); ``ExportError`` for what the user can fix."""
    bar = progress or layout.NoProgress()
    _target(out)
    me = client.me()
    try:
        client.request("GET", "/v1/audit/log/head")  # before any read is logged: may this key audit?
    except ForbiddenError as exc:
        raise layout.ExportError(
            f"an export holds the access log, which {me['org']}'s admins and auditors may read: "
            f"use such a key ({exc.message})"
        ) from exc
    info, book = client.info(), deployment.book
    if int(info["chain_id"]) != book.chain_id or to_address(str(info["registry"])) != to_address(book.registry):
        raise layout.ExportError(
            "the gateway serves another deployment than your address book names: pass the right --address-book"
        )
    _target(out)
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as exc:
        raise layout.ExportError(f"cannot write into {out.parent} ({exc.strerror})") from exc
    try:
        manifest, heads, entries = _write_all(client, deployment, me, work, bar, anchor_wait, pending_wait, clock)
        if out.exists():
            out.rmdir()  # empty, checked above; rename() would replace it, but not on every platform
        os.replace(work, out)
    except (LedgerError, httpx.HTTPError):
        shutil.rmtree(work, ignore_errors=True)
        raise
    except OSError as exc:  # a full disk, a directory made read-only meanwhile: nothing half-written stays
        shutil.rmtree(work, ignore_errors=True)
        raise layout.ExportError(f"writing the export failed ({exc.strerror}); nothing was left behind") from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    counts = manifest.counts
    return ExportSummary(out, counts["records"], counts["erased"], entries, len(heads), len(manifest.files))


def _write_all(
    client: GatewayClient,
    deployment: Deployment,
    me: dict[str, Any],
    work: Path,
    bar: layout.Progress,
    anchor_wait: float,
    pending_wait: float,
    clock: Callable[[], float],
) -> tuple[layout.Manifest, list[LogHeadInfo], int]:
    """Every file of the export into ``work``; the manifest last, then its signature."""
    book = deployment.book
    files = _Files(work)
    index = _write_records(client, files, bar, pending_wait, clock)
    heads, entries = _write_log(client, deployment, files, bar, anchor_wait, clock)
    files.put_json(layout.ADDRESS_BOOK, book.to_json())
    blocks = [r["block"] for r in index] + [h.block_number for h in heads] + [deployment.chain.block_number()]
    manifest = layout.Manifest(
        exported_at=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        exporter=to_address(client.account.address), org=str(me["org"]), chain_id=book.chain_id,
        registry=to_address(book.registry), block=max(blocks),
        counts={"records": len(index), "erased": sum(1 for r in index if r["item"]["erased_at"]),
                "log_entries": entries, "anchored_heads": len(heads)},
        files={},
    )  # fmt: skip
    files.put(layout.README, readme(manifest).encode())
    manifest = replace(manifest, files=dict(files.digests))
    data = manifest.to_bytes()
    files.put(layout.MANIFEST, data, hashed=False)
    files.put(layout.SIGNATURE, layout.sign_manifest(client.account, data), hashed=False)
    return manifest, heads, entries


def _write_records(
    client: GatewayClient, files: _Files, bar: layout.Progress, pending_wait: float, clock: Callable[[], float]
) -> list[dict[str, Any]]:
    """Each record's receipt and (unless erased) full disclosure; the index of ``records.json``."""
    items = [i for i in client.iter_records() if i["access"] == "whole"]  # an export holds whole records
    bar.stage("records", len(items))
    index: list[dict[str, Any]] = []
    deadline = clock() + pending_wait
    for item in items:
        record_id = item["id"]
        erased_at = item["erased_at"]
        if item["status"] == "pending":
            try:
                client.wait_anchored(record_id, timeout=max(0.0, deadline - clock()))
            except ConflictError as exc:
                raise layout.ExportError(
                    f"record {record_id} is still pending after {pending_wait:.0f} s: export once it is anchored"
                ) from exc
        if erased_at is None:
            try:
                record = client.get(record_id)
            except GoneError as exc:  # erased since it was listed
                erased_at = str(exc.problem.get("erased_at") or "unknown")
            else:
                files.put_json(layout.disclosure_path(record_id), record["disclosure"])
        receipt = client.receipt(record_id)
        files.put_json(layout.receipt_path(record_id), receipt)
        anchor = receipt["anchor"]
        anchored_at = datetime.fromtimestamp(int(anchor["anchored_at"]), UTC).isoformat().replace("+00:00", "Z")
        index.append({
            "item": {**{k: v for k, v in item.items() if k in layout.INDEX_MEMBERS},
                     "status": "erased" if erased_at else "anchored", "erased_at": erased_at,
                     "anchored_at": anchored_at},
            "block": int(anchor["block_number"]),
        })  # fmt: skip
        bar.advance()
    files.put_json(layout.RECORDS, {"records": [r["item"] for r in index]})
    return index


def _write_log(
    client: GatewayClient,
    deployment: Deployment,
    files: _Files,
    bar: layout.Progress,
    anchor_wait: float,
    clock: Callable[[], float],
) -> tuple[list[LogHeadInfo], int]:
    """``access-log/heads.json`` and ``entries.jsonl``, after asking for the head to be anchored.

    Anchoring first means that normally every exported entry lies under an anchored head;
    when the chain is slow the export still holds, its tail vouched for by the operator's
    signature on the current head, as ``gridledger audit verify`` accepts it.
    """
    requested = client.request("POST", "/v1/audit/log/anchor", {})
    org, log_id = str(requested["org"]), bytes.fromhex(str(requested["log_id"])[2:])
    registry, deadline = deployment.registry, clock() + anchor_wait
    bar.stage("anchoring the access log", None)
    while clock() < deadline:
        latest = registry.latest_log_head(org, log_id)
        if latest is not None and latest.tree_size >= int(requested["size"]):
            break
        time.sleep(0.2)
    head = client.request("GET", "/v1/audit/log/head")
    size, root = int(head["size"]), str(head["root"])
    heads = [registry.log_head_at(org, log_id, i) for i in range(registry.log_head_count(org, log_id))]
    heads = [h for h in heads if h.tree_size <= size]  # anchored after the head was read: not in this export
    anchored, previous = [], 0
    for h in heads:
        anchored.append(
            {
                "tree_size": h.tree_size,
                "root": "0x" + h.root.hex(),
                "block_number": h.block_number,
                "anchored_at": h.anchored_at,
                "consistency": _consistency(client, previous, h.tree_size),
            }
        )
        previous = h.tree_size  # fmt: skip
    files.put_json(layout.HEADS, {
        "log_id": "0x" + log_id.hex(), "org": org, "anchored": anchored,
        "head": {"size": size, "root": root, "signature": str(head["signature"]),
                 "consistency": _consistency(client, previous, size)},
    })  # fmt: skip
    entries = _visible_entries(client, size)
    bar.stage("access-log proofs", len(entries))
    lines = []
    for idx in sorted(entries):
        proof = client.request("GET", f"/v1/audit/log/inclusion?idx={idx}&size={size}")["proof"]
        leaf, opened = entries[idx]
        line = {"idx": idx, "leaf": leaf, "proof": proof, **({"opened": opened} if opened is not None else {})}
        lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        bar.advance()
    files.put(layout.ENTRIES, "".join(lines).encode())
    return heads, len(entries)


def _consistency(client: GatewayClient, first: int, second: int) -> list[str]:
    """The proof that the log at ``first`` entries is a prefix of the log at ``second`` ([] when trivial)."""
    if first == 0 or first == second:
        return []
    proof: list[str] = client.request("GET", f"/v1/audit/log/consistency?first={first}&second={second}")["proof"]
    return proof


def _visible_entries(client: GatewayClient, size: int) -> dict[int, tuple[str, dict[str, Any] | None]]:
    """The leaf text (and a sealed read's opened document, where shown) of every entry below ``size`` the
    member may audit (newest first, offsets may shift)."""
    found: dict[int, tuple[str, dict[str, Any] | None]] = {}
    offset = 0
    while size:
        page = client.request("GET", f"/v1/audit/access?limit={ACCESS_PAGE}&offset={offset}")
        for entry in page["entries"]:
            if entry["idx"] < size:
                found[int(entry["idx"])] = (str(entry["leaf"]), entry.get("opened"))
        offset += len(page["entries"])
        if not page["entries"] or page["entries"][-1]["idx"] == 0:
            break
    return found
