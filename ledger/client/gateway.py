"""A small Python client for the gateway: signs requests and record entries for callers.

    client = GatewayClient("http://127.0.0.1:8000", account)
    accepted = client.commit("household", {"address": "3-2-501", "head": "Li Wei", "members": 3})
    client.wait_anchored(accepted["id"])
    record, receipt = client.get(accepted["id"]), client.receipt(accepted["id"])

The committer's key never leaves the caller: the SDK chooses the record id and secret,
computes the commitment, and signs the entry itself, so a gateway can store and anchor a
record but cannot change what the committee committed.

Errors are :class:`~ledger.client.errors.GatewayClientError` subclasses, one per problem
type. Idempotent calls (reads, and commits, which the gateway deduplicates by record id)
are retried with exponential backoff and jitter when the connection fails or the gateway
answers 503; each retry is signed afresh (a new nonce). To pipeline, prepare many records
with :meth:`GatewayClient.prepare` and send them in one :meth:`commit_prepared` call (up to
10,000 per request), or share one client between threads (httpx's client is thread-safe).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
from eth_account.signers.local import LocalAccount

from ledger.chain.contracts import GrantsClient, RecordTypesClient
from ledger.client.errors import GatewayClientError, UnavailableError, error_for
from ledger.client.request_signing import sign_request
from ledger.client.types import (
    Accepted,
    AccessPage,
    BatchAccepted,
    FeedPage,
    GrantView,
    RecordItem,
    RecordPage,
    RecordView,
)
from ledger.commitments import commitment, new_secret
from ledger.eip712 import (
    GRANTS_DOMAIN,
    TYPES_DOMAIN,
    SigningKey,
    relay_typed_data,
    sign_digest,
    sign_typed,
    signing_key,
)
from ledger.entries import Entry, EntryDomain
from ledger.purposes import new_purpose_salt, purpose_hash
from ledger.reviews import new_reason_salt, reason_hash
from ledger.type_versions import type_version as checked_version
from ledger.types import record_id_to_bytes32, slug_to_bytes32, to_address


def prepare_commit(
    account: LocalAccount,
    org: str,
    domain: EntryDomain,
    record_type: str,
    payload: dict[str, Any],
    *,
    type_version: str,
    supersedes: str | None = None,
    version: int | None = None,
    record_id: str | None = None,
    secret: bytes | None = None,
    key: SigningKey | None = None,
) -> dict[str, Any]:
    """The body of ``POST /v1/records`` for one record version, signed by ``account``.

    ``type_version`` (``0x`` + 64 hex) names the registered type version the payload is
    meant for; the entry (format 2) signs it. ``key`` is ``account``'s key already parsed
    (:func:`ledger.eip712.signing_key`); a caller preparing many records passes it so the
    key is not rebuilt per record.
    """
    secret = secret or new_secret()
    entry = Entry(
        record_id=record_id or str(uuid.uuid4()),
        org=org,
        record_type=record_type,
        version=version or 1,
        supersedes=supersedes,
        commitment=commitment(payload, secret),
        committer=to_address(account.address),
        type_version=bytes.fromhex(type_version[2:]),
    )
    signature = sign_digest(key or bytes(account.key), entry.digest(domain))  # what Entry.signed does, minus a copy
    return {
        "id": entry.record_id,
        "type": record_type,
        "payload": payload,
        "record_secret": "0x" + secret.hex(),
        "version": entry.version,
        "supersedes": supersedes,
        "type_version": type_version,
        "signature": "0x" + signature.hex(),
    }


TYPES_TTL = 60.0
"""How long a client trusts the newest type versions it read (a new version supersedes the old for commits)."""

IDEMPOTENT = frozenset(
    {("POST", "/v1/records"), ("POST", "/v1/records:batch"), ("POST", "/v1/records:read"), ("POST", "/v1/verify")}
)
"""Writes that are safe to resend: the gateway answers a resent record as a duplicate."""
RETRYABLE = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)
"""Transport failures a resend can cure (not, say, a URL without a scheme)."""


class GatewayClient:
    """A member's client of one gateway: signs every acting request with the member's key."""

    def __init__(
        self,
        base_url: str,
        account: LocalAccount,
        *,
        timeout: float = 60.0,
        http: httpx.Client | None = None,
        retries: int = 3,
        backoff: float = 0.2,
        max_wait: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock`` stamps each signed request (the gateway refuses stale ones); tests inject a moved one."""
        self.account = account
        self._key = signing_key(bytes(account.key))  # parsed once: every prepare() reuses it
        if http is None:
            url = httpx.URL(base_url)
            if url.scheme not in ("http", "https") or not url.host:
                raise ValueError(f"gateway URL {base_url!r} needs a scheme and a host, e.g. http://127.0.0.1:8000")
        self.http = http or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self._sleep = sleep
        self.clock = clock
        self._info: dict[str, Any] | None = None
        self._type_versions: dict[str, str] = {}
        self._types_read = 0.0
        self._me: dict[str, Any] | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, *, signed: bool = True) -> Any:
        """Send a request, retrying an idempotent one on a failed connection or a 503.

        The wait before retry ``n`` is ``backoff * 2**n`` scaled by a random factor in
        [0.5, 1.5) (jitter, so that many clients do not retry in step), added to the
        gateway's ``Retry-After`` when it gives one, and never more than ``max_wait``.
        Only failures a resend can cure are retried: no connection, a dropped or timed-out
        exchange, a 503; a malformed URL or any other answer is raised at once.
        """
        idempotent = method in ("GET", "HEAD") or (method, path.split("?", 1)[0]) in IDEMPOTENT
        attempt = 0
        while True:
            try:
                return self._send_once(method, path, body, signed=signed)
            except (*RETRYABLE, UnavailableError) as exc:
                if not idempotent or attempt >= self.retries:
                    raise
                wait = self.backoff * 2**attempt * random.uniform(0.5, 1.5)
                if isinstance(exc, UnavailableError) and exc.retry_after is not None:
                    wait += exc.retry_after
                self._sleep(min(wait, self.max_wait))
                attempt += 1

    def _send_once(self, method: str, path: str, body: Any, *, signed: bool) -> Any:
        """Send one request; signed ones are signed for exactly what httpx puts on the wire.

        The method, Host (``@authority``), path and query are read back from the built
        request, after httpx has normalised and percent-encoded them, so that the gateway
        reconstructs the same signature base from what it receives.
        """
        content = b"" if body is None else json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        request = self.http.build_request(method, path, content=content, headers=headers)
        if signed:
            target, authority = request.url.raw_path.decode("ascii"), request.headers["Host"]
            key, address = bytes(self.account.key), self.account.address
            request.headers.update(sign_request(key, address, request.method, target, content, authority=authority,
                                                created=int(self.clock())))  # fmt: skip
        response = self.http.send(request)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.text[:200]}
            if not isinstance(problem, dict):
                problem = {"title": f"HTTP {response.status_code}"}
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.isascii() and retry_after.isdigit():
                problem.setdefault("retry_after", int(retry_after))
            raise error_for(response.status_code, problem)
        return response.json()

    def info(self) -> dict[str, Any]:
        if self._info is None:
            self._info = self.request("GET", "/v1/info", signed=False)
        return self._info

    def me(self) -> dict[str, Any]:
        if self._me is None:
            self._me = self.request("GET", "/v1/me")
        return self._me

    # -- records ---------------------------------------------------------------------------

    def prepare(
        self,
        record_type: str,
        payload: dict[str, Any],
        *,
        supersedes: str | None = None,
        version: int | None = None,
        record_id: str | None = None,
        secret: bytes | None = None,
    ) -> dict[str, Any]:
        """A signed commit request for one record version (no network unless superseding).

        ``secret`` defaults to 32 fresh random bytes; importers pass a value derived from
        their key and the record id, so that a resent record is byte-for-byte the same.
        """
        info, org = self.info(), self.me()["org"]
        if supersedes and version is None:
            version = int(self.get(supersedes)["version"]) + 1
        domain = EntryDomain(int(info["chain_id"]), to_address(info["registry"]))
        return prepare_commit(
            self.account, org, domain, record_type, payload, type_version=self.latest_type_version(record_type),
            supersedes=supersedes, version=version, record_id=record_id, secret=secret, key=self._key,
        )  # fmt: skip

    def commit(self, record_type: str, payload: dict[str, Any], **kw: Any) -> Accepted:
        result: Accepted = self.request("POST", "/v1/records", self.prepare(record_type, payload, **kw))
        return result

    def commit_prepared(self, items: Iterable[dict[str, Any]]) -> BatchAccepted:
        result: BatchAccepted = self.request("POST", "/v1/records:batch", {"records": list(items)})
        return result

    def get(self, record_id: str, *, sealed_until: str | None = None, legal_basis: str | None = None) -> RecordView:
        """Read a record; with ``sealed_until`` and ``legal_basis``, under seal (sealed readers only: §L-5)."""
        seal = {"sealed_until": sealed_until, "legal_basis": legal_basis}
        query = urlencode({k: v for k, v in seal.items() if v is not None})  # signed exactly as sent
        result: RecordView = self.request("GET", f"/v1/records/{record_id}" + (f"?{query}" if query else ""))
        return result

    def extend_seal(self, idx: int, sealed_until: str) -> dict[str, Any]:
        """Postpone the opening of sealed entry ``idx`` (an admin or auditor of the supervising office)."""
        result: dict[str, Any] = self.request("POST", f"/v1/audit/seals/{idx}:extend", {"sealed_until": sealed_until})
        return result

    def list_records(
        self,
        *,
        record_type: str | None = None,
        owner: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> RecordPage:
        """One page of the records this member may read whole (by ownership or supervision)."""
        filters = {"type": record_type, "owner": owner, "status": status, "limit": limit, "cursor": cursor}
        query = urlencode({k: v for k, v in filters.items() if v is not None})
        result: RecordPage = self.request("GET", "/v1/records" + (f"?{query}" if query else ""))
        return result

    def iter_records(
        self,
        *,
        record_type: str | None = None,
        owner: str | None = None,
        status: str | None = None,
        page_size: int = 500,
    ) -> Iterator[RecordItem]:
        """Every record this member may read whole, page after page (keyset: no repeats, no gaps)."""
        page = self.list_records(record_type=record_type, owner=owner, status=status, limit=page_size)
        while True:
            yield from page["items"]
            if not page["next"]:
                return
            page = self.request("GET", page["next"])

    def read_many(self, record_ids: list[str]) -> list[dict[str, Any]]:
        """Read up to 200 records in one request: per id, ``{"id", "record"}`` or ``{"id", "problem"}``."""
        result: dict[str, Any] = self.request("POST", "/v1/records:read", {"ids": record_ids})
        return list(result["items"])

    def feed(
        self, after: str | None = None, *, limit: int | None = None, wait: float | None = None, receipts: bool = True
    ) -> FeedPage:
        """The events this member may see after the cursor ``after`` (the start without one); with
        ``wait``, the gateway holds the request up to that many seconds until there is one; without
        ``receipts``, anchorings come without their receipts."""
        params = {"after": after, "limit": limit, "wait": wait, "receipts": None if receipts else "false"}
        query = urlencode({k: v for k, v in params.items() if v is not None})
        result: FeedPage = self.request("GET", "/v1/feed" + (f"?{query}" if query else ""))
        return result

    def receipt(self, record_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/v1/records/{record_id}/receipt")
        return result

    def wait_anchored(self, record_id: str, timeout: float = 60.0, poll: float = 0.2) -> dict[str, Any]:
        """Poll until the record is anchored; return its receipt."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.receipt(record_id)
            except GatewayClientError as exc:
                if exc.status != 409 or time.monotonic() > deadline:
                    raise
            time.sleep(poll)

    def verify(self, receipt: dict[str, Any], disclosure: dict[str, Any] | None) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST", "/v1/verify", {"receipt": receipt, "disclosure": disclosure}, signed=False
        )
        return result

    # -- grants, erasure, audit --------------------------------------------------------------

    def _relay_signature(
        self, primary: str, message: dict[str, Any], deadline: int, *, types: bool = False
    ) -> dict[str, Any]:
        """The EIP-712 signature of one relayed call to AccessGrants (or, with ``types``, RecordTypes)."""
        info = self.info()
        nonce = int(self.request("GET", "/v1/me")["types_nonce" if types else "grants_nonce"])
        domain, contract = (TYPES_DOMAIN, info["type_registry"]) if types else (GRANTS_DOMAIN, info["grants"])
        document = relay_typed_data(
            primary, message, domain=domain, chain_id=int(info["chain_id"]), contract=contract,
            signer=self.account.address, nonce=nonce, deadline=deadline,
        )  # fmt: skip
        return {"nonce": nonce, "deadline": deadline, "signature": "0x" + sign_typed(self.account, document).hex()}

    def grant(
        self,
        owner: str,
        grantee: str,
        fields: list[str],
        purpose: str,
        expires_at: int,
        *,
        record: str | None = None,
        record_type: str | None = None,
        purpose_code: str = "general",
    ) -> GrantView:
        """Grant ``grantee`` the ``fields`` of one record or of a record type of ``owner`` (signed here).

        The purpose goes on-chain as ``purpose_code`` and a salted hash of ``purpose``; the
        text and salt go only to the gateway, which keeps them off-chain (erasable).
        """
        scope_kind, scope = (0, record_id_to_bytes32(record)) if record else (1, slug_to_bytes32(str(record_type)))
        salt = new_purpose_salt()
        request = GrantsClient.request(
            owner, grantee, scope_kind, scope, fields, purpose_code, purpose_hash(salt, purpose), expires_at
        )
        auth = self._relay_signature("Grant", GrantsClient.message(request), int(self.clock()) + 600)
        body = {"owner": owner, "grantee": grantee, "record": record, "type": record_type, "fields": fields,
                "purpose_code": purpose_code, "purpose": purpose, "purpose_salt": "0x" + salt.hex(),
                "expires_at": expires_at, **auth}  # fmt: skip
        result: GrantView = self.request("POST", "/v1/grants", body)
        return result

    def revoke(self, grant_id: int) -> dict[str, Any]:
        auth = self._relay_signature("Revoke", {"grantId": grant_id}, int(self.clock()) + 600)
        result: dict[str, Any] = self.request("DELETE", f"/v1/grants/{grant_id}", auth)
        return result

    def grants(self, state: str | None = None) -> list[GrantView]:
        """Grants given or received; ``state="proposed"``: those awaiting a privacy reviewer."""
        result: list[GrantView] = self.request("GET", "/v1/grants" + (f"?state={state}" if state else ""))
        return result

    def review_grant(self, grant_id: int, *, approved: bool, reason: str | None = None) -> GrantView:
        """Approve or refuse a proposed grant as a privacy reviewer (signed here, relayed by the gateway).

        The reason's words go only to the gateway; the chain holds their salted hash (ledger/reviews.py).
        """
        text = (reason or "").strip()
        salt = new_reason_salt() if text else None
        hashed = reason_hash(salt, text) if salt is not None else bytes(32)
        message = GrantsClient.review_message(grant_id, approved, hashed)
        auth = self._relay_signature("ReviewGrant", message, int(self.clock()) + 600)
        body = {"reason": text or None, "reason_salt": "0x" + salt.hex() if salt else None, **auth}
        result: GrantView = self.request("POST", f"/v1/grants/{grant_id}:{'approve' if approved else 'refuse'}", body)
        return result

    def record_types(self) -> list[dict[str, Any]]:
        """Every registered record type: newest version, fields with their sensitivity, versions."""
        result: list[dict[str, Any]] = self.request("GET", "/v1/record-types", signed=False)["items"]
        return result

    def type_schema(self, name: str, version: str | None = None) -> dict[str, Any]:
        """The labelled JSON Schema of ``name``'s newest (or the named) version."""
        suffix = f"?version={version}" if version else ""
        result: dict[str, Any] = self.request("GET", f"/v1/record-types/{name}{suffix}", signed=False)
        return result

    def latest_type_version(self, name: str) -> str:
        """``0x`` + the hash of ``name``'s newest registered version (what :meth:`prepare` signs), cached."""
        if name not in self._type_versions or self.clock() - self._types_read > TYPES_TTL:
            self._types_read = self.clock()
            self._type_versions = {item["name"]: item["latest"] for item in self.record_types() if item["latest"]}
        if name not in self._type_versions:
            raise GatewayClientError(422, {"title": "unknown record type",
                                           "detail": f"type: unknown record type {name!r} (see /v1/record-types)"})
        return self._type_versions[name]

    def register_type(self, name: str, schema: dict[str, Any], *, supersedes: str | None = None) -> dict[str, Any]:
        """Register a version of record type ``name`` as the standards body (signed here, relayed by the gateway)."""
        version = checked_version(name, schema)
        raw = bytes.fromhex(supersedes[2:]) if supersedes else None
        message = RecordTypesClient.register_version_message(name, version.version_hash, raw, version.sensitive_fields)
        auth = self._relay_signature("RegisterVersion", message, int(self.clock()) + 600, types=True)
        result: dict[str, Any] = self.request(
            "POST", "/v1/record-types", {"name": name, "schema": schema, "supersedes": supersedes, **auth}
        )
        self._type_versions.pop(name, None)
        return result

    def purposes(self) -> list[dict[str, Any]]:
        """The purpose codes the consortium registered."""
        result: list[dict[str, Any]] = self.request("GET", "/v1/purposes", signed=False)["items"]
        return result

    def erase(self, record_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("POST", f"/v1/records/{record_id}/erase", {})
        return result

    def access_log(self, **filters: Any) -> AccessPage:
        query = urlencode({k: v for k, v in filters.items() if v is not None})  # signed exactly as sent
        result: AccessPage = self.request("GET", "/v1/audit/access" + (f"?{query}" if query else ""))
        return result


__all__ = ["IDEMPOTENT", "GatewayClient", "GatewayClientError", "prepare_commit"]
