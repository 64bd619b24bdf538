"""Signing in to the portal with Sign-In with Ethereum (EIP-4361): challenge, check, session.

The portal decrypts the member's (or resident's) keystore in the browser and signs an
EIP-4361 message with ``personal_sign``; the password and the key never leave the page.
This module words the challenge and checks the signed message strictly: the domain must be
one this gateway answers to *and* the host the request came to, the URI its origin, the
chain id the deployment's, the nonce one this gateway issued (MAC'd, short-lived, spent
once), the times fresh, and the signature the named address's. What the key may then do is
decided per request from the chain or the enrolment (:mod:`gateway.api.auth`); the session
only remembers that the key signed in (:mod:`gateway.security.sessions`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from gateway.container import Container
from gateway.db.models import RequestNonce
from gateway.errors import Forbidden, Unauthenticated, ValidationFailed
from gateway.security.sessions import Kind, Session
from gateway.services.facts import entry_domain
from ledger.client.request_signing import personal_digest
from ledger.eip712 import recover_digest
from ledger.types import role_names, to_address

STATEMENT = "Sign in to the GridLedger portal."
"""The statement line (EIP-4361 allows ASCII only there; the portal shows it translated beside the message)."""
CHALLENGE_SECONDS = 300
"""How long a challenge (its nonce) may be signed and sent back."""
MAX_MESSAGE_SECONDS = 600
"""The longest a signed message may say it stays valid (Expiration Time minus Issued At)."""
SESSION_SECONDS = 1800
"""A session's life: short, since a stolen cookie reads as its key until then."""
CLOCK_SKEW = 60
"""How far ahead of the gateway's clock a browser's Issued At may be."""

_MESSAGE = re.compile(
    r"(?P<domain>[^\s/]+) wants you to sign in with your Ethereum account:\n"
    r"(?P<address>0x[0-9a-fA-F]{40})\n\n"
    r"(?P<statement>[^\n]*)\n\n"
    r"URI: (?P<uri>[^\s]+)\n"
    r"Version: 1\n"
    r"Chain ID: (?P<chain_id>[0-9]{1,20})\n"
    r"Nonce: (?P<nonce>[0-9a-f]{64})\n"
    r"Issued At: (?P<issued_at>[0-9T:.+\-Z]{20,35})\n"
    r"Expiration Time: (?P<expiration_time>[0-9T:.+\-Z]{20,35})"
)
"""The EIP-4361 layout the portal signs, exactly (no optional fields besides the expiry, which is required)."""


def rfc3339(moment: float) -> str:
    return datetime.fromtimestamp(int(moment), UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: str, name: str) -> float:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(f"message: {name} is not an RFC 3339 time", path="message") from None
    if moment.tzinfo is None:
        raise ValidationFailed(f"message: {name} must name its time zone", path="message")
    return moment.timestamp()


def _nonce_mac(container: Container, rand: str, expires: str) -> str:
    key = container.vault.session_key
    return hmac.new(key, f"siwe-nonce|{rand}|{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def challenge(container: Container, authority: str, scheme: str) -> dict[str, Any]:
    """What the browser puts in its EIP-4361 message (a fresh nonce bound to this gateway and its expiry)."""
    if authority not in container.settings.resolved_authorities:
        raise ValidationFailed(f"this gateway does not answer to the host {authority!r}", path="host")
    now = container.clock()
    rand, expires = secrets.token_hex(12), f"{int(now) + CHALLENGE_SECONDS:08x}"
    return {
        "domain": authority,
        "uri": f"{scheme}://{authority}/",
        "version": "1",
        "chain_id": entry_domain(container).chain_id,
        "nonce": rand + expires + _nonce_mac(container, rand, expires),
        "statement": STATEMENT,
        "issued_at": rfc3339(now),
        "expiration_time": rfc3339(now + MAX_MESSAGE_SECONDS),
    }


@dataclass(frozen=True)
class SignedIn:
    session: Session
    who: dict[str, Any]


def sign_in(container: Container, message: str, signature: str, authority: str, scheme: str) -> SignedIn:
    """Check a signed EIP-4361 message; the session for its key (a member's, else an enrolled resident's)."""
    now = container.clock()
    found = _MESSAGE.fullmatch(message)
    if found is None:
        raise ValidationFailed("message: not the EIP-4361 sign-in message this gateway issues", path="message")
    fields = found.groupdict()
    if fields["statement"] != STATEMENT:
        raise ValidationFailed("message: not the sign-in statement this gateway issues", path="message")
    if fields["domain"] != authority or authority not in container.settings.resolved_authorities:
        raise Unauthenticated("the message signs in to another site than this one")
    if fields["uri"] != f"{scheme}://{authority}/":
        raise Unauthenticated("the message names another URI than this gateway's")
    if int(fields["chain_id"]) != entry_domain(container).chain_id:
        raise Unauthenticated("the message names another chain than this gateway's")
    nonce = fields["nonce"]
    rand, expires, mac = nonce[:24], nonce[24:32], nonce[32:]
    if not hmac.compare_digest(mac, _nonce_mac(container, rand, expires)):
        raise Unauthenticated("the nonce is not one this gateway issued")
    if int(expires, 16) <= now:
        raise Unauthenticated("the sign-in challenge has expired: ask for a new one")
    issued = _parse_time(fields["issued_at"], "Issued At")
    expiry = _parse_time(fields["expiration_time"], "Expiration Time")
    if issued > now + CLOCK_SKEW or issued < now - CHALLENGE_SECONDS - CLOCK_SKEW:
        raise Unauthenticated("the message's Issued At is not now (check the computer's clock)")
    if expiry <= now or expiry - issued > MAX_MESSAGE_SECONDS:
        raise Unauthenticated(f"the message must expire in the future, at most {MAX_MESSAGE_SECONDS} s after issue")
    try:
        signer = recover_digest(personal_digest(message.encode()), bytes.fromhex(signature.removeprefix("0x")))
    except ValueError:
        signer = None
    address = fields["address"]
    if signer is None or signer.lower() != address.lower():
        raise Unauthenticated("the signature is not the named account's over this message")
    if address != to_address(address):
        raise ValidationFailed("message: the address must be EIP-55 checksummed", path="message")
    who = whoami(container, address)
    _spend(container, address, nonce)
    kind: Kind = "member" if who["kind"] == "member" else "resident"
    session = Session.new(address, kind, int(now) + SESSION_SECONDS)
    return SignedIn(session, who | {"expires_at": rfc3339(session.expires), "csrf": session.csrf})


def whoami(container: Container, address: str) -> dict[str, Any]:
    """Who ``address`` is now: a member (by the chain), else an enrolled resident; 403 for neither."""
    member = container.members.member(address)
    if member is not None:
        return {"kind": "member", "address": member.address, "org": member.org, "org_kind": member.kind.name.lower(),
                "parent": member.parent, "roles": role_names(member.roles)}  # fmt: skip
    resident = container.residents.resident(address)
    if resident is not None:
        return {"kind": "resident", "address": resident.address, "org": resident.org}
    raise Forbidden("this key is neither a member of an active organisation nor an enrolled resident's")


def _spend(container: Container, address: str, nonce: str) -> None:
    """Spend the nonce (a signed message signs in once); the request-nonce table keeps it until it is stale."""
    with container.sessions() as session:
        session.add(RequestNonce(address=address, nonce=nonce, seen_at=datetime.now(UTC)))
        try:
            session.commit()
        except IntegrityError:
            raise Unauthenticated("this sign-in message was used before: sign a new one") from None
