"""``gridledger sync DIR``: keep a verified mirror of what your organisation may read.

A department runs it once (``--once``, e.g. from cron) or lets it follow: every record it
may read — whole, or the fields a live grant gives — is read, verified against the chain
with the department's own address book, and written to DIR; a record whose grant is
revoked or which is erased is removed. It exits 0 when every record verified, 1 when some
did not (they are not written, and each is named), 2 on a mistake (not a mirror, no gateway).
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from ledger.cli.common import (
    BookOpt,
    GatewayOpt,
    KeyOpt,
    PasswordFileOpt,
    RpcOpt,
    UserError,
    call,
    connect,
    gateway_url,
    load_key,
    progress_bar,
    say,
)
from ledger.client.gateway import GatewayClient
from ledger.sync import Mirror, MirrorError, SyncResult, sync_once
from ledger.sync.directory import gateway_directory


def _folder(url: str) -> str:
    """A mirror folder's name for a gateway: its host and port, nothing a path could misread."""
    parsed = httpx.URL(url)
    return re.sub(r"[^A-Za-z0-9.-]", "_", f"{parsed.host}-{parsed.port or parsed.scheme}")


def sync_cmd(
    directory: Annotated[Path, typer.Argument(help="the mirror's directory (created if missing)")],
    once: Annotated[bool, typer.Option("--once", help="one pass, then exit (for cron)")] = False,
    discover: Annotated[
        bool,
        typer.Option("--discover", help="sync from every gateway the chain names for those who granted to you"),
    ] = False,
    interval: Annotated[float, typer.Option(min=1, help="seconds between passes when following")] = 30.0,
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Mirror, verified, every record your organisation may read; remove what it may no longer keep."""
    deployment = connect(rpc, address_book)
    account = load_key(key, password_file)
    org, _roles = deployment.membership.membership_of(account.address)
    if org is None:
        raise UserError(f"{account.address} is no member of the consortium on this chain")
    if discover:
        found = gateway_directory(deployment, org)
        for owner in sorted(found.unreachable):
            say(f"- {owner} granted records to {org} but published no gateway (`gridledger org set-gateway`)")
        targets = [(url, directory / _folder(url)) for url in sorted(found.gateways)]
    else:
        targets = [(gateway_url(gateway), directory)]
    with contextlib.ExitStack() as stack:
        mirrors = []
        for url, folder in targets:
            gw = stack.enter_context(GatewayClient(url, account, retries=0))
            try:
                mirrors.append((gw, Mirror.open(folder, url, org)))
            except MirrorError as exc:
                raise UserError(exc.message) from exc
        failed, total = False, SyncResult()
        try:
            while True:
                total = SyncResult()
                for gw, mirror in mirrors:
                    with progress_bar() as bar:
                        result = call(sync_once, gw, deployment, mirror, bar)
                    for problem in result.failed:
                        say(f"- {problem}")
                    total = total.plus(result)
                failed = failed or bool(total.failed)
                if once:
                    break
                if total.changed or total.failed:
                    say(total.summary())
                time.sleep(interval)
        except KeyboardInterrupt:  # following ends with Ctrl-C; every file written so far is whole
            say("stopped")
            return
    sources = f" from {len(mirrors)} gateways" if discover else ""
    say(total.summary() + sources)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``sync`` to ``app``."""
    app.command("sync")(sync_cmd)
