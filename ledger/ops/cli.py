"""``gridledger compile | chain | deploy``: operator commands that need a checkout (extra ``[ops]``).

Registered through the ``gridledger.cli`` entry point; the compiler (py-solc-x, npm solc)
is imported only when ``compile`` runs, so the other commands work without it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ledger.chain.address_book import write_address_book
from ledger.cli.common import BookOpt, KeyOpt, PasswordFileOpt, RpcOpt, chain_client, load_key, say, settings
from ledger.errors import AddressBookError
from ledger.ops.deploy import deploy
from ledger.ops.localchain import LocalChain


def compile_cmd(
    check: Annotated[bool, typer.Option("--check", help="only check that committed artifacts are current")] = False,
) -> None:
    """Compile contracts/*.sol into ledger/chain/artifacts (or --check them)."""
    from ledger.ops.compiler import check_artifacts, compile_contracts, write_artifacts

    if check:
        result = check_artifacts()
        if not result.ok:
            typer.echo(
                f"error: artifacts out of date for {', '.join(result.stale)}: run `gridledger compile`", err=True
            )
            raise typer.Exit(1)
        say("artifacts match the sources")
        return
    paths = write_artifacts(compile_contracts())
    say(f"compiled {len(paths)} contracts into {paths[0].parent}")


def local_chain() -> LocalChain:
    s = settings()
    return LocalChain(s.data_dir, chain_id=s.chain_id)


def chain_start(
    port: Annotated[int | None, typer.Option(help="port to listen on (default 8545, or a free one)")] = None,
    block_time: Annotated[float | None, typer.Option(help="seconds per block (default: mine on demand)")] = None,
) -> None:
    """Start the local chain for this data directory (state persists)."""
    s = settings()
    status = local_chain().start(port=port or s.chain_port, block_time=block_time or s.block_time)
    say(status.describe())


def chain_stop() -> None:
    """Stop the local chain (its state is kept)."""
    say("local chain stopped" if local_chain().stop() else "local chain was not running")


def chain_status() -> None:
    """Show whether the local chain runs, where, and at which block."""
    status = local_chain().status()
    say(status.describe())
    if not status.running:
        raise typer.Exit(3)


def deploy_cmd(
    rpc: RpcOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
    address_book: BookOpt = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing address book")] = False,
    operator_org: Annotated[
        str | None, typer.Option(help="also register this operator organisation, with the deployer as anchorer")
    ] = None,
) -> None:
    """Deploy Membership, RecordRegistry and AccessGrants and write the address book."""
    path = address_book or settings().resolved_address_book
    if path.exists() and not force:
        raise AddressBookError(f"an address book already exists at {path}: pass --force to replace it")
    account = load_key(key, password_file)
    client = chain_client(rpc)
    deployment = deploy(client, account, operator_org=operator_org)
    write_address_book(path, deployment.book, force=force)
    say(
        f"deployed to chain {deployment.book.chain_id} at block {deployment.book.deployment_block}: "
        f"Membership {deployment.book.membership}, RecordRegistry {deployment.book.registry}, "
        f"AccessGrants {deployment.book.grants}; address book {path}"
    )


def register(app: typer.Typer) -> None:
    """Add the compile, chain and deploy commands to ``app``."""
    panel = "Operator commands (the ops extra: a checkout with Node, npm solc and anvil)"
    chain_app = typer.Typer(help="Run the local development chain (anvil).", no_args_is_help=True)
    app.command("compile", rich_help_panel=panel)(compile_cmd)
    chain_app.command("start")(chain_start)
    chain_app.command("stop")(chain_stop)
    chain_app.command("status")(chain_status)
    app.command("deploy", rich_help_panel=panel)(deploy_cmd)
    app.add_typer(chain_app, name="chain", rich_help_panel=panel)
