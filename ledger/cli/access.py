"""``gridledger grant | revoke | erase | grants``: who may read what, and the privacy review, from a terminal."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from ledger.cli.common import GatewayOpt, KeyOpt, PasswordFileOpt, UserError, call, client, say
from ledger.timefmt import local_time


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
    with client(gateway, key, password_file) as gw:
        owner_org = owner or call(gw.me)["org"]
        made = call(
            gw.grant,
            owner_org,
            grantee,
            names,
            purpose,
            _expiry(expires),
            record=record,
            record_type=record_type,
            purpose_code=purpose_code,
        )
    scope = f"record {record}" if record else f"{record_type} records"
    if made.get("state") == "proposed":
        say(f"grant {made['id']} proposed: {', '.join(names)} include sensitive fields, so it takes effect only when "
            f"a privacy reviewer of the supervising office approves it (`gridledger grants review`)")  # fmt: skip
        return
    say(f"grant {made['id']}: {grantee} may read {', '.join(names)} of {owner_org}'s {scope} for {purpose!r}")


def revoke_cmd(
    grant_id: Annotated[int, typer.Argument(help="grant id")],
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Revoke a grant; reads under it are refused from the next block."""
    with client(gateway, key, password_file) as gw:
        done = call(gw.revoke, grant_id)
    say(f"grant {grant_id} revoked in block {done['revoked_block']}")


def erase_cmd(
    record_id: Annotated[str, typer.Argument(help="record id")],
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Erase a record's payload (owner's admin); its anchored entry stays and still verifies."""
    with client(gateway, key, password_file) as gw:
        done = call(gw.erase, record_id)
    say(f"record {record_id} erased at {done['erased_at']}")


def _grant_line(g: dict[str, Any]) -> str:
    scope = f"record {g['record']}" if g["record"] else f"{g['type']} records"
    review = g.get("review") or {}
    line = (f"grant {g['id']} [{g['state']}]: {g['grantee']} may read {', '.join(g['fields'])} of {g['owner']}'s "
            f"{scope}; purpose {g['purpose_code']} ({g['purpose'] or 'text not kept here'}); "
            f"expires {local_time(g['expires_at'])}")  # fmt: skip
    if review.get("deadline") and g["state"] == "proposed":
        line += f"; review by {local_time(review['deadline'])}"
    if review.get("reason"):
        line += f"; reviewer's reason: {review['reason']}"
    return line


def grants_list(
    state: Annotated[str | None, typer.Option(help="only this state: proposed, active, refused, …")] = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Grants your organisation (or its committees) gave, and those it received."""
    with client(gateway, key, password_file) as gw:
        for g in call(gw.grants, state):
            say(_grant_line(g))


def grants_review(
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Proposed grants of sensitive fields awaiting your office's privacy reviewer, each with the
    grantee, fields (sensitivity), purpose and expiry: decide with `grants approve` or `grants refuse`."""
    with client(gateway, key, password_file) as gw:
        me = call(gw.me)
        orgs = {o["id"]: o for o in call(gw.request, "GET", "/v1/orgs")}
        types = call(gw.record_types)
        proposals = [g for g in call(gw.grants, "proposed") if _office_of(orgs, g["owner"]) == me["org"]]
    labels: dict[str, str] = {}  # by field name, as the contract judges: sensitive in any version of any type
    for t in types:
        for f in t["fields"]:
            labels.setdefault(f["name"], f["sensitivity"])
        for v in t["versions"]:
            labels.update({name: "sensitive" for name in v["sensitive_fields"]})
    for g in proposals:
        fields = ", ".join(f"{f} ({labels[f]})" if f in labels else f for f in g["fields"])
        say(f"{_grant_line(g)}\n    fields: {fields}; granted by {g['grantor']}")
    say(f"{len(proposals)} proposal(s) awaiting review")


def _office_of(orgs: dict[str, Any], owner: str) -> str:
    """The office whose privacy reviewer decides grants of ``owner``'s records (the contract's rule)."""
    info = orgs.get(owner) or {}
    return str(info.get("parent")) if info.get("kind") == "committee" and info.get("parent") else owner


def grants_approve(
    grant_id: Annotated[int, typer.Argument(help="grant id")],
    reason: Annotated[str | None, typer.Option(help="why (optional; kept off-chain)")] = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Approve a proposed grant as a privacy reviewer of the supervising office: it takes effect now."""
    with client(gateway, key, password_file) as gw:
        done = call(gw.review_grant, grant_id, approved=True, reason=reason)
    say(f"grant {grant_id} approved: {done['grantee']} may now read {', '.join(done['fields'])}")


def grants_refuse(
    grant_id: Annotated[int, typer.Argument(help="grant id")],
    reason: Annotated[str, typer.Option(help="why (kept off-chain; its salted hash on-chain)")],
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Refuse a proposed grant, with a reason: it never takes effect."""
    with client(gateway, key, password_file) as gw:
        call(gw.review_grant, grant_id, approved=False, reason=reason)
    say(f"grant {grant_id} refused")


def register(app: typer.Typer) -> None:
    """Add the grant, revoke and erase commands and the ``grants`` group to ``app``."""
    app.command("grant")(grant_cmd)
    app.command("revoke")(revoke_cmd)
    app.command("erase")(erase_cmd)
    grants_app = typer.Typer(help="Grants given and received, and the privacy review of proposals.",
                             no_args_is_help=True)  # fmt: skip
    grants_app.command("list")(grants_list)
    grants_app.command("review")(grants_review)
    grants_app.command("approve")(grants_approve)
    grants_app.command("refuse")(grants_refuse)
    app.add_typer(grants_app, name="grants")
