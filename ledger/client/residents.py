"""Residents through the SDK: enrolment by a committee, and a resident's own view, checked against the chain.

    with GatewayClient(url, recorder) as client:              # at the committee's desk
        enrol(client, resident.address, "110101199003071234")
    with GatewayClient(url, resident) as mine:                 # the resident, anywhere
        records = my_records(mine)["records"]
        verdict = verify_my_access(mine, deployment)           # nothing left out, up to the anchored size

Every call is signed by the client's key: a committee member's for :func:`enrol`, the
resident's own for the ``my_*`` calls. :func:`verify_my_access` trusts only the chain (the
anchored log head and subject map, read from the resident's node) and the operator's
signature, never the gateway's word (docs/spec/subject-map.md).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

from ledger import merkle, seals
from ledger.chain.address_book import Deployment
from ledger.client.access_log import signed_by_anchorer
from ledger.client.gateway import GatewayClient
from ledger.enrolment import Enrolment, sign_enrolment
from ledger.errors import ProofError
from ledger.subject_map import check_complete, map_log_id
from ledger.types import OrgKind, Role, to_address


def enrol(client: GatewayClient, resident: str, id_number: str) -> dict[str, Any]:
    """Enrol ``resident``'s key under ``id_number`` (the client's member: a committee recorder or admin)."""
    info, org = client.info(), client.me()["org"]
    enrolment = Enrolment(
        id=str(uuid.uuid4()), chain_id=int(info["chain_id"]), registry=str(to_address(info["registry"])), org=org,
        resident=str(to_address(resident)), id_number=id_number, at=int(client.clock()),
    )  # fmt: skip
    signature = sign_enrolment(bytes(client.account.key), enrolment)
    body = {"id": enrolment.id, "resident": enrolment.resident, "id_number": id_number, "at": enrolment.at,
            "signature": "0x" + signature.hex()}  # fmt: skip
    result: dict[str, Any] = client.request("POST", "/v1/residents", body)
    return result


def revoke_resident(client: GatewayClient, resident: str) -> dict[str, Any]:
    """Revoke a resident's key your committee enrolled."""
    result: dict[str, Any] = client.request("DELETE", f"/v1/residents/{to_address(resident)}")
    return result


def my_keys(client: GatewayClient) -> dict[str, Any]:
    result: dict[str, Any] = client.request("GET", "/v1/me/keys")
    return result


def revoke_my_key(client: GatewayClient, address: str) -> dict[str, Any]:
    result: dict[str, Any] = client.request("DELETE", f"/v1/me/keys/{to_address(address)}")
    return result


def my_records(client: GatewayClient) -> dict[str, Any]:
    """Every record about the resident, whole, with disclosures and receipts."""
    result: dict[str, Any] = client.request("GET", "/v1/me/records")
    return result


def my_access(client: GatewayClient, map_size: int | None = None) -> dict[str, Any]:
    """Every access-log entry about the resident, with the proofs :func:`verify_my_access` checks."""
    query = f"?{urlencode({'map_size': map_size})}" if map_size is not None else ""
    result: dict[str, Any] = client.request("GET", "/v1/me/access" + query)
    return result


