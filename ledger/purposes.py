"""Grant purposes: a code and a salted hash on-chain, the free text off-chain.

A grant's purpose is free text written by an official ("check Qiu Xiaoyan's subsidy
claim"), and such text often names a person. Nothing written to the chain can ever be
erased, so the text stays with the gateway, which can delete it, and the grant carries
two words instead:

- ``purposeCode``: an ASCII slug (``subsidy-review``), chosen from a short list, so
  that audits can group and count reads by purpose without any free text;
- ``purposeHash``: ``SHA-256("gridledger-purpose-v1" || 0x00 || salt || UTF-8(text))``
  with a fresh 32-byte salt per grant, kept off-chain beside the text.

The codes are registered on-chain in ``RecordTypes`` (a grant naming an unregistered code
is refused); :data:`PURPOSE_CODES` is the list a new deployment registers, and the
consortium's standards body may add more.

The hash binds the grant to its text: whoever is later shown the text and salt can check
that this is the purpose that was granted, and a gateway cannot swap it. The salt makes
the hash unguessable: without it, a short text ("check Qiu Xiaoyan") could be found by
hashing candidate names. Erasing the text and its salt leaves a hash that reveals
nothing. The domain prefix keeps these hashes apart from every other SHA-256 in the
system (leaves, commitments).
"""

from __future__ import annotations

import hashlib
import secrets

PURPOSE_SALT_BYTES = 32
"""Length of a purpose salt: as long as the hash, so the salt is never the weak part."""

_DOMAIN = b"gridledger-purpose-v1\x00"

PURPOSE_CODES: dict[str, str] = {
    "general": "General administration of the owner's own services, where no narrower code fits",
    "other": "A purpose no code names; the free text says which",
    "subsidy-review": "Checking a claim for a subsidy or allowance",
    "eligibility-check": "Checking whether a resident or household qualifies for a service",
    "case-handling": "Handling a case: a complaint, a dispute, a request for help",
    "epidemic-response": "Public-health measures during an epidemic",
    "statistics": "Statistics and planning, with nothing published about any one person",
    "investigation": "An investigation by an authority empowered by law to conduct one",
    "statutory": "A duty the law places on the reading organisation itself",
}
"""Purpose code -> one line saying what it covers: the codes every new deployment registers."""


def new_purpose_salt() -> bytes:
    """A fresh random salt for one grant's purpose (``PURPOSE_SALT_BYTES`` bytes)."""
    return secrets.token_bytes(PURPOSE_SALT_BYTES)


def purpose_hash(salt: bytes, text: str) -> bytes:
    """The 32-byte ``purposeHash`` of ``text`` under ``salt``; raise ``ValueError`` on a salt of the wrong length."""
    if len(salt) != PURPOSE_SALT_BYTES:
        raise ValueError(f"a purpose salt is {PURPOSE_SALT_BYTES} bytes, not {len(salt)}")
    return hashlib.sha256(_DOMAIN + salt + text.encode("utf-8")).digest()
