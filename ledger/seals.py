"""Sealed reads: an entry logged now, disclosed to the data subject only after a date.

A department investigating a case may have to read a resident's record without the
resident learning of it yet. Hiding the read from the log would break the resident's proof
of completeness (docs/spec/subject-map.md), so the read is appended and anchored like any
other, under a leaf that says only *that* something about these subjects happened at this
position and *when* it will be opened (docs/spec/access-log.md §L-5):

- the **opened document** is the entry's ordinary document (§L-1) plus ``legal_basis``,
  ``sealed_until`` and a fresh 32-byte ``nonce``;
- the **stub**, whose JCS is the leaf, holds ``idx``, ``at``, ``action: "sealed"``,
  ``sealed_until``, ``subject_keys`` and ``seal = SHA-256("gridledger-seal-v1" || 0x00 ||
  JCS(opened))``.

The nonce makes the seal unguessable (without it, who read which record is a small space to
try), and the domain prefix keeps seals apart from every other SHA-256 here. When the seal
is opened the gateway shows the opened document and anyone checks it against the stub
(:func:`check_opening`): the content was fixed when the leaf was anchored, so it cannot be
softened later. A supervising office may postpone the opening by an ``extend`` entry, itself
logged about the same subjects (:func:`effective_until`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.commitments import canonical

SEAL_ACTION = "sealed"
EXTEND_ACTION = "extend"
NONCE_BYTES = 32
MAX_SEAL = timedelta(days=730)
"""The furthest a seal (or one extension) may reach from the moment it is made: two years."""
OPENING_GRACE = timedelta(minutes=15)
"""How long past its date a verifier waits before calling a still-sealed entry withheld
(the gateway's clock and the verifier's node need not agree to the second)."""

LEGAL_BASES: dict[str, str] = {
    "criminal-investigation": "a criminal investigation (Criminal Procedure Law)",
    "public-security-case": "an administrative public-security case",
    "court-order": "an order of a people's court",
    "state-security": "a state-security matter",
}
"""The legal bases a sealed read may cite, by code; a consortium extends this list by release."""

_DOMAIN = b"gridledger-seal-v1\x00"
_STUB_MEMBERS = {"idx", "at", "action", "sealed_until", "subject_keys", "seal"}


def rfc3339(moment: datetime) -> str:
    """A time as the log spells it: UTC, to the second, with ``Z``."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """An RFC 3339 time or a bare date (midnight UTC); raise ``ValueError`` in words otherwise."""
    hint = "use e.g. 2027-06-01 or 2027-06-01T08:00:00+08:00"
    try:
        moment = datetime.fromisoformat(text.strip())
        return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: a far offset pushes it past year 1 or 9999
        raise ValueError(f"not a date or time: {text[:40]!r} ({hint})") from None


def check_until(until: datetime, now: datetime) -> None:
    """Refuse a seal date that is not in the future or lies beyond :data:`MAX_SEAL` (``ValueError``)."""
    if until <= now:
        raise ValueError(f"a seal must end in the future, not at {rfc3339(until)}")
    if until > now + MAX_SEAL:
        raise ValueError(f"a seal may reach at most {MAX_SEAL.days} days ahead, to {rfc3339(now + MAX_SEAL)}")


def within_reach(at: str, until: str) -> bool:
    """Whether a seal (or an extension) dated ``at`` reaches no further than :data:`MAX_SEAL` past it."""
    try:
        return parse_time(until) <= parse_time(at) + MAX_SEAL
    except ValueError:
        return False


def new_nonce() -> bytes:
    return secrets.token_bytes(NONCE_BYTES)


def opened_document(
    document: Mapping[str, Any], *, legal_basis: str, sealed_until: str, nonce: bytes
) -> dict[str, Any]:
    """The full entry a seal hides: the ordinary document with the basis, the date and the nonce."""
    return {**document, "legal_basis": legal_basis, "sealed_until": sealed_until, "nonce": "0x" + nonce.hex()}


def seal_of(opened: Mapping[str, Any]) -> str:
    """``0x`` + the seal (a SHA-256) of an opened document."""
    return "0x" + hashlib.sha256(_DOMAIN + canonical(dict(opened))).hexdigest()


def stub(opened: Mapping[str, Any]) -> dict[str, Any]:
    """The leaf document that stands for ``opened`` until it is opened."""
    return {
        "idx": opened["idx"], "at": opened["at"], "action": SEAL_ACTION, "sealed_until": opened["sealed_until"],
        "subject_keys": opened["subject_keys"], "seal": seal_of(opened),
    }  # fmt: skip


def is_stub(document: Mapping[str, Any]) -> bool:
    return document.get("action") == SEAL_ACTION


def check_opening(stub_document: Mapping[str, Any], opened: Mapping[str, Any]) -> list[str]:
    """Why ``opened`` is not what the stub sealed (empty when it is)."""
    if set(stub_document) != _STUB_MEMBERS or not is_stub(stub_document):
        return ["not a sealed entry"]
    if seal_of(opened) != stub_document["seal"]:
        return ["the opened entry does not hash to its seal"]
    return [
        f"the opened entry's {name} is not the sealed one's"
        for name in ("idx", "at", "sealed_until", "subject_keys")
        if opened.get(name) != stub_document[name]
    ]


def effective_until(stub_document: Mapping[str, Any], documents: Iterable[Mapping[str, Any]]) -> str:
    """When a sealed entry opens: its own date, or the latest ``extend`` entry's about it, whichever is later."""
    until = str(stub_document["sealed_until"])
    for document in documents:
        if (
            document.get("action") == EXTEND_ACTION
            and document.get("outcome") == "allowed"
            and document.get("sealed_idx") == stub_document["idx"]
        ):
            until = max(until, str(document.get("sealed_until")))  # one spelling (rfc3339): text order is time order
    return until
