"""``gridledger audit access | verify | integrity``: who read what, and whether the log holds."""

from __future__ import annotations

import json
import os
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ledger import seals
from ledger.cli.common import BookOpt, GatewayOpt, KeyOpt, PasswordFileOpt, RpcOpt, call, client, connect, say, settings
from ledger.client.access_log import verify_access_log
from ledger.timefmt import local_moment, local_time_of


def audit_access(
    record: Annotated[str | None, typer.Option(help="only this record")] = None,
    subject: Annotated[str | None, typer.Option(help="only records about this data subject")] = None,
    outcome: Annotated[str | None, typer.Option(help="allowed or refused")] = None,
    sealed: Annotated[bool, typer.Option("--sealed", help="only sealed reads")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Who read (or tried to read, or erased) the records you oversee, newest first."""
    with client(gateway, key, password_file) as gw:
        page = call(gw.access_log, record=record, subject=subject, outcome=outcome, sealed=sealed or None, limit=limit)
    if as_json:
        say(json.dumps(page, indent=2))
        return
    for entry in page["entries"]:
        say(_line(entry))
    say(f"{len(page['entries'])} of {page['total']} entries")


def _line(entry: dict[str, Any]) -> str:
    """One access-log entry in a line; a sealed read you are not privy to, as only that."""
    if seals.is_stub(entry) and "opened" not in entry:
        return f"{local_time_of(entry['at'])} #{entry['idx']} sealed read, opens at {local_time_of(entry['opens_at'])}"
    if "opened" in entry and seals.check_opening(json.loads(entry["leaf"]), entry["opened"]):  # not what was sealed
        return f"{local_time_of(entry['at'])} #{entry['idx']} sealed read: its shown content does not match its seal"
    e = entry.get("opened") or entry
    seal = f" sealed until {local_time_of(entry['opens_at'])} ({e['legal_basis']})" if "opened" in entry else ""
    if e["action"] == seals.EXTEND_ACTION:
        seal = f" entry #{e['sealed_idx']} to {local_time_of(e['sealed_until'])}"
    fields = ",".join(e["fields"]) or "-"
    return (f"{local_time_of(e['at'])} #{e['idx']} {e['outcome']:<7} {e['action']:<5} {e['record_id']} by "
            f"{e['accessor_org']} ({e['accessor']}) fields={fields} purpose={e['purpose'] or '-'}{seal}")  # fmt: skip


def audit_extend_seal(
    idx: Annotated[int, typer.Argument(min=0, help="the sealed entry's position in the access log")],
    until: Annotated[str, typer.Option("--until", help="the new date it opens (local time unless it says)")],
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Postpone the opening of a sealed read (an admin or auditor of the supervising office); logged."""
    with client(gateway, key, password_file) as gw:
        done = call(gw.extend_seal, idx, local_moment(until) or until)
    say(f"sealed entry #{done['sealed_idx']} now opens at {local_time_of(done['sealed_until'])} "
        f"(logged as entry #{done['idx']})")  # fmt: skip


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
    audit_app.command("extend-seal")(audit_extend_seal)
    app.add_typer(audit_app, name="audit")
