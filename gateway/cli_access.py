"""``gridledger grant | revoke | erase | audit``: access control and audit from a terminal."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from gateway.audit_verify import verify_access_log
from gateway.cli import BookOpt, KeyOpt, PasswordFileOpt, RpcOpt, UserError, app, say, settings
from gateway.cli_records import GatewayOpt, _call, _client
from ledger.chain import ChainClient
from ledger.deploy import Deployment, read_address_book

audit_app = typer.Typer(help="Audit access: the log, its proofs, and the integrity sweep.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _expiry(text: str) -> int:
    """``30d``, ``12h``, ``90m`` from now, or an ISO date/time."""
    units = {"d": 86_400, "h": 3_600, "m": 60}
    if text and text[-1] in units and text[:-1].isdigit():
        return int(time.time()) + int(text[:-1]) * units[text[-1]]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"invalid expiry {text!r}: use 30d, 12h, 90m or an ISO date such as 2027-01-31") from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


@app.command("grant")
def grant_cmd(
    grantee: Annotated[str, typer.Argument(help="the organisation that may read")],
    fields: Annotated[str, typer.Option(help="comma-separated field names")],
    purpose: Annotated[str, typer.Option(help="why the grantee reads, in words (kept off-chain)")],
    purpose_code: Annotated[str, typer.Option(help="why, as a code audits group by")] = "general",
    expires: Annotated[str, typer.Option(help="30d, 12h, 90m, or an ISO date")] = "30d",
    owner: Annotated[str | None, typer.Option(help="owning organisation (default: your own)")] = None,
    record: Annotated[str | None, typer.Option(help="scope: one record id")] = None,
    record_type: Annotated[str | None, typer.Option("--type", help="scope: a record type of the owner")] = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Grant another organisation some fields of one record or of a record type (admins only)."""
    if (record is None) == (record_type is None):
        raise UserError("give exactly one scope: --record ID or --type TYPE")
    names = [f.strip() for f in fields.split(",") if f.strip()]
    with _client(gateway, key, password_file) as client:
        owner_org = owner or _call(client.me)["org"]
        made = _call(
            client.grant, owner_org, grantee, names, purpose, _expiry(expires), record=record, record_type=record_type,
            purpose_code=purpose_code,
        )
    scope = f"record {record}" if record else f"{record_type} records"
    say(f"grant {made['id']}: {grantee} may read {', '.join(names)} of {owner_org}'s {scope} for {purpose!r}")


@app.command("revoke")
def revoke_cmd(
    grant_id: Annotated[int, typer.Argument(help="grant id")],
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Revoke a grant; reads under it are refused from the next block."""
    with _client(gateway, key, password_file) as client:
        done = _call(client.revoke, grant_id)
    say(f"grant {grant_id} revoked in block {done['revoked_block']}")


@app.command("erase")
def erase_cmd(
    record_id: Annotated[str, typer.Argument(help="record id")],
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Erase a record's payload (owner's admin); its anchored entry stays and still verifies."""
    with _client(gateway, key, password_file) as client:
        done = _call(client.erase, record_id)
    say(f"record {record_id} erased at {done['erased_at']}")


@audit_app.command("access")
def audit_access(
    record: Annotated[str | None, typer.Option(help="only this record")] = None,
    subject: Annotated[str | None, typer.Option(help="only records about this data subject")] = None,
    outcome: Annotated[str | None, typer.Option(help="allowed or refused")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Who read (or tried to read, or erased) the records you oversee, newest first."""
    with _client(gateway, key, password_file) as client:
        page = _call(client.access_log, record=record, subject=subject, outcome=outcome, limit=limit)
    if as_json:
        say(json.dumps(page, indent=2))
        return
    for e in page["entries"]:
        fields = ",".join(e["fields"]) or "-"
        say(f"{e['at']} #{e['idx']} {e['outcome']:<7} {e['action']:<5} {e['record_id']} by {e['accessor_org']} "
            f"({e['accessor']}) fields={fields} purpose={e['purpose'] or '-'}")  # fmt: skip
    say(f"{len(page['entries'])} of {page['total']} entries")


@audit_app.command("verify")
def audit_verify(
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Prove the served access log is append-only against the heads anchored on-chain. Exit 0/1."""
    s = settings()
    deployment = Deployment.connect(
        ChainClient(rpc or s.resolved_rpc_url), read_address_book(address_book or s.resolved_address_book)
    )
    with _client(gateway, key, password_file) as client:
        verdict = _call(verify_access_log, client, deployment, s.data_dir / "audit-cache")
    say(verdict.summary())
    if not verdict.valid:
        raise typer.Exit(1)


@audit_app.command("integrity")
def audit_integrity(
    page_size: Annotated[int, typer.Option(min=1, max=5000)] = 500,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Recompute every stored record's commitment and re-check the access log. Exit 0 clean, 1 mismatches."""
    mismatches: list[dict[str, Any]] = []
    checked = 0
    with (
        _client(gateway, key, password_file) as client,
        Progress(
            TextColumn("sweeping"), BarColumn(), MofNCompleteColumn(), disable=not os.isatty(2), transient=True
        ) as progress,
    ):
        task = progress.add_task("sweep", total=None)
        after: str | None = None
        while True:
            query = f"?limit={page_size}" + (f"&after={after}" if after else "")
            page = _call(client.request, "GET", "/v1/audit/integrity" + query)
            progress.update(task, total=page["total"], advance=page["checked"])
            checked += page["checked"]
            mismatches += page["mismatches"]
            after = page["next"]
            if after is None:
                break
    for m in mismatches:
        say(f"MISMATCH {m['kind']} {m['id']}: {m['problem']}")
    say(f"integrity sweep: {checked} records and the access log checked, {len(mismatches)} mismatches")
    if mismatches:
        raise typer.Exit(1)
