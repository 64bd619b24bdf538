"""``gridledger residents | me | requests``: enrol residents, a resident's own view, and their requests.

A committee's recorder or admin enrols a resident (``residents enrol``) after checking
their identity in person; the resident then uses their own key file with ``gridledger me``
to see the records about them and who read them, prove that history complete against the
chain (``me access --verify``), and ask for a correction or an erasure (``me request``).
The committee answers in ``gridledger requests``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ledger import seals
from ledger.cli.common import (
    BookOpt,
    GatewayOpt,
    KeyOpt,
    PasswordFileOpt,
    RpcOpt,
    UserError,
    call,
    client,
    connect,
    say,
    settings,
)
from ledger.client import residents as sdk
from ledger.timefmt import local_time_of

JsonOpt = Annotated[bool, typer.Option("--json", help="print the gateway's answer as JSON")]


def enrol_cmd(
    resident: Annotated[str, typer.Argument(help="the resident's address (from their key file)")],
    id_number: Annotated[str, typer.Option(help="the id number you checked in person")],
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Enrol a resident's key under their id number (a committee's recorder or admin)."""
    with client(gateway, key, password_file) as gw:
        done = call(sdk.enrol, gw, resident, id_number)
    say(f"enrolled {done['resident']} for {done['org']} (enrolment {done['enrolment']}, log entry {done['log_index']})")


