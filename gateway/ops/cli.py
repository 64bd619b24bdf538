"""``gridledger up``: the server command (extra ``[gateway]``), registered through an entry point."""

from __future__ import annotations

from typing import Annotated

import typer

from ledger.cli.common import fail


def up(
    demo: Annotated[bool, typer.Option("--demo", help="seed demo organisations, keys and records")] = False,
) -> None:
    """Start the local chain, deploy when needed, and serve the gateway."""
    from pydantic import ValidationError

    from gateway.ops.serve import serve_up  # imported late: uvicorn and the server are heavy
    from gateway.settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"invalid setting {'.'.join(str(p) for p in first['loc']) or 'settings'}: {first['msg']}")
    serve_up(settings, demo=demo)


def register(app: typer.Typer) -> None:
    """Add ``up`` to ``app``."""
    app.command("up", rich_help_panel="Server commands (the gateway extra)")(up)
