"""``gridledger audit access | verify | integrity``: who read what, and whether the log holds."""

from __future__ import annotations

import json
import os
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ledger.cli.common import BookOpt, GatewayOpt, KeyOpt, PasswordFileOpt, RpcOpt, call, client, connect, say, settings
from ledger.client.access_log import verify_access_log


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
    with client(gateway, key, password_file) as gw:
        page = call(gw.access_log, record=record, subject=subject, outcome=outcome, limit=limit)
    if as_json:
        say(json.dumps(page, indent=2))
        return
    for e in page["entries"]:
        fields = ",".join(e["fields"]) or "-"
        say(f"{e['at']} #{e['idx']} {e['outcome']:<7} {e['action']:<5} {e['record_id']} by {e['accessor_org']} "
            f"({e['accessor']}) fields={fields} purpose={e['purpose'] or '-'}")  # fmt: skip
    say(f"{len(page['entries'])} of {page['total']} entries")


def audit_verify(
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Prove the served access log is append-only against the heads anchored on-chain. Exit 0/1."""
    deployment = connect(rpc, address_book)
    with client(gateway, key, password_file) as gw:
        verdict = call(verify_access_log, gw, deployment, settings().data_dir / "audit-cache")
    say(verdict.summary())
    if not verdict.valid:
        raise typer.Exit(1)


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
        client(gateway, key, password_file) as gw,
        Progress(
            TextColumn("sweeping"), BarColumn(), MofNCompleteColumn(), disable=not os.isatty(2), transient=True
        ) as progress,
    ):
        task = progress.add_task("sweep", total=None)
        after: str | None = None
        while True:
            query = f"?limit={page_size}" + (f"&after={after}" if after else "")
            page = call(gw.request, "GET", "/v1/audit/integrity" + query)
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


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command group to ``app``."""
    audit_app = typer.Typer(help="Audit access: the log, its proofs, and the integrity sweep.", no_args_is_help=True)
    audit_app.command("access")(audit_access)
    audit_app.command("verify")(audit_verify)
    audit_app.command("integrity")(audit_integrity)
    app.add_typer(audit_app, name="audit")
