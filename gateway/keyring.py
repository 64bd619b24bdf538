"""Keys the gateway itself holds: the operator (anchoring) key.

In development the operator keystore is generated into the data directory with a random
password beside it (both mode 0600). In production both are given by settings.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from eth_account.signers.local import LocalAccount

from gateway.settings import Settings
from ledger.keys import create_keystore, load_keystore


def _password_file(keystore: Path) -> Path:
    return keystore.with_suffix(".password")


def operator_account(settings: Settings, *, create: bool = False) -> LocalAccount:
    """Load (or, in development with ``create``, first generate) the operator key."""
    path = settings.resolved_operator_key
    secret = settings.operator_key_password.get_secret_value() if settings.operator_key_password else None
    if not path.exists() and create and settings.env != "production":
        password = secret or secrets.token_urlsafe(32)
        if secret is None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(_password_file(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(password)
        return create_keystore(path, password)
    if secret is None:
        pw_file = _password_file(path)
        secret = pw_file.read_text().strip() if pw_file.exists() else ""
    return load_keystore(path, secret)
