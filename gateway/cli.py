"""The ``gridledger`` command line.

Every command says what happened in one line; every user mistake ends in one clear
``error:`` line and exit code 2, never a traceback.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from eth_account.signers.local import LocalAccount
from pydantic import ValidationError

from gateway.settings import Settings, get_settings
from ledger.chain import ChainClient
from ledger.compiler import check_artifacts, compile_contracts, write_artifacts
from ledger.deploy import Deployment, deploy, read_address_book, write_address_book
from ledger.errors import AddressBookError, LedgerError
from ledger.keys import create_keystore, keystore_address, load_keystore, read_password
from ledger.localchain import LocalChain
from ledger.types import OrgKind, parse_roles, role_names, to_address

app = typer.Typer(
    help="GridLedger: shared community records, committed on a permissioned chain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
chain_app = typer.Typer(help="Run the local development chain (anvil).", no_args_is_help=True)
org_app = typer.Typer(help="Register and list organisations.", no_args_is_help=True)
member_app = typer.Typer(help="Add, change and remove member accounts.", no_args_is_help=True)
key_app = typer.Typer(help="Create encrypted keystores.", no_args_is_help=True)
app.add_typer(chain_app, name="chain")
app.add_typer(org_app, name="org")
app.add_typer(member_app, name="member")
app.add_typer(key_app, name="key")


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code 2."""


def fail(message: str) -> NoReturn:
    raise UserError(message)


def say(message: str) -> None:
    typer.echo(message)


def settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        fail(f"invalid setting {where}: {first['msg']}")


KeyOpt = Annotated[
    Path | None,
    typer.Option("--key", envvar="GRIDLEDGER_KEY", help="keystore file of the acting member", show_default=False),
]
PasswordFileOpt = Annotated[
    Path | None,
    typer.Option("--password-file", help="file holding the keystore password (else GRIDLEDGER_KEY_PASSWORD)"),
]
RpcOpt = Annotated[
    str | None, typer.Option("--rpc", help="chain RPC URL (default: GRIDLEDGER_RPC_URL or the local chain)")
]
BookOpt = Annotated[
    Path | None, typer.Option("--address-book", help="address book (default: DATA_DIR/addressbook.json)")
]


def load_key(key: Path | None, password_file: Path | None) -> LocalAccount:
    if key is None:
        fail("no key given: pass --key KEYSTORE or set GRIDLEDGER_KEY")
    password = read_password(password_file)
    if password is None:
        if not sys.stdin.isatty():
            fail("no keystore password: set GRIDLEDGER_KEY_PASSWORD or pass --password-file")
        password = getpass.getpass(f"password for {key}: ")
    return load_keystore(key, password)


def chain_client(rpc: str | None) -> ChainClient:
    s = settings()
    return ChainClient(rpc or s.resolved_rpc_url, confirmations=s.confirmations)


def connect(rpc: str | None, book: Path | None) -> Deployment:
    s = settings()
    return Deployment.connect(chain_client(rpc), read_address_book(book or s.resolved_address_book))


# -- compile -------------------------------------------------------------------------------


@app.command("compile")
def compile_cmd(
    check: Annotated[bool, typer.Option("--check", help="only check that committed artifacts are current")] = False,
) -> None:
    """Compile contracts/*.sol into ledger/artifacts (or --check them)."""
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


# -- chain ---------------------------------------------------------------------------------


def local_chain() -> LocalChain:
    s = settings()
    return LocalChain(s.data_dir, chain_id=s.chain_id)


@chain_app.command("start")
def chain_start(
    port: Annotated[int | None, typer.Option(help="port to listen on (default 8545, or a free one)")] = None,
    block_time: Annotated[float | None, typer.Option(help="seconds per block (default: mine on demand)")] = None,
) -> None:
    """Start the local chain for this data directory (state persists)."""
    s = settings()
    status = local_chain().start(port=port or s.chain_port, block_time=block_time or s.block_time)
    say(status.describe())


@chain_app.command("stop")
def chain_stop() -> None:
    """Stop the local chain (its state is kept)."""
    say("local chain stopped" if local_chain().stop() else "local chain was not running")


@chain_app.command("status")
def chain_status() -> None:
    """Show whether the local chain runs, where, and at which block."""
    status = local_chain().status()
    say(status.describe())
    if not status.running:
        raise typer.Exit(3)


# -- keys and deployment --------------------------------------------------------------------


@key_app.command("new")
def key_new(
    path: Annotated[Path, typer.Argument(help="where to write the keystore")],
    password_file: PasswordFileOpt = None,
) -> None:
    """Create a new key in an encrypted keystore (password from GRIDLEDGER_KEY_PASSWORD or a prompt)."""
    if path.exists():
        fail(f"{path} already exists")
    password = read_password(password_file)
    if password is None:
        if not sys.stdin.isatty():
            fail("no keystore password: set GRIDLEDGER_KEY_PASSWORD or pass --password-file")
        password = getpass.getpass("new keystore password: ")
    account = create_keystore(path, password)
    say(f"created {path} for {account.address}")


@key_app.command("address")
def key_address(path: Annotated[Path, typer.Argument(help="keystore file")]) -> None:
    """Print the address a keystore holds (no password needed)."""
    say(to_address(keystore_address(path)))


