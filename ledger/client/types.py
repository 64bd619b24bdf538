"""The JSON shapes the gateway answers, as typed dicts (what the SDK's methods return).

They describe ``docs/api.md``; keys a gateway may add later are allowed at run time, and
``total=False`` marks shapes whose optional keys depend on who reads.
"""

from __future__ import annotations

from typing import Any, TypedDict


class Accepted(TypedDict):
    """One committed record version: ``pending`` until anchored."""

    id: str
    status: str
    version: int
    duplicate: bool


class BatchAccepted(TypedDict):
    accepted: int
    duplicates: int
    records: list[Accepted]


class RecordView(TypedDict, total=False):
    """A record as its reader may see it: all fields for the owner, the granted ones for a grantee."""

    id: str
    type: str
    owner: str
    version: int
    supersedes: str | None
    superseded_by: str | None
    status: str
    committer: str
    created_at: str
    versions: list[dict[str, Any]]
    payload: dict[str, Any]
    disclosure: dict[str, Any]
    access: dict[str, Any]


class GrantView(TypedDict):
    id: int
    owner: str
    grantee: str
    record: str | None
    type: str | None
    fields: list[str]
    purpose_code: str
    purpose: str | None
    purpose_hash: str
    expires_at: int
    grantor: str
    granted_block: int
    revoked_block: int | None
    revoked_by: str | None
    state: str


class AccessPage(TypedDict, total=False):
    """One page of the access log, newest first, with the log's head for proofs."""

    total: int
    entries: list[dict[str, Any]]


class RecordItem(TypedDict):
    """One listed record version (``GET /v1/records``): no payload; owner, type and version as signed;
    ``access`` says whether it is read whole or under ``grant`` (then only ``fields``)."""

    id: str
    owner: str
    type: str
    version: int
    supersedes: str | None
    status: str  # pending | anchored | erased
    committed_at: str
    anchored_at: str | None
    erased_at: str | None
    access: str  # whole | grant
    fields: list[str] | None  # the granted fields' names (access grant)
    grant: int | None


class RecordPage(TypedDict):
    """One page of the listing; ``next`` is the path of the next page (GET it signed, as is), or None."""

    items: list[RecordItem]
    next: str | None


class FeedPage(TypedDict):
    """An answer of ``GET /v1/feed``: events oldest first, and the cursor to read on from."""

    events: list[dict[str, Any]]
    cursor: str
    next: str
