"""What every ``gridledger`` command shares: settings, options, keys, one-line errors.

Every command says what happened in one line; every user mistake is raised as
:class:`UserError` (or a :class:`~ledger.errors.LedgerError`) and ends in one ``error:``
line and exit code 2 (see :func:`ledger.cli.app.main`), never a traceback.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
from eth_account.signers.local import LocalAccount
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from ledger.chain.address_book import Deployment, read_address_book
from ledger.chain.client import ChainClient
from ledger.client.gateway import GatewayClient, GatewayClientError
from ledger.config import ClientSettings
from ledger.keys import load_keystore, read_password


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit code 2."""


def fail(message: str) -> NoReturn:
    raise UserError(message)


def say(message: str) -> None:
    typer.echo(message)


def settings() -> ClientSettings:
    try:
        return ClientSettings()
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
GatewayOpt = Annotated[
    str | None, typer.Option("--gateway", envvar="GRIDLEDGER_GATEWAY_URL", help="gateway URL (default: this machine's)")
]


def read_secret(password_file: Path | None, prompt: str) -> str:
    """The keystore password from the file or the environment, else a prompt on a terminal."""
    password = read_password(password_file)
    if password is None:
        if not sys.stdin.isatty():
            fail("no keystore password: set GRIDLEDGER_KEY_PASSWORD or pass --password-file")
        password = getpass.getpass(prompt)
    return password


def load_key(key: Path | None, password_file: Path | None) -> LocalAccount:
    if key is None:
        fail("no key given: pass --key KEYSTORE or set GRIDLEDGER_KEY")
    return load_keystore(key, read_secret(password_file, f"password for {key}: "))


def chain_client(rpc: str | None) -> ChainClient:
    s = settings()
    return ChainClient(rpc or s.resolved_rpc_url, confirmations=s.confirmations)


def connect(rpc: str | None, book: Path | None) -> Deployment:
    """The deployment named by the address book, on the chain at ``rpc``."""
    s = settings()
    return Deployment.connect(chain_client(rpc), read_address_book(book or s.resolved_address_book))


def gateway_url(url: str | None) -> str:
    return url or settings().gateway_url


def client(url: str | None, key: Path | None, password_file: Path | None) -> GatewayClient:
    """An SDK client that fails at once (no retries): a person at a terminal decides whether to retry."""
    return GatewayClient(gateway_url(url), load_key(key, password_file), retries=0)


def read_bytes(path: Path, what: str) -> bytes:
    """A file's bytes, or one line and exit 2 when there is no such file."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise UserError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise UserError(f"{what} {path} cannot be read: {exc.strerror}") from None


def read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{what} {path} does not exist") from None
    except ValueError as exc:
        raise UserError(f"{what} {path} is not JSON: {exc}") from exc
    except OSError as exc:  # a directory, an unreadable file: one line, not a traceback
        raise UserError(f"{what} {path} cannot be read: {exc.strerror or exc}") from None


def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an SDK call, turning gateway problems and connection failures into one line."""
    try:
        return fn(*args, **kwargs)
    except GatewayClientError as exc:
        problem = exc.problem
        where = f" at {problem['path']}" if problem.get("path") else ""
        kind = str(problem.get("type", "")).rsplit("/", 1)[-1]
        raise UserError(f"the gateway refused (HTTP {exc.status} {kind}{where}): {exc}") from exc
    except httpx.TransportError as exc:
        raise UserError(f"no gateway answers ({exc}): start one with ./scripts/run or pass --gateway") from exc


class _Bar:
    """:class:`ledger.export.Progress` drawn by rich: one bar, relabelled per stage (on a terminal only)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID = progress.add_task("starting", total=None)

    def stage(self, name: str, total: int | None) -> None:
        self.progress.update(self.task, description=name, total=total, completed=0)

    def advance(self, steps: int = 1) -> None:
        self.progress.advance(self.task, steps)


@contextmanager
def progress_bar() -> Iterator[_Bar]:
    """One bar for a long command, relabelled per stage; drawn only on a terminal."""
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, disable=not os.isatty(2), transient=True) as progress:
        yield _Bar(progress)