@app.command("deploy")
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


@app.command("besu-allowlist")
def besu_allowlist(
    out: Annotated[Path, typer.Option("--out", help="Besu permissions file to write")] = Path(
        "permissions_config.toml"
    ),
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
) -> None:
    """Write the member accounts as a Besu accounts-allowlist (permissions_config.toml)."""
    deployment = connect(rpc, address_book)
    accounts = sorted({*deployment.membership.members(), to_address(deployment.book.deployer)})
    body = "accounts-allowlist=[\n" + "".join(f'  "{a}",\n' for a in accounts) + "]\n"
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(
        "# Generated by `gridledger besu-allowlist` from the Membership contract "
        f"{deployment.book.membership} on chain {deployment.book.chain_id}.\n" + body
    )
    os.replace(tmp, out)
    say(f"wrote {len(accounts)} accounts to {out}")


# -- organisations and members ----------------------------------------------------------------


@org_app.command("register")
def org_register(
    org: Annotated[str, typer.Argument(help="organisation id (slug, at most 32 characters)")],
    kind: Annotated[str, typer.Option(help="subdistrict, committee, department or operator")],
    name: Annotated[str, typer.Option(help="display name")],
    parent: Annotated[str | None, typer.Option(help="the supervising subdistrict (committees only)")] = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
) -> None:
    """Register an organisation (consortium admin; subdistrict admins for their committees)."""
    try:
        org_kind = OrgKind[kind.upper()]
    except KeyError:
        fail(f"unknown kind {kind!r}: use subdistrict, committee, department or operator")
    deployment = connect(rpc, address_book)
    account = load_key(key, password_file)
    receipt = deployment.membership.register_org(account, org, org_kind, name, parent)
    say(f"registered {org_kind.name.lower()} {org} in block {receipt['blockNumber']}")


@org_app.command("list")
def org_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
) -> None:
    """List organisations with their kind, parent and members."""
    deployment = connect(rpc, address_book)
    rows: list[dict[str, Any]] = []
    for org_id in deployment.membership.org_ids():
        info = deployment.membership.get_org(org_id)
        if info is None:
            continue
        rows.append(
            {
                "id": org_id,
                "kind": info.kind.name.lower(),
                "parent": info.parent,
                "name": info.name,
                "active": info.active,
                "members": deployment.membership.members(org_id),
            }
        )
    if as_json:
        say(json.dumps(rows, indent=2))
        return
    for row in rows:
        parent = f" under {row['parent']}" if row["parent"] else ""
        state = "" if row["active"] else " (deactivated)"
        say(f"{row['id']:<20} {row['kind']:<12} {row['name']}{parent}, {len(row['members'])} members{state}")


@member_app.command("add")
def member_add(
    account: Annotated[str, typer.Argument(help="member address, or a keystore file")],
    org: Annotated[str, typer.Option(help="organisation id")],
    roles: Annotated[str, typer.Option(help="comma-separated: admin, recorder, auditor, verifier, anchorer")],
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
) -> None:
    """Add an account to an organisation with roles."""
    address = _address_arg(account)
    role_bits = parse_roles(roles)
    deployment = connect(rpc, address_book)
    receipt = deployment.membership.add_member(load_key(key, password_file), address, org, role_bits)
    say(f"added {address} to {org} as {', '.join(role_names(role_bits))} in block {receipt['blockNumber']}")


@member_app.command("remove")
def member_remove(
    account: Annotated[str, typer.Argument(help="member address, or a keystore file")],
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
) -> None:
    """Remove an account from its organisation."""
    address = _address_arg(account)
    deployment = connect(rpc, address_book)
    receipt = deployment.membership.remove_member(load_key(key, password_file), address)
    say(f"removed {address} in block {receipt['blockNumber']}")


@member_app.command("show")
def member_show(
    account: Annotated[str, typer.Argument(help="member address, or a keystore file")],
    rpc: RpcOpt = None,
    address_book: BookOpt = None,
) -> None:
    """Show an account's organisation and roles."""
    address = _address_arg(account)
    org, roles = connect(rpc, address_book).membership.membership_of(address)
    if org is None:
        say(f"{address} is not a member")
        raise typer.Exit(3)
    say(f"{address}: {org}, {', '.join(role_names(roles))}")


def _address_arg(value: str) -> str:
    if Path(value).is_file():
        return to_address(keystore_address(Path(value)))
    try:
        return to_address(value)
    except ValueError as exc:
        fail(str(exc))


# -- up --------------------------------------------------------------------------------------


@app.command("up")
def up(
    demo: Annotated[bool, typer.Option("--demo", help="seed demo organisations, keys and records")] = False,
) -> None:
    """Start the local chain, deploy when needed, and serve the gateway."""
    from gateway.serve import serve_up  # imported late: uvicorn is heavy

    serve_up(settings(), demo=demo)


def main() -> None:
    """Console entry point: map user mistakes to one line and exit code 2."""
    import gateway.cli_access
    import gateway.cli_records  # noqa: F401 - registers the record commands

    try:
        app()
    except (UserError, LedgerError, ValueError) as exc:
        message = exc.message if isinstance(exc, LedgerError) else str(exc)
        typer.echo(f"error: {message}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
