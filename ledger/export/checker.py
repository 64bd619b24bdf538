"""``gridledger verify-export``: check an export against any chain node, with no server (docs/spec/export.md §E-4).

Trust rule: the chain id and the contracts come from the *verifier's* address book, never
from the export; the export's own copy is only compared with it (unless the verifier
explicitly trusts the export's, which the CLI warns about). Everything else is proven:

1. identify: ``manifest.json`` is I-JSON naming format ``gridledger-export/1`` — otherwise
   this is no export this version can judge (:class:`ExportError`, exit 2);
2. the manifest's members; its chain and registry are the trusted ones;
3. ``manifest.sig`` recovers (EIP-191, over the manifest's exact bytes) to the exporter, who
   was a member of the exporting organisation at the manifest's block;
4. every file: none missing, none extra, none a link, each SHA-256 as listed;
5. the export's address book names the trusted deployment;
6. records (:mod:`ledger.export.check_records`); 7. the access log (:mod:`ledger.export.check_log`);
8. the manifest's counts are what was found.

All checks run and all problems are reported (each names a file or record, never a
value); the verdict is valid exactly when there are none.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ledger.chain.address_book import AddressBook, Deployment
from ledger.errors import AddressBookError, LedgerError, VerificationError
from ledger.export import layout
from ledger.export.check_log import check_log
from ledger.export.check_records import check_records
from ledger.export.context import Context, ExportVerdict
from ledger.fields import FieldError
from ledger.types import Role


@dataclass(frozen=True)
class Opened:
    """A directory identified as an export of this format: its manifest's bytes and document."""

    root: Path
    manifest_bytes: bytes
    document: object


