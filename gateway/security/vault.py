"""The encrypted payload store's cryptography: AES-256-GCM, one data key per record.

Each record's plaintext (payload and record secret) is encrypted under its own random
data key; the data key is wrapped (AES-256-GCM) by the gateway's master key. Both are
bound to the record id as associated data, so ciphertexts cannot be swapped between
records. Erasure deletes the ciphertext and the wrapped key: with them goes the record
secret, and with it any way to link the on-chain commitment to a value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway.security.files import file_lock, private_file, write_private
from gateway.settings import Settings

NONCE = 12


class VaultError(Exception):
    """A ciphertext or wrapped key does not open: tampered, or another master key."""


class Vault:
    def __init__(self, master_key: bytes, subject_secret: bytes | None = None) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes")
        if subject_secret is not None and len(subject_secret) != 32:
            raise ValueError("the subject secret must be 32 bytes")
        self._master = AESGCM(master_key)
        # subject keys must be equal across the consortium's gateways (one resident, one key):
        # production names a consortium-wide secret; development derives one from the master key
        self._subject_key = subject_secret or hmac.new(master_key, b"gridledger-subject-index", hashlib.sha256).digest()
        self.key_id = hashlib.sha256(b"gridledger-master-key-id" + master_key).hexdigest()[:16]
        # the portal's session and sign-in challenge MACs: derived, so no second secret to provision,
        # and never in the database (a DBA cannot mint a session)
        self.session_key = hmac.new(master_key, b"gridledger-portal-session-v1", hashlib.sha256).digest()

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        """The master key from ``GRIDLEDGER_MASTER_KEY`` (base64), else ``DATA_DIR/master.key``.

        In development the key file is generated on first run, mode 0600, once: several
        gateway processes starting together take a lock, and the key is written atomically,
        so none reads a half-written key or makes a second one.
        """
        subject = settings.subject_secret
        subject_secret = base64.b64decode(subject.get_secret_value()) if subject is not None else None
        if settings.master_key is not None:
            return cls(base64.b64decode(settings.master_key.get_secret_value()), subject_secret)
        path = settings.data_dir / "master.key"
        if not path.exists():
            with file_lock(settings.data_dir / ".master.key.lock"):
                if not path.exists():
                    write_private(path, base64.b64encode(secrets.token_bytes(32)) + b"\n")
        private_file(path)
        return cls(base64.b64decode(path.read_text().strip()), subject_secret)

    def subject_key(self, subject: str) -> str:
        """A keyed hash of a data subject's id: indexable, not reversible without the subject secret.

        The id is normalised first (:func:`gateway.services.subjects.normalise`), so the id a
        record names and the id a resident is enrolled under give one key however typed.
        """
        normal = unicodedata.normalize("NFKC", subject).strip().upper()
        return hmac.new(self._subject_key, normal.encode(), hashlib.sha256).hexdigest()

    def seal(self, record_id: str, plaintext: bytes) -> tuple[bytes, bytes]:
        """Encrypt; return (ciphertext, wrapped data key)."""
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE)
        ciphertext = nonce + AESGCM(data_key).encrypt(nonce, plaintext, record_id.encode())
        wrap_nonce = os.urandom(NONCE)
        wrapped = wrap_nonce + self._master.encrypt(wrap_nonce, data_key, b"gridledger-dk:" + record_id.encode())
        return ciphertext, wrapped

    def open(self, record_id: str, ciphertext: bytes, wrapped_key: bytes) -> bytes:
        try:
            data_key = self._master.decrypt(
                wrapped_key[:NONCE], wrapped_key[NONCE:], b"gridledger-dk:" + record_id.encode()
            )
            return AESGCM(data_key).decrypt(ciphertext[:NONCE], ciphertext[NONCE:], record_id.encode())
        except (InvalidTag, ValueError) as exc:
            raise VaultError(f"the stored payload of record {record_id} does not decrypt") from exc
