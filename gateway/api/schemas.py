"""HTTP shapes: what clients send and what they get back (separate from storage)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from gateway.services import listing, values

SLUG = r"^[a-z0-9][a-z0-9._-]{0,31}$"
HEX32 = r"^0x[0-9a-fA-F]{64}$"
HEX65 = r"^0x[0-9a-fA-F]{130}$"
# Integers are bounded by what stores them: a signed 64-bit column, a uint32 entry version,
# a Unix time the contracts hold (uint48 is enough until the year 8,900,000).
MAX_INT63 = 2**63 - 1
MAX_UINT32 = 2**32 - 1
MAX_TIME = 2**48 - 1

GrantId = Annotated[int, Path(ge=0, le=MAX_INT63, description="the grant's on-chain id")]
FieldName = Annotated[str, Field(min_length=1, max_length=64)]


class CommitRecord(BaseModel):
    """One record version, as committed and signed by a recorder (see the SDK)."""

    model_config = ConfigDict(extra="forbid")

    id: UUID = Field(description="record id chosen by the committer (a UUID)")
    type: str = Field(pattern=SLUG, description="record type, e.g. household")
    payload: dict[str, Any] = Field(description="the record: a JSON object, validated against the type's schema")
    record_secret: str = Field(pattern=HEX32, description="32 random bytes that salt the field commitments")
    version: int = Field(1, ge=1, le=MAX_UINT32, description="1, or the superseded record's version + 1")
    supersedes: UUID | None = Field(None, description="the record version this one corrects")
    type_version: str = Field(
        pattern=HEX32, description="the registered type version the payload was checked against (/v1/record-types)"
    )
    signature: str = Field(pattern=HEX65, description="the committer's EIP-712 signature over the entry (format 2)")

    def to_domain(self) -> values.RecordVersion:
        return values.RecordVersion(
            id=str(self.id), type=self.type, payload=self.payload, record_secret=_hex(self.record_secret),
            signature=_hex(self.signature), version=self.version,
            supersedes=str(self.supersedes) if self.supersedes else None, type_version=self.type_version.lower(),
        )  # fmt: skip


class CommitBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[CommitRecord] = Field(min_length=1, max_length=10_000)


class Accepted(BaseModel):
    id: str
    status: str
    version: int
    duplicate: bool = False

    @classmethod
    def of(cls, value: values.Accepted) -> Accepted:
        return cls(id=value.id, status=value.status, version=value.version, duplicate=value.duplicate)


class BatchAccepted(BaseModel):
    accepted: int
    duplicates: int
    records: list[Accepted]


class RecordListItem(BaseModel):
    """A listed record version: owner, type, version and supersession as its signed entry states them."""

    id: str
    owner: str
    type: str
    version: int
    supersedes: str | None
    status: Literal["pending", "anchored", "erased"]
    committed_at: str = Field(description="when the gateway accepted it (RFC 3339, UTC)")
    anchored_at: str | None = Field(description="the anchoring block's time, once anchored")
    erased_at: str | None = Field(description="when its payload was erased, if it was")
    access: Literal["whole", "grant"] = Field(description="read whole (owner, supervisor) or under a grant")
    fields: list[str] | None = Field(description="the granted fields' names (access grant); null: every field")
    grant: int | None = Field(description="the on-chain grant that covers it (access grant)")
    block: int | None = Field(None, description="the block its batch is anchored in, once anchored")


class RecordList(BaseModel):
    items: list[RecordListItem]
    next: str | None = Field(description="the next page's path and query, to GET (signed) as is; null after the last")

    @classmethod
    def of(cls, page: listing.ListingPage, next_path: str | None) -> RecordList:
        items = [
            RecordListItem(
                id=r.id, owner=r.owner, type=r.type, version=r.version, supersedes=r.supersedes,
                status=r.status,  # one of listing.STATUSES, checked by the model
                committed_at=r.committed_at, anchored_at=r.anchored_at, erased_at=r.erased_at,
                access=r.access,  # whole | grant, checked by the model
                fields=None if r.fields is None else list(r.fields), grant=r.grant, block=r.block,
            )
            for r in page.items
        ]  # fmt: skip
        return cls(items=items, next=next_path)


class ReadMany(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[UUID] = Field(min_length=1, max_length=200, description="record ids, each at most once")


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    receipt: dict[str, Any]
    disclosure: dict[str, Any] | None = Field(
        None, description="the record or some of its fields, with salts and proofs"
    )


class Info(BaseModel):
    chain_id: int
    registry: str
    membership: str
    grants: str
    type_registry: str = Field(description="the RecordTypes contract: record-type versions and purpose codes")
    deployment_block: int
    record_types: list[str]
    operator: str = Field(description="this gateway's operator address: it signs log heads and webhook deliveries")


class SubscriptionCreate(BaseModel):
    """A webhook endpoint for the caller's organisation (docs/webhooks.md)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1, max_length=2048, description="https://…; in development also http:// to a loopback host"
    )
    after: str | None = Field(
        None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
        description="a `GET /v1/feed` cursor to start after (default: the feed's current end)",
    )  # fmt: skip


