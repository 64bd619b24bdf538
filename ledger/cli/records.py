"""``gridledger commit | get | verify | import``: the record lifecycle from a terminal."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ledger.chain.address_book import Deployment, read_address_book
from ledger.chain.view import DeploymentChain
from ledger.cli.common import (
    BookOpt,
    GatewayOpt,
    KeyOpt,
    PasswordFileOpt,
    RpcOpt,
    UserError,
    call,
    chain_client,
    client,
    read_bytes,
    read_json,
    say,
    settings,
)
from ledger.timefmt import local_moment, local_time_of
from ledger.verify import verify_texts

IMPORT_NAMESPACE = uuid.UUID("6f1c2a4e-8a52-4b53-9a0e-6b9d0c1f7e21")


def commit_cmd(
    payload: Annotated[Path, typer.Argument(help="the record as a JSON object")],
    record_type: Annotated[str, typer.Option("--type", help="record type, e.g. household")],
    supersedes: Annotated[str | None, typer.Option(help="id of the version this one corrects")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="wait until the record is anchored")] = False,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Commit a record as a residents' committee recorder."""
    data = read_json(payload, "payload")
    if not isinstance(data, dict):
        raise UserError(f"{payload} must hold a JSON object")
    with client(gateway, key, password_file) as gw:
        accepted = call(gw.commit, record_type, data, supersedes=supersedes)
        line = f"committed record {accepted['id']} v{accepted['version']} ({accepted['status']})"
        if wait:
            receipt = call(gw.wait_anchored, accepted["id"])
            block = receipt["anchor"]["block_number"]
            line = f"committed record {accepted['id']} v{accepted['version']}, anchored in block {block}"
    say(line)


