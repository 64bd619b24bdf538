"""``gridledger export | verify-export``: a copy of what you may read that checks itself, and its check.

``verify-export`` needs the base install and any node of the chain, nothing else: it is
what a member runs after every GridLedger server is gone. It exits 0 when the export is
valid, 1 when it is not (each problem on its own line, then one summary line), and 2 when
it cannot judge at all (not an export, another format version, no trusted address book,
no node answering).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger.chain.address_book import Deployment, read_address_book
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
    connect,
    progress_bar,
    say,
    settings,
)
from ledger.export import check_export, export_address_book, open_export, write_export

MAX_PROBLEMS_SHOWN = 50


def export_cmd(
    out: Annotated[Path, typer.Option("--out", help="a new (or empty) directory to write the export into")],
    anchor_wait: Annotated[
        float, typer.Option(min=0, help="seconds to wait for the access log's head to be anchored first")
    ] = 30.0,
    pending_wait: Annotated[float, typer.Option(min=0, help="seconds to wait for pending records to anchor")] = 120.0,
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Export every record you may read, with receipts, the access log with proofs, signed. Needs an admin or auditor.

    Check it later, anywhere, with `gridledger verify-export DIR --rpc URL`.
    """
    deployment = connect(rpc, address_book)
    with client(gateway, key, password_file) as gw, progress_bar() as bar:
        summary = call(
            write_export, gw, deployment, out, anchor_wait=anchor_wait, pending_wait=pending_wait, progress=bar
        )
    say(summary.line())


def verify_export_cmd(
    directory: Annotated[Path, typer.Argument(help="the export's directory (from `gridledger export`)")],
    rpc: RpcOpt = None,
    address_book: Annotated[
        Path | None,
        typer.Option("--address-book", help="YOUR address book: the chain and contracts you trust"),
    ] = None,
    trust_export_address_book: Annotated[
        bool,
        typer.Option(
            "--trust-export-address-book", help="trust the export's own address book instead of yours (warns)"
        ),
    ] = False,
) -> None:
    """Check an export against any chain node, with no gateway: exit 0 valid, 1 invalid, 2 cannot check."""
    opened = open_export(directory)
    if trust_export_address_book:
        if address_book is not None:
            raise UserError("give --address-book or --trust-export-address-book, not both")
        typer.echo(
            "warning: trusting the export's own address book: a forged export could name its own chain and "
            "contracts; check the chain id and registry printed below against your consortium's",
            err=True,
        )
        book = export_address_book(opened)
        typer.echo(f"warning: trusted registry {book.registry} on chain {book.chain_id}", err=True)
    else:
        path = address_book or settings().resolved_address_book
        if not path.is_file():
            raise UserError(
                f"no trusted address book at {path}: pass --address-book with your consortium's "
                "(or --trust-export-address-book to trust the export's own copy)"
            )
        book = read_address_book(path)
    deployment = Deployment.connect(chain_client(rpc), book)
    with progress_bar() as bar:
        verdict = check_export(opened, deployment, trusted_is_export=trust_export_address_book, progress=bar)
    for problem in verdict.problems[:MAX_PROBLEMS_SHOWN]:
        say(f"- {problem}")
    if len(verdict.problems) > MAX_PROBLEMS_SHOWN:
        say(f"- … and {len(verdict.problems) - MAX_PROBLEMS_SHOWN} more")
    say(verdict.summary())
    if not verdict.valid:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``verify-export`` to ``app``."""
    app.command("export")(export_cmd)
    app.command("verify-export")(verify_export_cmd)
