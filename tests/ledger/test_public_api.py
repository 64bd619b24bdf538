"""The base install's public API and its promise: nothing of the server or the compiler."""

from __future__ import annotations

import json
import subprocess
import sys

import ledger

PUBLIC = [
    "AddressBook", "ChainClient", "ChainError", "ChainView", "ClientSettings", "Deployment", "DeploymentChain",
    "Disclosure", "DocumentError", "Entry", "EntryDomain",
    "GatewayClient", "GatewayClientError", "LedgerError", "LogVerdict", "PayloadError", "ProofError", "Receipt",
    "VerificationError", "Verdict", "commitment", "create_keystore", "disclose", "load_keystore", "prepare_commit",
    "read_address_book", "verify", "verify_access_log", "verify_disclosure", "verify_texts", "verify_with",
]  # fmt: skip
SERVER_AND_COMPILER = [
    "fastapi", "starlette", "sqlalchemy", "alembic", "psycopg", "uvicorn", "solcx", "gateway.app", "gateway.services",
]  # fmt: skip


def test_public_api_is_pinned() -> None:
    assert sorted(ledger.__all__) == sorted(PUBLIC)
    missing = [name for name in ledger.__all__ if not hasattr(ledger, name)]
    assert missing == []


def test_errors_form_one_tree() -> None:
    errors = ("ChainError", "DocumentError", "PayloadError", "ProofError", "VerificationError", "GatewayClientError")
    for name in errors:
        assert issubclass(getattr(ledger, name), ledger.LedgerError), name
    assert issubclass(ledger.ProofError, ledger.VerificationError)
    assert issubclass(ledger.PayloadError, ValueError)


def test_the_cli_and_verifier_load_no_server_or_compiler_module() -> None:
    """Build the whole CLI (every command, the extras' entry points too) and list what got imported."""
    probe = (
        "import json, sys\n"
        "from ledger.cli.app import build_app\n"
        "import ledger.verify, ledger.client.gateway\n"
        "build_app()\n"
        f"print(json.dumps([m for m in {SERVER_AND_COMPILER!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout) == []
