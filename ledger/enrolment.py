"""A resident's enrolment: a committee member's signed word that a key belongs to a resident.

A recorder or admin of a residents' committee checks a resident's identity in person and
signs (EIP-191 ``personal_sign``) the text below, binding the resident's address to the
id number they are a data subject under. The gateway keeps the statement sealed (it names
the id number) with the signature, and acts for the resident only while the signature
recovers to someone the chain says is a recorder or admin of that committee: a database
administrator who inserts a binding has no member's key to sign it with. Nothing about a
resident is ever written on-chain.

    GridLedger enrolment v1\\n{id}\\n{chain id}\\n{registry}\\n{org}\\n{resident}\\n{id number}\\n{at}
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.eip712 import SigningKey, personal_digest, recover_raw, sign_digest

__all__ = ["Enrolment", "enrolment_signer", "sign_enrolment"]


@dataclass(frozen=True)
class Enrolment:
    """What the enrolling member vouches for; ``at`` is Unix seconds."""

    id: str
    chain_id: int
    registry: str
    org: str
    resident: str
    id_number: str
    at: int

    def message(self) -> bytes:
        parts = ("GridLedger enrolment v1", self.id, str(self.chain_id), self.registry.lower(), self.org,
                 self.resident.lower(), self.id_number.strip().upper(), str(self.at))  # fmt: skip
        if any("\n" in part for part in parts):
            raise ValueError("an enrolment's parts are single lines")
        return "\n".join(parts).encode()

    @classmethod
    def parse(cls, message: bytes) -> Enrolment:
        """The enrolment :meth:`message` spelled; ``ValueError`` for anything else."""
        parts = message.decode().split("\n")
        if len(parts) != 8 or parts[0] != "GridLedger enrolment v1":
            raise ValueError("not an enrolment")
        return cls(parts[1], int(parts[2]), parts[3], parts[4], parts[5], parts[6], int(parts[7]))


def sign_enrolment(private_key: bytes | SigningKey, enrolment: Enrolment) -> bytes:
    return sign_digest(private_key, personal_digest(enrolment.message()))


def enrolment_signer(enrolment: Enrolment, signature: bytes) -> bytes:
    """The 20-byte address that signed ``enrolment``; ``ValueError`` on a malformed signature."""
    return recover_raw(personal_digest(enrolment.message()), signature)