class GrantCreate(BaseModel):
    """A grant, with the granting admin's EIP-712 signature (the SDK builds it)."""

    model_config = ConfigDict(extra="forbid")

    owner: str = Field(pattern=SLUG, description="the organisation whose records are shared")
    grantee: str = Field(pattern=SLUG, description="the organisation that may read")
    record: UUID | None = Field(None, description="scope: one record of the owner")
    type: str | None = Field(None, pattern=SLUG, description="scope: every record of this type of the owner")
    fields: list[FieldName] = Field(min_length=1, max_length=64, description="the fields the grantee may read")
    purpose_code: str = Field(pattern=SLUG, description="why, as a code audits group by (e.g. subsidy-review)")
    purpose: str = Field(
        min_length=1, max_length=200, description="why, in words; kept off-chain (erasable), its salted hash on-chain"
    )
    purpose_salt: str = Field(pattern=HEX32, description="32 random bytes: purposeHash = SHA-256(domain, salt, text)")
    expires_at: int = Field(gt=0, le=MAX_TIME, description="Unix seconds")
    nonce: int = Field(ge=0, le=MAX_INT63, description="the admin's next AccessGrants nonce")
    deadline: int = Field(gt=0, le=MAX_TIME, description="Unix seconds after which the signature is void")
    signature: str = Field(pattern=HEX65)

    def to_domain(self) -> values.GrantRequest:
        return values.GrantRequest(
            owner=self.owner, grantee=self.grantee, record=str(self.record) if self.record else None, type=self.type,
            fields=tuple(self.fields), purpose_code=self.purpose_code, purpose=self.purpose,
            purpose_salt=_hex(self.purpose_salt), expires_at=self.expires_at,
            relay=values.RelayedSignature(self.nonce, self.deadline, _hex(self.signature)),
        )  # fmt: skip


class GrantRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nonce: int = Field(ge=0, le=MAX_INT63)
    deadline: int = Field(gt=0, le=MAX_TIME)
    signature: str = Field(pattern=HEX65)

    def to_domain(self) -> values.RelayedSignature:
        return values.RelayedSignature(self.nonce, self.deadline, _hex(self.signature))


def _hex(text: str) -> bytes:
    """``0x``-prefixed hex, already checked by the field's pattern."""
    return bytes.fromhex(text[2:])


class EnrolResident(BaseModel):
    """A committee member's signed enrolment of a resident's key (``ledger.enrolment``)."""

    model_config = ConfigDict(extra="forbid")

    id: UUID = Field(description="the enrolment's id, chosen by the member (a UUID)")
    resident: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="the resident's address")
    id_number: str = Field(min_length=1, max_length=64, description="the id the resident is a data subject under")
    at: int = Field(ge=0, le=MAX_TIME, description="when the member signed it (Unix seconds)")
    signature: str = Field(pattern=HEX65, description="the member's personal_sign over the enrolment text")


class FileRequest(BaseModel):
    """A resident's request on a record about them."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["correction", "erasure"]
    record_id: UUID
    text: str | None = Field(None, max_length=2000, description="what is wrong and what it should say")


class DecideRequest(BaseModel):
    """A committee's answer to a resident's request."""

    model_config = ConfigDict(extra="forbid")

    record_id: UUID | None = Field(None, description="accepting a correction: the new version that makes it")
    reason: str | None = Field(None, max_length=500, description="refusing: why, in words the resident reads")


class ExtendSeal(BaseModel):
    """A supervising office postponing the opening of a sealed read (docs/spec/access-log.md §L-5)."""

    model_config = ConfigDict(extra="forbid")

    sealed_until: str = Field(..., max_length=40, description="the new date (RFC 3339; a bare date: midnight UTC)")


class TypeRegistration(BaseModel):
    """A record-type version to register, with the standards member's EIP-712 signature (the SDK builds it)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=SLUG, description="the type name, e.g. household")
    schema_: dict[str, Any] = Field(alias="schema", description="the JSON Schema, every field labelled")
    supersedes: str | None = Field(None, pattern=HEX32, description="the newest version of this name (none: new)")
    nonce: int = Field(ge=0, le=MAX_INT63, description="the member's next RecordTypes nonce")
    deadline: int = Field(gt=0, le=MAX_TIME)
    signature: str = Field(pattern=HEX65)

    def relay(self) -> values.RelayedSignature:
        return values.RelayedSignature(self.nonce, self.deadline, _hex(self.signature))


class PurposeRegistration(BaseModel):
    """A purpose code to register, with the standards member's EIP-712 signature."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=SLUG, description="the purpose code, e.g. subsidy-review")
    nonce: int = Field(ge=0, le=MAX_INT63)
    deadline: int = Field(gt=0, le=MAX_TIME)
    signature: str = Field(pattern=HEX65)

    def relay(self) -> values.RelayedSignature:
        return values.RelayedSignature(self.nonce, self.deadline, _hex(self.signature))


class GrantReview(BaseModel):
    """A privacy reviewer's decision on a proposed grant, with its EIP-712 signature (the SDK builds it)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=200, description="why (required to refuse); kept off-chain")
    reason_salt: str | None = Field(None, pattern=HEX32, description="32 random bytes salting the reason's hash")
    nonce: int = Field(ge=0, le=MAX_INT63, description="the reviewer's next AccessGrants nonce")
    deadline: int = Field(gt=0, le=MAX_TIME)
    signature: str = Field(pattern=HEX65)

    def salt(self) -> bytes | None:
        return _hex(self.reason_salt) if self.reason_salt else None

    def relay(self) -> values.RelayedSignature:
        return values.RelayedSignature(self.nonce, self.deadline, _hex(self.signature))
