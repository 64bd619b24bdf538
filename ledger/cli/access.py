"""``gridledger grant | revoke | erase``: who may read what, from a terminal."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer

from ledger.cli.common import GatewayOpt, KeyOpt, PasswordFileOpt, UserError, call, client, say


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


def register(app: typer.Typer) -> None:
    """Add the grant, revoke and erase commands to ``app``."""
    app.command("grant")(grant_cmd)
    app.command("revoke")(revoke_cmd)
    app.command("erase")(erase_cmd)