def revoke_cmd(
    resident: Annotated[str, typer.Argument(help="the resident's key (address) to revoke")],
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Revoke a resident's key your committee enrolled (a lost phone, a key handed over)."""
    with client(gateway, key, password_file) as gw:
        done = call(sdk.revoke_resident, gw, resident)
    say(f"revoked {done['resident']} at {local_time_of(done['revoked_at'])}")


def me_revoke_key(
    address: Annotated[str, typer.Argument(help="one of your keys (address) to revoke")],
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Revoke one of your keys, signing with any of them."""
    with client(gateway, key, password_file) as gw:
        done = call(sdk.revoke_my_key, gw, address)
    say(f"revoked {done['resident']} at {local_time_of(done['revoked_at'])}")


def me_records(as_json: JsonOpt = False, gateway: GatewayOpt = None, key: KeyOpt = None,
               password_file: PasswordFileOpt = None) -> None:  # fmt: skip
    """The records about you, whole (each of these reads is logged too)."""
    with client(gateway, key, password_file) as gw:
        page = call(sdk.my_records, gw)
    if as_json:
        say(json.dumps(page, indent=2, ensure_ascii=False))
        return
    for r in page["records"]:
        if "erased_at" in r:
            say(f"{r['id']} {r['type']} of {r['owner']}: erased at {local_time_of(r['erased_at'])}")
            continue
        fields = ", ".join(f"{k}={v}" for k, v in sorted(r["payload"].items()))
        say(f"{r['id']} {r['type']} v{r['version']} of {r['owner']} ({r['status']}): {fields}")
    say(f"{len(page['records'])} records about you")


def _line(item: dict[str, Any], me: str) -> str:
    if item.get("redacted"):
        return f"#{item['idx']} an entry about a record of another organisation (enrol a key there to see it)"
    if "opened" not in item and seals.is_stub(item["entry"]):
        e = item["entry"]
        return (f"{local_time_of(e['at'])} #{e['idx']} sealed: a read about you that will be shown from "
                f"{local_time_of(item['opens_at'])}")  # fmt: skip
    e = item.get("opened") or item["entry"]
    if e["action"] == seals.EXTEND_ACTION:
        return (f"{local_time_of(e['at'])} #{e['idx']} {e['accessor_org']} extended the seal of entry "
                f"#{e['sealed_idx']} to {local_time_of(e['sealed_until'])}")  # fmt: skip
    roles = ", ".join(item["accessor_roles"]) or "-"
    if e["accessor_org"] == "resident":
        who = "you" if e["accessor"] == me else f"another resident's key {e['accessor']}"
    else:
        who = f"{e['accessor_org']} ({roles})"
    grant = item.get("grant") or {}
    purpose = grant.get("purpose") or e["purpose"] or "-"
    fields = ",".join(e["fields"]) or "-"
    grant_id = f" grant={e['grant_id']}" if e["grant_id"] is not None else ""
    basis = f" (sealed until {local_time_of(e['sealed_until'])}, basis {e['legal_basis']})" if "opened" in item else ""
    return (f"{local_time_of(e['at'])} #{e['idx']} {e['action']} {e['outcome']} by {who}: record {e['record_id']} "
            f"fields={fields} purpose={purpose}{grant_id}{basis}")  # fmt: skip


def me_access(
    verify: Annotated[bool, typer.Option("--verify", help="prove the list complete against the chain")] = False,
    as_json: JsonOpt = False,
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Every read, refused read, erasure, enrolment and request about you. ``--verify``: exit 1 unless proven whole."""
    with client(gateway, key, password_file) as gw:
        if verify:
            pins = settings().data_dir / "resident-pins.json"
            verdict = call(sdk.verify_my_access, gw, connect(rpc, address_book), pins)
            entries: list[dict[str, Any]] = verdict.entries
        else:
            entries = call(sdk.my_access, gw)["entries"]
    if as_json:
        say(json.dumps(entries, indent=2, ensure_ascii=False))
    else:
        for item in entries:
            say(_line(item, str(gw.account.address)))
        say(f"{len(entries)} entries about you")
    if verify:
        say(verdict.summary())
        if not verdict.valid:
            raise typer.Exit(1)


def me_request(
    record_id: Annotated[str, typer.Argument(help="the record about you")],
    kind: Annotated[str, typer.Option(help="correction or erasure")],
    text: Annotated[str | None, typer.Option(help="for a correction: what is wrong and what it should say")] = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Ask the committee to correct or erase a record about you."""
    if kind not in ("correction", "erasure"):
        raise UserError("--kind must be correction or erasure")
    with client(gateway, key, password_file) as gw:
        done = call(sdk.file_request, gw, record_id, kind, text)
    say(f"request {done['id']} ({kind} of record {record_id}) filed with {done['owner']}")


def _request_line(r: dict[str, Any]) -> str:
    decided = f" on {local_time_of(r['decided_at'])}: {r['reason']}" if r["decided_at"] else ""
    filed = local_time_of(r["filed_at"])
    return f"{r['id']} {r['kind']} of record {r['record_id']} filed {filed}: {r['status']}{decided}"


def me_requests(as_json: JsonOpt = False, gateway: GatewayOpt = None, key: KeyOpt = None,
                password_file: PasswordFileOpt = None) -> None:  # fmt: skip
    """Your requests and what became of them."""
    with client(gateway, key, password_file) as gw:
        rows = call(sdk.my_requests, gw)
    say(json.dumps(rows, indent=2, ensure_ascii=False) if as_json else "\n".join(map(_request_line, rows)) or "none")


def requests_list(
    status: Annotated[str | None, typer.Option(help="open, accepted or refused")] = "open",
    as_json: JsonOpt = False,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Residents' requests on your organisation's records (recorders and admins)."""
    with client(gateway, key, password_file) as gw:
        rows = call(sdk.inbox, gw, status)
    if as_json:
        say(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        say(_request_line(r) + (f"\n    {r['text']}" if r.get("text") else ""))
    say(f"{len(rows)} requests")


def requests_accept(
    request_id: Annotated[str, typer.Argument(help="the request")],
    record: Annotated[str | None, typer.Option(help="a correction: the new version that makes it")] = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Accept a request: an erasure erases (admins); a correction names its new version (--record)."""
    with client(gateway, key, password_file) as gw:
        done = call(sdk.accept_request, gw, request_id, record)
    say(f"request {done['id']} accepted")


def requests_refuse(
    request_id: Annotated[str, typer.Argument(help="the request")],
    reason: Annotated[str, typer.Option(help="why, in words the resident will read")],
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Refuse a request, with the reason."""
    with client(gateway, key, password_file) as gw:
        done = call(sdk.refuse_request, gw, request_id, reason)
    say(f"request {done['id']} refused")


def register(app: typer.Typer) -> None:
    """Add the ``residents``, ``me`` and ``requests`` command groups to ``app``."""
    residents_app = typer.Typer(help="Enrol residents' keys (committees).", no_args_is_help=True)
    residents_app.command("enrol")(enrol_cmd)
    residents_app.command("revoke")(revoke_cmd)
    app.add_typer(residents_app, name="residents")
    me_app = typer.Typer(help="A resident's own view: records, access history, requests.", no_args_is_help=True)
    me_app.command("records")(me_records)
    me_app.command("access")(me_access)
    me_app.command("request")(me_request)
    me_app.command("requests")(me_requests)
    me_app.command("revoke-key")(me_revoke_key)
    app.add_typer(me_app, name="me")
    requests_app = typer.Typer(help="Residents' requests to your committee.", no_args_is_help=True)
    requests_app.command("list")(requests_list)
    requests_app.command("accept")(requests_accept)
    requests_app.command("refuse")(requests_refuse)
    app.add_typer(requests_app, name="requests")