def file_request(
    client: GatewayClient, record_id: str, kind: Literal["correction", "erasure"], text: str | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = client.request(
        "POST", "/v1/me/requests", {"kind": kind, "record_id": record_id, "text": text}
    )
    return result


def my_requests(client: GatewayClient) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = client.request("GET", "/v1/me/requests")
    return result


def inbox(client: GatewayClient, status: str | None = None) -> list[dict[str, Any]]:
    """Residents' requests on the member's organisation's records."""
    query = f"?{urlencode({'status': status})}" if status else ""
    result: list[dict[str, Any]] = client.request("GET", "/v1/requests" + query)
    return result


def accept_request(client: GatewayClient, request_id: str, record_id: str | None = None) -> dict[str, Any]:
    """Accept: a correction names the new version (``record_id``) that makes it; an erasure erases."""
    result: dict[str, Any] = client.request("POST", f"/v1/requests/{request_id}:accept", {"record_id": record_id})
    return result


def refuse_request(client: GatewayClient, request_id: str, reason: str) -> dict[str, Any]:
    result: dict[str, Any] = client.request("POST", f"/v1/requests/{request_id}:refuse", {"reason": reason})
    return result


@dataclass
class AccessVerdict:
    """What :func:`verify_my_access` found: the listing, and up to which log size it is proven whole."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    covered: int = 0  # entries below the anchored map size, proven to be all of them
    map_size: int = 0
    log_size: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.valid:
            return "INCOMPLETE or INVALID access history: " + "; ".join(self.problems)
        later = len(self.entries) - self.covered
        return (
            f"access history verified: {self.covered} entries about you in the first {self.map_size} log entries, "
            f"and none left out (anchored on-chain); {later} later entries included in the signed head of size "
            f"{self.log_size}, to be covered by the next anchoring"
        )


def _b(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


def verify_my_access(
    client: GatewayClient, deployment: Deployment, pins: Path | None = None, now: int | None = None
) -> AccessVerdict:
    """Fetch the resident's access history and check it against the chain.

    The anchored subject map (read from the chain under the log's map id) fixes how many
    entries about the resident lie below its size and what their chain is; every listed
    entry must be included in the operator-signed head, which must extend the anchored log
    head of the map's size. ``pins`` (a JSON file) remembers, per resident key, the log and
    subject key first verified, and refuses an answer about another: a gateway cannot switch
    a resident to an empty history. A sealed entry must open on its date (by the chain's
    clock, ``now`` when given), and its content must hash to the seal anchored earlier.
    """
    verdict = AccessVerdict()
    first = my_access(client)
    head = first["head"]
    log_id, org = _b(head["log_id"]), str(head["org"])
    registry = deployment.registry
    map_head = registry.latest_log_head(org, map_log_id(log_id))
    verdict.map_size = map_head.tree_size if map_head is not None else 0
    listing = my_access(client, verdict.map_size) if verdict.map_size != first["map"]["size"] else first
    head, verdict.entries = listing["head"], listing["entries"]
    size, root = int(head["size"]), _b(head["root"])
    verdict.log_size = size
    key = _b(listing["subject_key"])
    _pin(pins, str(client.account.address), {"log_id": head["log_id"], "org": org,
                                             "subject_key": listing["subject_key"]}, verdict)  # fmt: skip
    if not signed_by_anchorer(deployment, org, log_id, size, root, _b(head["signature"])):
        verdict.problems.append(f"the log head is not signed by an anchorer of {org}")
    hashed: list[tuple[int, bytes]] = []
    _check_seals(verdict, deployment.chain.latest_block_time() if now is None else now, deployment)
    _remember_seals(pins, str(client.account.address), verdict)
    for item in verdict.entries:
        if item.get("redacted"):
            leaf_hash = _b(item["leaf_hash"])
        else:
            leaf = item["leaf"].encode()
            document = json.loads(leaf)
            if document.get("idx") != item["idx"] or listing["subject_key"] not in document.get("subject_keys", []):
                verdict.problems.append(f"entry {item['idx']} is not an entry about you")
                continue
            leaf_hash = merkle.leaf_hash(leaf)
        hashed.append((item["idx"], leaf_hash))
        try:
            merkle.verify_inclusion(item["idx"], size, leaf_hash, [_b(p) for p in item["proof"]], root)
        except ProofError as exc:
            verdict.problems.append(f"entry {item['idx']} is not in the log: {exc.message}")
    if map_head is None:
        verdict.problems.append("no subject map is anchored for this log yet: nothing can be proven complete "
                                "(try again after the next anchoring)")  # fmt: skip
        return verdict
    below = [(idx, leaf_hash) for idx, leaf_hash in hashed if idx < verdict.map_size]
    _check_anchored(registry, org, log_id, verdict, listing, map_head.root, key, (size, root), below)
    return verdict


def _check_seals(verdict: AccessVerdict, now: int, deployment: Deployment) -> None:
    """Every opened seal is what was sealed; none is kept shut past its date (from the entries' own dates,
    counting only extensions made by an admin or auditor of a subdistrict office, each within two years)."""
    shown = [json.loads(item["leaf"]) for item in verdict.entries if "leaf" in item]
    extensions = [d for d in shown if d.get("action") == seals.EXTEND_ACTION and _office_act(deployment, d, verdict)]
    moment = datetime.fromtimestamp(now, UTC)
    late, early = seals.rfc3339(moment - seals.OPENING_GRACE), seals.rfc3339(moment + seals.OPENING_GRACE)
    for item in verdict.entries:
        document = json.loads(item["leaf"]) if "leaf" in item else {}
        if not seals.is_stub(document):
            continue
        idx = item["idx"]
        if not seals.within_reach(document["at"], document["sealed_until"]):
            verdict.problems.append(f"sealed entry {idx} is sealed for longer than two years")
        until = seals.effective_until(document, extensions)
        if "opened" in item:
            verdict.problems += [f"sealed entry {idx}: {p}" for p in seals.check_opening(document, item["opened"])]
        elif item.get("opened_elsewhere"):
            if until > early:
                verdict.problems.append(f"sealed entry {idx} is said to be open before its date {until}")
        elif until <= late:
            verdict.problems.append(f"sealed entry {idx} was due to open at {until} but is still withheld")
        if item.get("opens_at") != until:
            verdict.problems.append(f"sealed entry {idx} opens at {until} by the log, not {item.get('opens_at')}")


def _office_act(deployment: Deployment, document: dict[str, Any], verdict: AccessVerdict) -> bool:
    """Whether an ``extend`` entry counts: made by an admin or auditor of a subdistrict office (by the chain,
    now), reaching at most two years past its own time. One that does not is reported and ignored."""
    org, roles = deployment.membership.membership_of(str(document.get("accessor")))
    info = deployment.membership.get_org(org) if org else None
    by_office = info is not None and info.kind is OrgKind.SUBDISTRICT and bool(roles & (Role.ADMIN | Role.AUDITOR))
    in_reach = seals.within_reach(str(document.get("at")), str(document.get("sealed_until")))
    if not (by_office and in_reach):
        why = "not by an office's admin or auditor" if not by_office else "reaching past two years"
        verdict.problems.append(f"extension {document.get('idx')} of sealed entry {document.get('sealed_idx')} "
                                f"does not count: {why}")  # fmt: skip
    return by_office and in_reach


def _remember_seals(path: Path | None, address: str, verdict: AccessVerdict) -> None:
    """Remember every stub this key was shown (in the pins file); a seal shown later as a bare hash is withheld."""
    if path is None or not path.exists():
        return
    pins: dict[str, Any] = json.loads(path.read_text())
    mine = pins.get(address)
    if not isinstance(mine, dict):
        return
    seen: dict[str, str] = dict(mine.get("seals", {}))
    for item in verdict.entries:
        if item.get("redacted") and str(item["idx"]) in seen:
            verdict.problems.append(f"sealed entry {item['idx']} is now shown only as a hash: it is withheld")
        elif "leaf" in item and seals.is_stub(json.loads(item["leaf"])):
            seen[str(item["idx"])] = "0x" + merkle.leaf_hash(item["leaf"].encode()).hex()
    if seen != mine.get("seals", {}):
        pins[address] = {**mine, "seals": seen}
        path.write_text(json.dumps(pins, indent=2) + "\n")


def _pin(path: Path | None, address: str, seen: dict[str, str], verdict: AccessVerdict) -> None:
    """Refuse an answer about another log or subject key than the one first verified for this key."""
    if path is None:
        return
    pins: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    pinned = pins.get(address)
    if pinned is None:
        pins[address] = seen
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(pins, indent=2) + "\n")
    elif {name: pinned.get(name) for name in seen} != seen:  # the pin also remembers seals (_remember_seals)
        verdict.problems.append(
            f"the gateway now answers about another log or subject key than it did before ({path}): "
            "ask your committee; do not trust this history"
        )


def _check_anchored(
    registry: Any, org: str, log_id: bytes, verdict: AccessVerdict, listing: dict[str, Any], map_root: bytes,
    key: bytes, head: tuple[int, bytes], below: list[tuple[int, bytes]],
) -> None:  # fmt: skip
    """The listing below the map's size is complete, and the signed head extends the anchored log head."""
    n = verdict.map_size
    anchored = _log_head_of_size(registry, org, log_id, n)
    if anchored is None:
        verdict.problems.append(f"no access-log head of size {n} is anchored beside the subject map")
        return
    size, root = head
    try:
        if n == size:
            if anchored != root:
                raise ProofError("the signed head differs from the anchored one of the same size")
        elif n > size:
            raise ProofError(f"the gateway serves {size} entries but {n} were anchored")
        else:
            proof = [_b(p) for p in listing["map"]["consistency"]]
            merkle.verify_consistency(n, size, anchored, root, proof)
        verdict.covered = check_complete(key, below, listing["map"]["proof"], map_root, hashed=True)
    except ProofError as exc:
        verdict.problems.append(exc.message)


def _log_head_of_size(registry: Any, org: str, log_id: bytes, size: int) -> bytes | None:
    """The root of the anchored head of exactly ``size`` (newest first: it is usually the last)."""
    for index in range(registry.log_head_count(org, log_id) - 1, -1, -1):
        anchored = registry.log_head_at(org, log_id, index)
        if anchored.tree_size == size:
            return bytes(anchored.root)
        if anchored.tree_size < size:
            return None
    return None
