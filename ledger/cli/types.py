"""``gridledger types list | show | register`` and ``gridledger purposes``: the consortium's shared standards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ledger.cli.common import GatewayOpt, KeyOpt, PasswordFileOpt, UserError, call, client, read_json, say
from ledger.timefmt import local_time


def types_list(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Every registered record type: its newest version and each field's sensitivity."""
    with client(gateway, key, password_file) as gw:
        items = call(gw.record_types)
    if as_json:
        say(json.dumps(items, indent=2, ensure_ascii=False))
        return
    for item in items:
        say(f"{item['name']} ({item['title']}): {len(item['versions'])} version(s), newest {item['latest']}")
        for f in item["fields"]:
            say(f"    {f['name']:<24} {f['type']!s:<8} {f['sensitivity']:<9} {'required' if f['required'] else ''}")


def types_show(
    name: Annotated[str, typer.Argument(help="record type, e.g. household")],
    version: Annotated[str | None, typer.Option(help="a version (0x…); the newest by default")] = None,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Print a version's labelled JSON Schema (to start a new version from)."""
    with client(gateway, key, password_file) as gw:
        schema = call(gw.type_schema, name, version)
    say(json.dumps(schema, indent=2, ensure_ascii=False))


def types_register(
    schema_file: Annotated[Path, typer.Argument(help="the new version's JSON Schema, every field labelled")],
    name: Annotated[str, typer.Option(help="the type name")],
    new: Annotated[bool, typer.Option("--new", help="start a new type (else supersede its newest version)")] = False,
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """Register a record-type version on-chain (the standards body): it supersedes the newest, or starts a type."""
    schema = read_json(schema_file, "schema")
    if not isinstance(schema, dict):
        raise UserError(f"{schema_file} must hold a JSON Schema (a JSON object)")
    with client(gateway, key, password_file) as gw:
        latest = None
        if not new:
            known = {item["name"]: item["newest"] for item in call(gw.record_types)}
            if name not in known:
                raise UserError(f"no record type {name!r} yet: pass --new to start it")
            latest = known[name]
        done = call(gw.register_type, name, schema, supersedes=latest)
    sensitive = ", ".join(done["sensitive_fields"]) or "none"
    say(f"registered {name} version {done['index'] + 1}: {done['version']} (sensitive fields: {sensitive}) "
        f"at {local_time(done['registered_at'])}")  # fmt: skip


def purposes_cmd(
    gateway: GatewayOpt = None,
    key: KeyOpt = None,
    password_file: PasswordFileOpt = None,
) -> None:
    """The purpose codes a grant may name (registered on-chain by the standards body)."""
    with client(gateway, key, password_file) as gw:
        for item in call(gw.purposes):
            say(f"{item['code']:<24} {item['description'] or ''}")


def register(app: typer.Typer) -> None:
    """Add the ``types`` group and the ``purposes`` command to ``app``."""
    types_app = typer.Typer(help="Record types: versions on-chain, fields and sensitivity.", no_args_is_help=True)
    types_app.command("list")(types_list)
    types_app.command("show")(types_show)
    types_app.command("register")(types_register)
    app.add_typer(types_app, name="types")
    app.command("purposes")(purposes_cmd)
