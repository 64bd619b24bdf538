"""Portal session tokens: who signed in, until when, and the CSRF token that goes with it.

A token is ``base64url(JSON claims) "." base64url(HMAC-SHA256(key, claims))`` under a key
derived from the vault's master key (:attr:`gateway.security.vault.Vault.session_key`), so
the server keeps no session table: a database administrator cannot add a session, and a
token says only *which key signed in when*. What that key may do is decided on every
request from the chain (membership) or the enrolment (residents), never from the token.
Sign-in challenges (the SIWE nonce) are MAC'd the same way, under another label.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["member", "resident"]


class TokenRejected(ValueError):
    """A token that is malformed, forged, of another purpose or expired (the message names the rule)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(key: bytes, purpose: str, claims: dict[str, Any]) -> str:
    """``claims`` as a token for ``purpose`` (the MAC covers both)."""
    body = json.dumps({**claims, "p": purpose}, separators=(",", ":"), sort_keys=True).encode()
    return _b64(body) + "." + _b64(hmac.new(key, body, hashlib.sha256).digest())


def open_token(key: bytes, purpose: str, token: str, now: float) -> dict[str, Any]:
    """The claims of a genuine, unexpired token made for ``purpose``."""
    try:
        body_text, mac_text = token.split(".")
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (ValueError, binascii.Error):
        raise TokenRejected("the token is not one this gateway makes") from None
    if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest()):
        raise TokenRejected("the token is not one this gateway makes")
    claims: dict[str, Any] = json.loads(body)
    if claims.get("p") != purpose:
        raise TokenRejected("the token was made for something else")
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now:
        raise TokenRejected("the token has expired")
    return claims


@dataclass(frozen=True)
class Session:
    """One signed-in key: its address, as a member or a resident, until ``expires``, with its CSRF token."""

    address: str
    kind: Kind
    expires: int
    csrf: str

    def token(self, key: bytes) -> str:
        return seal(key, "session", {"a": self.address, "k": self.kind, "exp": self.expires, "c": self.csrf})

    @classmethod
    def new(cls, address: str, kind: Kind, expires: int) -> Session:
        return cls(address, kind, expires, secrets.token_hex(16))

    @classmethod
    def open(cls, key: bytes, token: str, now: float) -> Session:
        claims = open_token(key, "session", token, now)
        kind = claims.get("k")
        if kind not in ("member", "resident") or not isinstance(claims.get("a"), str):
            raise TokenRejected("the token is not one this gateway makes")
        return cls(str(claims["a"]), kind, int(claims["exp"]), str(claims.get("c", "")))
