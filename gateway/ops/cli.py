"""``gridledger up``: the server command (extra ``[gateway]``), registered through an entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ledger.cli.common import fail

if TYPE_CHECKING:
    from gateway.settings import Settings


def _settings() -> Settings:
    """The gateway's settings from the environment; one line and exit 2 for a bad one."""
    from pydantic import ValidationError

    from gateway.settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"invalid setting {'.'.join(str(p) for p in first['loc']) or 'settings'}: {first['msg']}")
    return settings


def up(
    demo: Annotated[bool, typer.Option("--demo", help="seed demo organisations, keys and records")] = False,
) -> None:
    """Start the local chain, deploy when needed, and serve the gateway."""
    from gateway.ops.serve import serve_up  # imported late: uvicorn and the server are heavy

    serve_up(_settings(), demo=demo)


def reindex() -> None:
    """Re-derive every record's subject keys from its payload (after an upgrade, a schema change or a new secret)."""
    from gateway.assembly import build_container
    from gateway.services.reindex import reindex_subjects

    container = build_container(_settings())
    try:
        result = reindex_subjects(container)
    finally:
        container.close()
    typer.echo(f"{result['checked']} records checked, {result['changed']} re-indexed "
               f"(their reads are compared from log entry {result['from_log_size']})")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``up`` and ``subjects reindex`` to ``app``."""
    panel = "Server commands (the gateway extra)"
    app.command("up", rich_help_panel=panel)(up)
    subjects = typer.Typer(help="Data subjects: re-derive the subject index from the records.", no_args_is_help=True)
    subjects.command("reindex")(reindex)
    app.add_typer(subjects, name="subjects", rich_help_panel=panel)
