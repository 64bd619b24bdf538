"""Encrypted keystores (Web3 Secret Storage v3) for members' Ethereum keys.

The CLI never takes a raw private key: ``--key`` names a keystore file, and its
password comes from ``GRIDLEDGER_KEY_PASSWORD``, a password file, or a prompt.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.errors import KeystoreError


def create_keystore(
    path: Path, password: str, *, private_key: bytes | None = None, iterations: int | None = None
) -> LocalAccount:
    """Write a new (or given) key to ``path`` encrypted with ``password``, mode 0600."""
    account: LocalAccount = Account.from_key(private_key) if private_key else Account.create()
    data = Account.encrypt(account.key, password, iterations=iterations)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    return account


def keystore_address(path: Path) -> str:
    """The address a keystore holds, read without decrypting it."""
    try:
        data = json.loads(path.read_text())
        return "0x" + str(data["address"]).removeprefix("0x")
    except FileNotFoundError:
        raise KeystoreError(f"keystore {path} does not exist") from None
    except (ValueError, KeyError) as exc:
        raise KeystoreError(f"{path} is not a keystore file") from exc


def load_keystore(path: Path, password: str) -> LocalAccount:
    """Decrypt ``path``; a wrong password or a damaged file is a :class:`KeystoreError`."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise KeystoreError(f"keystore {path} does not exist") from None
    except ValueError as exc:
        raise KeystoreError(f"{path} is not a keystore file") from exc
    try:
        key = Account.decrypt(data, password)
    except ValueError as exc:
        raise KeystoreError(f"wrong password for keystore {path} (set GRIDLEDGER_KEY_PASSWORD)") from exc
    except (KeyError, TypeError) as exc:
        raise KeystoreError(f"{path} is not a keystore file") from exc
    account: LocalAccount = Account.from_key(key)
    return account


def read_password(password_file: Path | None) -> str | None:
    """The keystore password from a file or ``GRIDLEDGER_KEY_PASSWORD``; ``None`` to prompt."""
    if password_file is not None:
        try:
            return password_file.read_text().rstrip("\n")
        except OSError as exc:
            raise KeystoreError(f"cannot read password file {password_file}: {exc.strerror}") from exc
    return os.environ.get("GRIDLEDGER_KEY_PASSWORD")
