"""The ``gridledger`` command line, assembled in this one place.

The base install's commands (organisations, records, access, audit, residents, export, sync, webhooks) are added here in
order; commands that need an extra register through the ``gridledger.cli`` entry-point
group (``[ops]``: compile, chain, deploy; ``[gateway]``: up), so this module never imports
the server or the compiler and no command module imports another.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import typer

from ledger.cli import access, audit, export, orgs, records, residents, sync, types, webhooks
from ledger.cli.common import UserError
from ledger.errors import LedgerError

ENTRY_POINTS = "gridledger.cli"
EXTRAS = {"fastapi", "sqlalchemy", "alembic", "uvicorn", "psycopg", "starlette", "solcx", "jsonschema",
          "prometheus_client", "cryptography"}  # fmt: skip


def build_app() -> typer.Typer:
    """A new Typer app with every command this installation has."""
    missing: list[str] = []
    app = typer.Typer(
        help="GridLedger: shared community records, committed on a permissioned chain.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for module in (orgs, records, types, access, audit, residents, export, sync, webhooks):
        module.register(app)
    for point in sorted(entry_points(group=ENTRY_POINTS), key=lambda p: p.name):
        try:
            register = point.load()
        except ImportError as exc:  # a broken extra must not take `verify` down with it
            missing.append(f"{point.name} ({exc})")
            continue
        register(app)
    if missing:
        app.info.epilog = "Commands not loaded: " + "; ".join(missing)
    return app


def main() -> None:
    """Console entry point: map user mistakes to one line and exit code 2."""
    try:
        build_app()()
    except (UserError, LedgerError, ValueError) as exc:
        message = exc.message if isinstance(exc, LedgerError) else str(exc)
        typer.echo(f"error: {message}", err=True)
        sys.exit(2)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in EXTRAS:
            raise
        extra = "ops" if exc.name == "solcx" else "gateway"
        typer.echo(f"error: this command needs the [{extra}] extra: pip install 'gridledger[{extra}]'", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