def open_export(directory: Path) -> Opened:
    """Identify ``directory`` as an export (§E-4 step 1); :class:`ExportError` when it is none."""
    if not directory.is_dir():
        raise layout.ExportError(f"{directory} is not a directory")
    path = directory / layout.MANIFEST
    if path.is_symlink() or not path.is_file():
        raise layout.ExportError(f"{directory} is not a GridLedger export: it has no {layout.MANIFEST}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise layout.ExportError(f"{path} cannot be read ({exc.strerror})") from exc
    try:
        document = layout.load_json(data, layout.MANIFEST)
    except VerificationError as exc:
        raise layout.ExportError(f"{directory} is not a GridLedger export: {exc.message}") from exc
    found = layout.format_of(document)
    if found is None:
        raise layout.ExportError(f"{directory} is not a GridLedger export: {layout.MANIFEST} names no format")
    if found != layout.EXPORT_FORMAT:
        raise layout.ExportError(
            f"{directory} is an export of format {layout.shown_format(found)}; this gridledger reads "
            f"{layout.EXPORT_FORMAT!r} only: use the GridLedger version that wrote it"
        )
    return Opened(directory, data, document)


def _address_book(data: bytes) -> AddressBook:
    document = layout.load_json(data, layout.ADDRESS_BOOK)
    try:
        return AddressBook.from_json(document)  # strict (§D-4): format, members, forms
    except AddressBookError as exc:
        raise ValueError(exc.message) from None


def export_address_book(opened: Opened) -> AddressBook:
    """The export's own address book, for a verifier who chose to trust it (checked against the manifest first)."""
    path = opened.root / layout.ADDRESS_BOOK
    try:
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    except OSError:
        data = None
    files = opened.document.get("files") if isinstance(opened.document, dict) else None
    listed = files.get(layout.ADDRESS_BOOK) if isinstance(files, dict) else None
    if data is None or listed != layout.sha256_hex(data):
        raise layout.ExportError(
            f"the export's {layout.ADDRESS_BOOK} is missing or differs from its manifest: it cannot be trusted; "
            "pass --address-book with your own"
        )
    try:
        return _address_book(data)
    except (LedgerError, ValueError, KeyError, TypeError) as exc:
        raise layout.ExportError(f"the export's {layout.ADDRESS_BOOK} is unreadable; pass --address-book") from exc


def _same_deployment(a: AddressBook, b: AddressBook) -> bool:
    return a.chain_id == b.chain_id and all(
        str(getattr(a, n)).lower() == str(getattr(b, n)).lower() for n in ("membership", "registry", "grants")
    )


def _check_signature(ctx: Context, opened: Opened) -> None:
    m = ctx.manifest
    data = ctx.read(layout.SIGNATURE)
    if data is None:
        ctx.problem(f"{layout.SIGNATURE} is missing: nothing vouches for the manifest")
        return
    try:
        signer = layout.manifest_signer(opened.manifest_bytes, data)
    except ValueError as exc:
        ctx.problem(str(exc))
        return
    if signer != m.exporter:
        ctx.problem(f"{layout.SIGNATURE} is not the exporter's signature over {layout.MANIFEST} as it is")
        return
    latest = ctx.deployment.chain.block_number()
    if m.block > latest:
        ctx.problem(f"the manifest's block {m.block} is beyond this node's latest block {latest}")
        return
    org, roles = ctx.deployment.membership.membership_of(signer, block=m.block)
    if org != m.org or not roles & (Role.ADMIN | Role.AUDITOR):  # who may export (§E): not a recorder
        ctx.problem(f"the exporter {signer} was not an admin or auditor of {m.org} at block {m.block}")


def _walk(ctx: Context) -> None:
    """Find the export's regular files (``ctx.present``); a link or a device is a problem, never followed."""
    for folder, dirs, names in os.walk(ctx.root):
        base = Path(folder).relative_to(ctx.root)
        if base != Path(".") and not dirs and not names:
            ctx.problem(f"{base.as_posix()} is an empty directory, which no export holds")
        for name in sorted(dirs + names):
            full, rel = Path(folder) / name, (base / name).as_posix()
            if full.is_symlink():
                ctx.problem(f"{rel} is a symbolic link, not a file")
            elif name in names and not full.is_file():
                ctx.problem(f"{rel} is not a regular file")
            elif name in names:
                ctx.present.add(rel)


def _sha256(ctx: Context, rel: str) -> str | None:
    """A file's SHA-256, read in chunks (a large log need not fit in memory twice)."""
    found = hashlib.sha256()
    try:
        with (ctx.root / rel).open("rb") as fh:
            while chunk := fh.read(1 << 20):
                found.update(chunk)
    except OSError as exc:
        ctx.problem(f"{rel} cannot be read ({exc.strerror})")
        ctx.present.discard(rel)
        return None
    return found.hexdigest()


def _check_files(ctx: Context) -> None:
    """§E-4 step 4: the directory holds exactly the manifest, its signature and the listed files, intact."""
    listed = ctx.manifest.files
    ctx.progress.stage("files", len(listed))
    for rel in sorted(ctx.present - set(listed) - {layout.MANIFEST, layout.SIGNATURE}):
        ctx.problem(f"{rel} is not listed in the manifest (an extra file)")
    for rel, digest in sorted(listed.items()):
        if rel not in ctx.present:
            ctx.problem(f"{rel} is listed in the manifest but missing")
        elif (found := _sha256(ctx, rel)) is not None:
            if found != digest:
                ctx.problem(f"{rel}: its SHA-256 differs from the manifest's (the file was changed)")
            else:
                ctx.verdict.files += 1
        ctx.progress.advance()
    for rel in layout.FIXED:
        if rel not in listed:
            ctx.problem(f"the manifest does not list {rel}, which every export holds")


def _check_address_book(ctx: Context, trusted_is_export: bool) -> None:
    data = ctx.read(layout.ADDRESS_BOOK)
    if data is None or trusted_is_export:
        return
    try:
        book = _address_book(data)
    except (LedgerError, ValueError, KeyError, TypeError):
        ctx.problem(f"{layout.ADDRESS_BOOK} is not a readable address book")
        return
    trusted = ctx.deployment.book
    if not _same_deployment(book, trusted):
        ctx.problem(
            f"{layout.ADDRESS_BOOK} names registry {book.registry} on chain {book.chain_id}; "
            f"the trusted one is {trusted.registry} on chain {trusted.chain_id}"
        )


def check_export(
    opened: Opened,
    deployment: Deployment,
    *,
    trusted_is_export: bool = False,
    progress: layout.Progress | None = None,
) -> ExportVerdict:
    """Every check of §E-4 on an identified export, against ``deployment`` (the verifier's own)."""
    verdict = ExportVerdict(opened.root)
    try:
        manifest = layout.Manifest.from_json(opened.document)
    except FieldError as exc:
        verdict.problems.append(f"{layout.MANIFEST} is malformed: {exc}")
        return verdict
    verdict.exporter, verdict.org, verdict.exported_at = manifest.exporter, manifest.org, manifest.exported_at
    ctx = Context(opened.root, manifest, deployment, verdict, progress or layout.NoProgress())
    book = deployment.book
    if manifest.chain_id != book.chain_id or manifest.registry.lower() != book.registry.lower():
        ctx.problem(
            f"the manifest names registry {manifest.registry} on chain {manifest.chain_id}; "
            f"the trusted one is {book.registry} on chain {book.chain_id}"
        )
    _walk(ctx)
    _check_signature(ctx, opened)
    _check_files(ctx)
    _check_address_book(ctx, trusted_is_export)
    check_records(ctx)
    check_log(ctx)
    found = {"records": verdict.records, "erased": verdict.erased, "log_entries": verdict.log_entries,
             "anchored_heads": verdict.anchored_heads}  # fmt: skip
    for name, claimed in manifest.counts.items():
        if claimed != found[name]:
            ctx.problem(f"the manifest counts {claimed} {name.replace('_', ' ')}; the export holds {found[name]}")
    return verdict
