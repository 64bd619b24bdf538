"""§E-4 step 6: every record of an export verifies, and its versions hang together.

Each record is verified exactly as ``gridledger verify`` verifies one
(:func:`ledger.verify.verify` on the receipt and the full disclosure, against the trusted
deployment); on top of that an export can prove what a single receipt cannot:

- the index (``records.json``) states each record as its signed entry does;
- a live record has a full disclosure (an export holds whole records), an erased one none:
  its entry and receipt stay valid, its payload and salts are gone;
- every record belongs to the exporting organisation or to a committee it supervises, and
  was anchored no later than the manifest's block;
- a record that supersedes another one in the export is that one's version + 1, of the
  same owner and type, and no record is superseded twice (docs/spec/documents.md §D-1).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ledger import fields
from ledger.commitments import Disclosure
from ledger.entries import Entry
from ledger.errors import VerificationError
from ledger.export import layout
from ledger.export.context import Context
from ledger.fields import MAX_UINT32, FieldError, array, field, integer, obj, text
from ledger.receipts import Receipt
from ledger.verify import verify

ITEM_MEMBERS = set(layout.INDEX_MEMBERS)
MAX_RECORDS = 10_000_000


@dataclass(frozen=True)
class Item:
    """One line of the index, as the exporter's gateway described the record."""

    id: str
    owner: str
    type: str
    version: int
    supersedes: str | None
    erased: bool


def _optional(parse: Any) -> Any:
    return lambda value: None if value is None else parse(value)


def _item(value: Any) -> Item:
    data = obj(value, "a record")
    layout.closed(data, ITEM_MEMBERS, "a record")
    status = field(data, "status", text)
    erased_at = field(data, "erased_at", _optional(text))
    field(data, "committed_at", text)
    field(data, "anchored_at", text)
    if status not in ("anchored", "erased") or (status == "erased") != (erased_at is not None):
        raise FieldError("status must be anchored, or erased exactly when erased_at is set")
    return Item(
        id=field(data, "id", fields.uuid_text),
        owner=field(data, "owner", fields.slug),
        type=field(data, "type", fields.slug),
        version=field(data, "version", integer(1, MAX_UINT32)),
        supersedes=field(data, "supersedes", _optional(fields.uuid_text)),
        erased=status == "erased",
    )


def _index(ctx: Context) -> list[Item] | None:
    document = ctx.document(layout.RECORDS)
    if document is None:
        return None
    try:
        data = obj(document, "records.json")
        layout.closed(data, {"records"}, "records.json")
        items = field(data, "records", array(_item, MAX_RECORDS))
    except FieldError as exc:
        ctx.problem(f"{layout.RECORDS} is malformed: {exc}")
        return None
    repeated = [i for i, n in Counter(item.id for item in items).items() if n > 1]
    if repeated:
        ctx.problem(f"{layout.RECORDS} lists record {repeated[0]} more than once")
    return list(items)


def _disagreement(item: Item, entry: Entry) -> str | None:
    for name, indexed, signed in (
        ("id", item.id, entry.record_id),
        ("owner", item.owner, entry.org),
        ("type", item.type, entry.record_type),
        ("version", item.version, entry.version),
        ("supersedes", item.supersedes, entry.supersedes),
    ):
        if indexed != signed:
            return name
    return None


def _read(ctx: Context, path: str, parse: Any, what: str, record_id: str) -> Any | None:
    if path not in ctx.manifest.files:
        ctx.problem(f"record {record_id}: its {what} ({path}) is not in the manifest")
        return None
    document = ctx.document(path)
    if document is None:
        return None
    try:
        return parse(document)
    except VerificationError as exc:
        ctx.problem(f"record {record_id}: {path}: {exc.message}")
        return None


def _check_one(ctx: Context, item: Item) -> Entry | None:
    receipt: Receipt | None = _read(ctx, layout.receipt_path(item.id), Receipt.from_json, "receipt", item.id)
    disclosure: Disclosure | None = None
    wanted = layout.disclosure_path(item.id)
    if item.erased:
        if wanted in ctx.manifest.files or wanted in ctx.present:
            ctx.problem(f"record {item.id} is listed as erased but the export holds a disclosure of it")
    else:
        disclosure = _read(ctx, wanted, Disclosure.from_json, "disclosure", item.id)
        if disclosure is None:
            return None
    if receipt is None:
        return None
    entry = receipt.entry
    differs = _disagreement(item, entry)
    if differs:
        ctx.problem(f"record {item.id}: {layout.RECORDS} states its {differs} otherwise than its signed entry")
    verdict = verify(receipt, disclosure, ctx.deployment)
    for problem in verdict.problems:
        ctx.problem(f"record {item.id}: {problem}")
    if verdict.valid and disclosure is not None and not verdict.complete:
        ctx.problem(f"record {item.id}: its disclosure is not complete (an export holds whole records)")
    if receipt.block_number > ctx.manifest.block:
        ctx.problem(f"record {item.id} was anchored in block {receipt.block_number}, after the manifest's block")
    if not ctx.oversees(entry.org):
        ctx.problem(f"record {item.id} belongs to {entry.org}, which {ctx.manifest.org} neither is nor supervises")
    return entry


def check_records(ctx: Context) -> None:
    """Verify every record of the index and the version chains between them."""
    items = _index(ctx)
    if items is None:
        return
    ctx.verdict.records, ctx.verdict.erased = len(items), sum(item.erased for item in items)
    expected = {layout.receipt_path(i.id) for i in items}
    expected |= {layout.disclosure_path(i.id) for i in items if not i.erased}
    for rel in sorted(set(ctx.manifest.files) - expected - set(layout.FIXED)):
        ctx.problem(f"the manifest lists {rel}, which is no part of an export's layout")
    ctx.progress.stage("records", len(items))
    entries: dict[str, Entry] = {}
    for item in items:
        entry = _check_one(ctx, item)
        if entry is not None:
            entries[item.id] = entry
        ctx.progress.advance()
    _check_versions(ctx, entries)


def _check_versions(ctx: Context, entries: dict[str, Entry]) -> None:
    taken = Counter(e.supersedes for e in entries.values() if e.supersedes)
    for previous, times in sorted(taken.items()):
        if times > 1:
            ctx.problem(f"record {previous} is superseded by {times} records in this export")
    for entry in entries.values():
        prior = entries.get(entry.supersedes or "")
        if prior is None:
            continue  # the earlier version is not in this export (another owner's, or not readable): nothing to hold
        if (prior.org, prior.record_type, prior.version + 1) != (entry.org, entry.record_type, entry.version):
            ctx.problem(
                f"record {entry.record_id} supersedes {prior.record_id} but is not its next version "
                "of the same owner and type"
            )
