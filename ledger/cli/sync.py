"""``gridledger sync DIR``: keep a verified mirror of what your organisation may read.

A department runs it once (``--once``, e.g. from cron) or lets it follow: every record it
may read — whole, or the fields a live grant gives — is read, verified against the chain
with the department's own address book, and written to DIR; a record whose grant is
revoked or which is erased is removed. It exits 0 when every record verified, 1 when some
did not (they are not written, and each is named), 2 on a mistake (not a mirror, no gateway).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

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
    progress_bar,
    say,
)
from ledger.sync import Mirror, MirrorError, sync_once


def sync_cmd(
    directory: Annotated[Path, typer.Argument(help="the mirror's directory (created if missing)")],
    once: Annotated[bool, typer.Option("--once", help="one pass, then exit (for cron)")] = False,
    interval: Annotated[float, typer.Option(min=1, help="seconds between passes when following")] = 30.0,
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Mirror, verified, every record your organisation may read; remove what it may no longer keep."""
    deployment = connect(rpc, address_book)
    with client(gateway, key, password_file) as gw:
        org = str(call(gw.me)["org"])
        try:
            mirror = Mirror.open(directory, str(gw.http.base_url), org)
        except MirrorError as exc:
            raise UserError(exc.message) from exc
        failed = False
        try:
            while True:
                with progress_bar() as bar:
                    result = call(sync_once, gw, deployment, mirror, bar)
                for problem in result.failed:
                    say(f"- {problem}")
                failed = failed or bool(result.failed)
                if once:
                    break
                if result.changed or result.failed:
                    say(result.summary())
                time.sleep(interval)
        except KeyboardInterrupt:  # following ends with Ctrl-C; every file written so far is whole
            say("stopped")
            return
    say(result.summary())
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``sync`` to ``app``."""
    app.command("sync")(sync_cmd)