def get_cmd(
    record_id: Annotated[str, typer.Argument(help="record id")],
    out: Annotated[Path | None, typer.Option("--out", help="write the verifiable record (disclosure) here")] = None,
    receipt: Annotated[Path | None, typer.Option("--receipt", help="write its receipt here")] = None,
    sealed_until: Annotated[
        str | None, typer.Option(help="read under seal until this date (sealed readers of a department only)")
    ] = None,
    legal_basis: Annotated[str | None, typer.Option(help="the legal basis of a sealed read")] = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Fetch a record (and its receipt) as its owner, supervisor or grantee."""
    seal = {"sealed_until": local_moment(sealed_until), "legal_basis": legal_basis}
    with client(gateway, key, password_file) as gw:
        record = call(gw.get, record_id, **seal)
        if "sealed" in record:
            sealed = record["sealed"]
            typer.echo(f"read under seal: log entry #{sealed['log_idx']} opens at "
                       f"{local_time_of(sealed['sealed_until'])}", err=True)  # fmt: skip
        if out is not None:
            out.write_text(json.dumps(record["disclosure"], indent=2, ensure_ascii=False) + "\n")
        if receipt is not None:
            receipt.write_text(json.dumps(call(gw.receipt, record_id), indent=2) + "\n")
    if out is None and receipt is None:
        say(json.dumps(record, indent=2, ensure_ascii=False))
    else:
        written = ", ".join(str(p) for p in (out, receipt) if p is not None)
        say(f"record {record_id} v{record['version']} ({record['status']}) written to {written}")


def verify_cmd(
    payload: Annotated[
        Path | None, typer.Argument(help="the record or some of its fields (from `gridledger get --out`)")
    ] = None,
    receipt: Annotated[Path, typer.Option("--receipt", help="the record's receipt")] = Path("receipt.json"),
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the verdict as JSON")] = False,
) -> None:
    """Verify a record against the chain, without any gateway. Exit 0 valid, 1 invalid, 2 not a receipt.

    Follows docs/spec/verification.md: the chain id and registry come from your own address
    book (--address-book), never from the receipt.
    """
    receipt_text = read_bytes(receipt, "receipt")
    disclosure_text = read_bytes(payload, "payload") if payload is not None else None
    book = read_address_book(address_book or settings().resolved_address_book)
    verdict = verify_texts(
        receipt_text, disclosure_text, book, lambda: DeploymentChain(Deployment.connect(chain_client(rpc), book))
    )
    if verdict.check in ("json", "format"):  # not a receipt (or record) at all: a mistake, not a verdict
        raise UserError(f"{verdict.problems[0]} (export records with `gridledger get ID --out FILE --receipt FILE`)")
    say(json.dumps(verdict.to_json(), indent=2) if as_json else verdict.summary())
    if not verdict.valid:
        raise typer.Exit(1)


def _rows(path: Path, schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if path.suffix.lower() == ".csv":
        properties: dict[str, Any] = schema.get("properties", {})
        with path.open(newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                yield {k: _csv_value(v, properties.get(k)) for k, v in row.items() if k and v not in (None, "")}
        return
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                try:
                    value = json.loads(line)
                except ValueError as exc:
                    raise UserError(f"{path}:{number} is not JSON: {exc}") from exc
                if not isinstance(value, dict):
                    raise UserError(f"{path}:{number} must be a JSON object")
                yield value


_INT = re.compile(r"^-?[0-9]{1,15}$")


def _csv_value(text: str, rule: Any) -> Any:
    """A CSV cell as the type's schema says the field is: text stays text (an id number or a phone
    number with leading zeros is no integer), and only an integer, number, boolean or array field
    reads its cell as one; a cell that does not read so stays text, for validation to name."""
    kind = rule.get("type") if isinstance(rule, dict) else None
    if kind == "integer" and _INT.match(text):
        return int(text)
    if kind == "number":
        try:
            return int(text) if _INT.match(text) else float(text)
        except ValueError:
            return text
    if kind == "boolean" and text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    if kind == "array":
        try:
            value = json.loads(text)
        except ValueError:
            return [part.strip() for part in text.split(";") if part.strip()]
        return value if isinstance(value, list) else text
    return text


def import_cmd(
    source: Annotated[Path, typer.Argument(help="records as JSON lines (.jsonl) or CSV with a header row")],
    record_type: Annotated[str, typer.Option("--type", help="record type of every row")],
    batch_size: Annotated[int, typer.Option(min=1, max=5000, help="records per request")] = 500,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Bulk-import records through the batch API; safe to re-run after an interruption.

    CSV cells are read as the record type's schema types each column (ids and phone numbers
    stay text; an array cell is JSON or items separated by ``;``).

    Each row's id and record secret are derived from the file's content, the row number and
    the committer's key, so a re-run sends byte-identical records and the gateway counts
    them as already present instead of duplicating them.
    """
    if not source.is_file():
        raise UserError(f"{source} does not exist")
    file_id = hashlib.sha256(source.read_bytes()).hexdigest()
    accepted = duplicates = 0
    with client(gateway, key, password_file) as gw:
        rows = list(_rows(source, call(gw.type_schema, record_type)))  # cells read as the schema types them
        if not rows:
            raise UserError(f"{source} holds no records")
        private = bytes(gw.account.key)
        columns = [TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
        with Progress(*columns, disable=not os.isatty(2), transient=True) as progress:
            task = progress.add_task("import", total=len(rows))
            for start in range(0, len(rows), batch_size):
                items = []
                for number, row in enumerate(rows[start : start + batch_size], start + 1):
                    record_id = str(uuid.uuid5(IMPORT_NAMESPACE, f"{file_id}:{record_type}:{number}"))
                    secret = hmac.new(private, b"gridledger-import-secret:" + record_id.encode(), "sha256").digest()
                    items.append(call(gw.prepare, record_type, row, record_id=record_id, secret=secret))
                result = call(gw.commit_prepared, items)
                accepted += result["accepted"]
                duplicates += result["duplicates"]
                progress.advance(task, len(items))
    say(f"imported {accepted} records from {source} ({duplicates} already present)")


def list_cmd(
    record_type: Annotated[str | None, typer.Option("--type", help="only this record type, e.g. household")] = None,
    owner: Annotated[str | None, typer.Option(help="only this owning organisation")] = None,
    status: Annotated[str | None, typer.Option(help="only pending, anchored or erased records")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the records as JSON")] = False,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """List the records you may read: your committee's, those you supervise, and what was granted to you."""
    if status is not None and status not in ("pending", "anchored", "erased"):
        raise UserError("--status must be pending, anchored or erased")
    with client(gateway, key, password_file) as gw:
        items = list(call(gw.iter_records, record_type=record_type, owner=owner, status=status))
    if as_json:
        say(json.dumps(items, indent=2, ensure_ascii=False))
        return
    if items:
        say(f"{'record id':<36}  {'type':<12} {'ver':>3}  {'owner':<14} {'status':<8}  {'committed':<25}  access")
    for i in items:
        granted = f"fields {', '.join(i['fields'] or [])} (grant {i['grant']})"
        access = "all fields" if i["access"] == "whole" else granted
        say(f"{i['id']:<36}  {i['type']:<12} {i['version']:>3}  {i['owner']:<14} {i['status']:<8}  "
            f"{local_time_of(i['committed_at']):<25}  {access}")  # fmt: skip
    counts = Counter(i["status"] for i in items)
    detail = ", ".join(f"{counts[s]} {s}" for s in ("anchored", "pending", "erased") if counts[s])
    say(f"{len(items)} records" + (f" ({detail})" if detail else ""))


def register(app: typer.Typer) -> None:
    """Add the record commands to ``app``."""
    records_app = typer.Typer(help="Find the records you may read.", no_args_is_help=True)
    records_app.command("list")(list_cmd)
    app.add_typer(records_app, name="records")
    app.command("commit")(commit_cmd)
    app.command("get")(get_cmd)
    app.command("verify")(verify_cmd)
    app.command("import")(import_cmd)
