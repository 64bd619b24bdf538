"""Keys the gateway itself holds: the operator (anchoring) key.

In development the operator keystore is generated into the data directory with a random
password beside it (both mode 0600), once: under a lock, each file written atomically, so
that gateway processes starting together neither race to make two keys nor read a
half-written one. In production both are given by settings.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from eth_account.signers.local import LocalAccount

from gateway.security.files import file_lock, private_dir, write_private
from gateway.settings import Settings
from ledger.keys import create_keystore, load_keystore


def _password_file(keystore: Path) -> Path:
    return keystore.with_suffix(".password")


def operator_account(settings: Settings, *, create: bool = False) -> LocalAccount:
    """Load (or, in development with ``create``, first generate) the operator key."""
    path = settings.resolved_operator_key
    secret = settings.operator_key_password.get_secret_value() if settings.operator_key_password else None
    if not path.exists() and create and settings.env != "production":
        private_dir(path.parent)
        with file_lock(path.with_name(f".{path.name}.lock")):
            if not path.exists():
                return _create(path, secret)
    if secret is None:
        pw_file = _password_file(path)
        secret = pw_file.read_text().strip() if pw_file.exists() else ""
    return load_keystore(path, secret)


def _create(path: Path, secret: str | None) -> LocalAccount:
    """Password file first, keystore last: the keystore's existence means both are complete."""
    password = secret or secrets.token_urlsafe(32)
    if secret is None:
        write_private(_password_file(path), password.encode())
    staging = path.with_name(f".{path.name}.new")
    staging.unlink(missing_ok=True)  # left by a process that died while writing it
    account = create_keystore(staging, password)
    staging.replace(path)
    return account
