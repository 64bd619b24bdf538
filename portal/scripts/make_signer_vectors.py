"""Write portal/test/vectors/signer-vectors.json: what the Python implementation gives for fixed inputs.

The grant vectors (grants, revocations, reviews) are the bodies a real GatewayClient sends:
its ``request`` is replaced by a stub that answers ``GET /v1/info`` and ``GET /v1/me`` with fixed
values and captures the one write, and its salts and clock are fixed.

Run from the repository root with the project's interpreter:

    .venv/bin/python portal/scripts/make_signer_vectors.py           # (re)write the file
    .venv/bin/python portal/scripts/make_signer_vectors.py --check   # exit 1 if the file is stale

The portal's signer (portal/src/signer/) must reproduce every value here byte for byte
(portal/test/signer.test.js). Everything is deterministic: the keystores' salts, IVs and ids
come from a seeded generator patched into eth_keyfile, so a rerun writes the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import uuid
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

import eth_keyfile.keyfile as keyfile
import httpx
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import keccak

import ledger.client.gateway as gateway_client
from gateway.services.sign_in import _MESSAGE, STATEMENT
from ledger.chain.contracts import GrantsClient
from ledger.client.gateway import GatewayClient, prepare_commit
from ledger.client.request_signing import (
    COMPONENTS,
    PROFILE,
    component_values,
    normalize_authority,
    personal_digest,
    sign_request,
    signature_base,
    verify_request,
)
from ledger.client.structured_fields import InnerList, Item, serialize_inner_list
from ledger.commitments import commitment
from ledger.eip712 import GRANTS_DOMAIN, recover_digest, relay_typed_data, sign_digest
from ledger.entries import Entry, EntryDomain
from ledger.purposes import purpose_hash
from ledger.reviews import reason_hash
from ledger.type_versions import type_version
from ledger.types import record_id_to_bytes32, slug_to_bytes32, to_address

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "portal" / "test" / "vectors" / "signer-vectors.json"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def h(label: str) -> bytes:
    """32 fixed bytes named by ``label``."""
    return hashlib.sha256(b"gridledger portal signer vectors|" + label.encode()).digest()


def hx(data: bytes) -> str:
    return "0x" + data.hex()


# -- keys ------------------------------------------------------------------------------------

KEYS = {
    "k1": h("key 1"),
    "k2": h("key 2"),
    "k3": bytes(3) + h("key 3")[3:],  # leading zero bytes: the key is still 32 bytes
}
for _k in KEYS.values():
    assert 0 < int.from_bytes(_k, "big") < SECP256K1_N
ADDRESSES = {name: Account.from_key(k).address for name, k in KEYS.items()}


# -- keystores (deterministic randomness) ------------------------------------------------------


class _SeededRandom:
    """Stands in for Crypto.Random inside eth_keyfile: salts and IVs from a counter, not the OS."""

    def __init__(self) -> None:
        self.counter = 0

    def get_random_bytes(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            self.counter += 1
            out += h(f"random {self.counter}")
        return out[:n]


def keystores() -> list[dict[str, Any]]:
    seeded = _SeededRandom()
    saved_random, saved_uuid4 = keyfile.Random, keyfile.uuid4
    keyfile.Random = seeded  # type: ignore[assignment]
    keyfile.uuid4 = lambda: uuid.UUID(bytes=seeded.get_random_bytes(16), version=4)  # type: ignore[assignment]
    try:
        cases = [
            ("k1 scrypt, unicode password", "k1", "pässwörd 密码 🔑", "scrypt", 1024),
            ("k1 pbkdf2", "k1", "correct horse battery staple", "pbkdf2", 1000),
            ("k2 scrypt", "k2", "correct horse battery staple", "scrypt", 1024),
            ("k3 pbkdf2, empty password, key with leading zero bytes", "k3", "", "pbkdf2", 1000),
        ]
        out = []
        for label, name, password, kdf, iterations in cases:
            data = Account.encrypt(KEYS[name], password, kdf=kdf, iterations=iterations)
            assert bytes(Account.decrypt(data, password)) == KEYS[name]
            out.append({"label": label, "key": name, "password": password, "json": json.dumps(data),
                        "private_key": hx(KEYS[name]), "address": ADDRESSES[name]})  # fmt: skip
        # as older tools write them: "Crypto" capitalised, hex with 0x, the address in lower case
        data = Account.encrypt(KEYS["k2"], "geth style", kdf="scrypt", iterations=1024)
        crypto = data.pop("crypto")
        for member in ("ciphertext", "mac"):
            crypto[member] = "0x" + crypto[member]
        crypto["kdfparams"]["salt"] = "0x" + crypto["kdfparams"]["salt"]
        data["Crypto"] = crypto
        data["address"] = data["address"].lower()
        assert bytes(Account.decrypt(data, "geth style")) == KEYS["k2"]
        out.append({"label": "k2 scrypt, Crypto capitalised, 0x hex, lower-case address", "key": "k2",
                    "password": "geth style", "json": json.dumps(data), "private_key": hx(KEYS["k2"]),
                    "address": ADDRESSES["k2"]})  # fmt: skip
        return out
    finally:
        keyfile.Random, keyfile.uuid4 = saved_random, saved_uuid4


# -- personal_sign ---------------------------------------------------------------------------


def personal_signs() -> list[dict[str, Any]]:
    messages = [
        ("k1", b""),
        ("k1", b"hello"),
        ("k1", "登记 household 3-2-501 ✓".encode()),
        ("k1", bytes(range(256))),  # not UTF-8
        ("k1", b"x" * 1000),  # a four-digit length
        ("k2", b"hello"),
        ("k3", b"hello"),
    ]
    out = []
    for name, message in messages:
        signature = sign_digest(KEYS[name], personal_digest(message))
        wallet = Account.from_key(KEYS[name])
        assert signature == bytes(wallet.sign_message(encode_defunct(primitive=message)).signature)
        assert recover_digest(personal_digest(message), signature) == ADDRESSES[name]
        digest = hx(personal_digest(message))
        out.append({"key": name, "message": hx(message), "digest": digest, "signature": hx(signature)})
    return out


# -- record commits --------------------------------------------------------------------------

REGISTRY = to_address("0x5fbdb2315678afecb367f032d93f642f64180aa3")
HOUSEHOLD_SCHEMA = json.loads((ROOT / "ledger" / "record_types" / "household.json").read_text())
MEETING_SCHEMA = json.loads((ROOT / "ledger" / "record_types" / "meeting.json").read_text())
HOUSEHOLD_TV = hx(type_version("household", HOUSEHOLD_SCHEMA).version_hash)
MEETING_TV = hx(type_version("meeting", MEETING_SCHEMA).version_hash)

HOUSEHOLD = {
    "address": "朝阳区 望京街道 3号楼 2单元 501",
    "head": "李伟",
    "head_id_number": "11010519491231002X",
    "member_ids": ["11010519491231002X", "110105198001011234", "110105201203037777"],
    "members": 3,
    "phone": "+86 138-0000-0000",
    "low_income": False,
    "elderly_living_alone": True,
    "notes": '独居老人，每周探访。 "quoted" \\ back\tslash\nnew line; emoji 🏠',  # noqa: RUF001 - Chinese punctuation
}

NESTED = {
    "z": 0,
    "a": {"nested": {"deep": [1, [2, [3, {"x": None}]], True, False], "empty": {}, "list": []}},
    "é": "accented key",
    "\uff01": "full-width exclamation key (U+FF01)",
    "\U0001f600": "emoji key (U+1F600: sorts before U+FF01 in UTF-16, after it in code points)",
    "numbers": [-7, 0, 42, 9007199254740991, -9007199254740991, 0.1, 2.5, 1e21, 1e-7],
    "members": [{"name": "王芳", "age": 67, "alone": True}, {"name": "张三", "age": 8, "alone": False}],
    "control": "\u0000\u001f\u007f",
}

MEETING = {
    "date": "2026-03-14",
    "topic": "居民议事会：加装电梯",  # noqa: RUF001 - Chinese punctuation, on purpose
    "attendees": 23,
    "decisions": ["同意 3 号楼加装电梯", "费用按楼层分摊", ""],
    "minutes": "会议纪要……",
}


def commits() -> list[dict[str, Any]]:
    cases = [
        ("household v1", "k1", "sd-east.c3", 31337, REGISTRY, "household", HOUSEHOLD_TV, HOUSEHOLD,
         None, None, "3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c", h("secret 1")),
        ("household v2 supersedes v1", "k1", "sd-east.c3", 31337, REGISTRY, "household", HOUSEHOLD_TV,
         {**HOUSEHOLD, "members": 2, "member_ids": HOUSEHOLD["member_ids"][:2], "elderly_living_alone": False},
         "3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c", 2, "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", h("secret 2")),
        ("nested payload, non-ASCII keys", "k2", "committee-7", 31337, REGISTRY, "survey.v1", HOUSEHOLD_TV, NESTED,
         None, None, "00000000-0000-4000-8000-000000000000", h("secret 3")),
        ("meeting, another chain and registry, key with leading zeros", "k3", "sd_west", 11155111,
         to_address("0x" + h("registry")[:20].hex()), "meeting", MEETING_TV, MEETING,
         None, None, "ffffffff-ffff-4fff-bfff-ffffffffffff", h("secret 4")),
    ]  # fmt: skip
    out = []
    for label, name, org, chain_id, registry, record_type, tv, payload, supersedes, version, record_id, secret in cases:
        account = Account.from_key(KEYS[name])
        domain = EntryDomain(chain_id, registry)
        body = prepare_commit(account, org, domain, record_type, payload, type_version=tv, supersedes=supersedes,
                              version=version, record_id=record_id, secret=secret)  # fmt: skip
        entry = Entry(record_id=record_id, org=org, record_type=record_type, version=body["version"],
                      supersedes=supersedes, commitment=commitment(payload, secret), committer=account.address,
                      signature=bytes.fromhex(body["signature"][2:]), type_version=bytes.fromhex(tv[2:]))  # fmt: skip
        assert entry.signer(domain) == account.address
        out.append({
            "label": label,
            "input": {"key": name, "org": org, "chain_id": chain_id, "registry": registry, "record_type": record_type,
                      "type_version": tv, "payload": payload, "supersedes": supersedes, "version": version,
                      "record_id": record_id, "secret": hx(secret)},
            "commitment": hx(entry.commitment),
            "digest": hx(entry.digest(domain)),
            "committer": account.address,
            "body": body,
        })  # fmt: skip
    return out


# -- signed requests -------------------------------------------------------------------------


def requests(commit_body: dict[str, Any]) -> list[dict[str, Any]]:
    post_body = json.dumps(commit_body, separators=(",", ":"), ensure_ascii=False).encode()  # as GatewayClient sends
    cases = [
        ("GET with a query, default port dropped", "k1", "GET", "/v1/records?type=household&limit=10", b"",
         "Gateway.Example:80", 1767225600, "00112233445566778899aabbccddeeff"),
        ("GET without a query, non-default port", "k2", "GET", "/v1/me", b"", "127.0.0.1:8000", 1767225601,
         "0123456789abcdef" * 4),
        ("POST of a JSON body, lower-case method, non-default port", "k1", "post", "/v1/records", post_body,
         "gateway.example:8443", 1767225602, "ffeeddccbbaa99887766554433221100"),
        ("GET percent-encoded, :443 kept (the SDK normalises as http)", "k3", "GET",
         "/v1/audit/access?actor=0xAb%2C&q=%E5%AE%B6&empty=", b"", " gateway.example:443 ", 1767225603,
         "abcdef0123456789abcdef0123456789abcdef"),
        ("DELETE with a body, root path with an empty query", "k2", "DELETE", "/?", b"{}", "localhost", 1, "0" * 32),
    ]  # fmt: skip
    out = []
    for label, name, method, target, body, authority, created, nonce in cases:
        headers = sign_request(KEYS[name], ADDRESSES[name].lower(), method, target, body, authority=authority,
                               created=created, nonce=nonce)  # fmt: skip
        # the signature base, rebuilt as sign_request builds it (for diagnosis when a header differs)
        params = (("created", created), ("keyid", ADDRESSES[name]), ("nonce", nonce), ("tag", PROFILE))
        inner = serialize_inner_list(InnerList(tuple(Item(c) for c in COMPONENTS), params))
        authority_value = normalize_authority(authority)
        values = component_values(method.upper(), authority_value, target, headers["Content-Digest"])
        base = signature_base(values, COMPONENTS, inner)
        verified = verify_request(method=method.upper(), authority=authority_value, target=target, body=body,
                                  fields=headers, authorities={authority_value}, now=created, max_age=60)  # fmt: skip
        assert verified.keyid == ADDRESSES[name]
        out.append({
            "label": label,
            "input": {"key": name, "address": ADDRESSES[name].lower(), "method": method, "target": target,
                      "body": hx(body), "authority": authority, "created": created, "nonce": nonce},
            "base": base.decode("ascii"),
            "headers": headers,
        })  # fmt: skip
    return out


# -- sign-in ---------------------------------------------------------------------------------

SIWE_LAYOUT = (
    "{domain} wants you to sign in with your Ethereum account:\n{address}\n\n{statement}\n\n"
    "URI: {uri}\nVersion: 1\nChain ID: {chainId}\nNonce: {nonce}\n"
    "Issued At: {issuedAt}\nExpiration Time: {expirationTime}"
)


def sign_ins() -> list[dict[str, Any]]:
    cases = [
        ("k1", {"domain": "portal.gridledger.example", "statement": STATEMENT, "uri": "https://portal.gridledger.example/",
                "chainId": 31337, "nonce": h("siwe nonce 1").hex(), "issuedAt": "2026-01-01T00:00:00Z",
                "expirationTime": "2026-01-01T00:10:00Z"}),
        ("k3", {"domain": "127.0.0.1:8000", "statement": STATEMENT, "uri": "http://127.0.0.1:8000/",
                "chainId": 11155111, "nonce": h("siwe nonce 2").hex(), "issuedAt": "2026-02-28T23:59:59.123+08:00",
                "expirationTime": "2026-03-01T00:09:59.123+08:00"}),
    ]  # fmt: skip
    out = []
    for name, fields in cases:
        fields = {**fields, "address": ADDRESSES[name]}
        message = SIWE_LAYOUT.format(**fields)
        assert _MESSAGE.fullmatch(message), "the gateway would not accept this sign-in message"
        signature = bytes(Account.from_key(KEYS[name]).sign_message(encode_defunct(text=message)).signature)
        assert recover_digest(personal_digest(message.encode()), signature) == ADDRESSES[name]
        out.append({"key": name, "fields": fields, "message": message, "signature": hx(signature)})
    return out


# -- grants: relayed EIP-712 signatures (GatewayClient.grant / revoke / review_grant) ----------

GRANTS = to_address("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512")
GRANTS_OTHER = to_address("0x" + h("grants contract")[:20].hex())


def captured(
    name: str,
    chain_id: int,
    grants: str,
    nonce: int,
    now: float,
    call: Any,
    *,
    purpose_salt: bytes | None = None,
    reason_salt: bytes | None = None,
) -> tuple[str, str, Any]:
    """The one write ``call(client)`` makes: (method, path, body), as GatewayClient would send it.

    ``GET /v1/info`` and ``GET /v1/me`` are answered here; the clock reads ``now``; the purpose and
    reason salts are the ones given (a salt the client does not draw must not be given).
    """
    client = GatewayClient("http://gateway.invalid", Account.from_key(KEYS[name]), http=httpx.Client(),
                           clock=lambda: now)  # fmt: skip
    info = {"chain_id": chain_id, "registry": REGISTRY, "grants": grants, "type_registry": GRANTS_OTHER}
    sent: list[tuple[str, str, Any]] = []

    def request(method: str, path: str, body: Any = None, *, signed: bool = True) -> Any:
        if (method, path) == ("GET", "/v1/info"):
            return info
        if (method, path) == ("GET", "/v1/me"):
            return {"grants_nonce": nonce, "types_nonce": 424242, "address": ADDRESSES[name]}
        sent.append((method, path, json.loads(json.dumps(body))))  # a copy, as it goes on the wire
        return {}

    def salt(which: str, value: bytes | None) -> Any:
        def draw() -> bytes:
            if value is None:
                raise AssertionError(f"the client drew a {which} salt the vector did not give")
            return value

        return draw

    client.request = request  # type: ignore[method-assign]
    saved = gateway_client.new_purpose_salt, gateway_client.new_reason_salt
    gateway_client.new_purpose_salt = salt("purpose", purpose_salt)  # type: ignore[assignment]
    gateway_client.new_reason_salt = salt("reason", reason_salt)  # type: ignore[assignment]
    try:
        call(client)
    finally:
        gateway_client.new_purpose_salt, gateway_client.new_reason_salt = saved
        client.close()
    (write,) = sent
    return write


def relay_check(
    primary: str, message: dict[str, Any], name: str, chain_id: int, grants: str, body: dict[str, Any]
) -> dict[str, str]:
    """The EIP-712 digest of a captured body's call, rebuilt here; the body's signature must recover to the key's
    address over it (what the gateway checks)."""
    document = relay_typed_data(primary, message, domain=GRANTS_DOMAIN, chain_id=chain_id, contract=grants,
                                signer=ADDRESSES[name], nonce=body["nonce"], deadline=body["deadline"])  # fmt: skip
    signable = encode_typed_data(full_message=document)
    digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
    assert recover_digest(digest, bytes.fromhex(body["signature"][2:])) == ADDRESSES[name]
    return {"domain_separator": hx(signable.header), "struct_hash": hx(signable.body), "digest": hx(digest)}


def grant_vectors() -> list[dict[str, Any]]:
    cases = [
        ("type scope, default purpose code, nonce 0", "k1", 31337, GRANTS, 0, 1767225600.75,
         dict(owner="sd-east.c3", grantee="sd-east", fields=["members", "low_income"], purpose="monthly statistics",
              expires_at=1798761600, record_type="household"), h("purpose salt 1")),
        ("record scope, Chinese purpose, registered code, non-ASCII field, large nonce", "k2", 11155111,
         GRANTS_OTHER, 9007199254740991, 1767225601,
         dict(owner="committee-7", grantee="sd_west", fields=["head", "head_id_number", "备注", "phone"],
              purpose="核查 李伟 的低保申请 (2026 年度) 🏠 \"quoted\" \\ tab\there", expires_at=1767312000,
              record="3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c", purpose_code="subsidy-review"), h("purpose salt 2")),
        ("upper-case record id sent as given, one field, latest expiry, padded purpose kept", "k3", 31337, GRANTS,
         17, 1, dict(owner="a", grantee="b.c_d-e", fields=["x"], purpose="  padded purpose, not trimmed \n",
                     expires_at=2**48 - 1, record="FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF", purpose_code="statutory"),
         h("purpose salt 3")),
    ]  # fmt: skip
    out = []
    for label, name, chain_id, grants, nonce, now, args, salt in cases:
        a = dict(args)
        method, path, body = captured(name, chain_id, grants, nonce, now, lambda c, a=a: c.grant(
            a["owner"], a["grantee"], a["fields"], a["purpose"], a["expires_at"], record=a.get("record"),
            record_type=a.get("record_type"), purpose_code=a.get("purpose_code", "general"),
        ), purpose_salt=salt)  # fmt: skip
        assert (method, path) == ("POST", "/v1/grants")
        hashed = purpose_hash(salt, a["purpose"])
        scope_kind, scope = (0, record_id_to_bytes32(a["record"])) if a.get("record") else (
            1, slug_to_bytes32(a["record_type"]))  # fmt: skip
        message = GrantsClient.message(GrantsClient.request(
            a["owner"], a["grantee"], scope_kind, scope, a["fields"], a.get("purpose_code", "general"), hashed,
            a["expires_at"],
        ))  # fmt: skip
        out.append({
            "label": label,
            "input": {"key": name, "chain_id": chain_id, "grants": grants, "nonce": nonce, "deadline": body["deadline"],
                      "owner": a["owner"], "grantee": a["grantee"], "fields": a["fields"], "purpose": a["purpose"],
                      "purpose_code": a.get("purpose_code"), "expires_at": a["expires_at"], "record": a.get("record"),
                      "record_type": a.get("record_type"), "salt": hx(salt)},
            "method": method, "path": path, "body": body,
            "purpose_hash": hx(hashed),
            **relay_check("Grant", message, name, chain_id, grants, body),
        })  # fmt: skip
    return out


def revoke_vectors() -> list[dict[str, Any]]:
    cases = [
        ("grant 1, nonce 1", "k1", 31337, GRANTS, 1, 1, 1767225600.25),
        ("large grant id and nonce, another chain", "k3", 11155111, GRANTS_OTHER, 9007199254740991, 123456789,
         1767225999),
    ]  # fmt: skip
    out = []
    for label, name, chain_id, grants, grant_id, nonce, now in cases:
        method, path, body = captured(name, chain_id, grants, nonce, now, lambda c, g=grant_id: c.revoke(g))
        assert (method, path) == ("DELETE", f"/v1/grants/{grant_id}")
        out.append({
            "label": label,
            "input": {"key": name, "chain_id": chain_id, "grants": grants, "nonce": nonce, "deadline": body["deadline"],
                      "grant_id": grant_id},
            "method": method, "path": path, "body": body,
            **relay_check("Revoke", {"grantId": grant_id}, name, chain_id, grants, body),
        })  # fmt: skip
    return out


def review_vectors() -> list[dict[str, Any]]:
    cases = [
        ("approve without a reason", "k2", 31337, GRANTS, 3, True, None, 2, 1767225600, None),
        ("approve with a reason, trimmed", "k2", 31337, GRANTS, 4, True, "  minimal fields, fine \n", 3, 1767225601,
         h("reason salt 1")),
        ("approve with a reason of whitespace only: no reason, no salt", "k1", 31337, GRANTS, 5, True,
         " \t\n\u3000 ", 0, 1767225602, None),
        ("refuse with a Chinese reason", "k3", 11155111, GRANTS_OTHER, 9007199254740991, False,
         "低保核查不需要 健康 数据。", 9007199254740991, 1767225603, h("reason salt 2")),
        ("refuse: Python's strip (\\x1c-\\x1f, \\x85 stripped; U+FEFF kept)", "k2", 31337, GRANTS, 6, False,
         "\x1c\x1d\x85\u2028 \ufeffno health data\ufeff\x1e\x1f\u00a0\u202f", 5, 1767225604, h("reason salt 3")),
    ]  # fmt: skip
    out = []
    for label, name, chain_id, grants, grant_id, approved, reason, nonce, now, salt in cases:
        method, path, body = captured(name, chain_id, grants, nonce, now, lambda c, g=grant_id, a=approved, r=reason:
                                      c.review_grant(g, approved=a, reason=r), reason_salt=salt)  # fmt: skip
        assert (method, path) == ("POST", f"/v1/grants/{grant_id}:{'approve' if approved else 'refuse'}")
        text = (reason or "").strip()
        hashed = reason_hash(salt, text) if text and salt is not None else bytes(32)
        message = GrantsClient.review_message(grant_id, approved, hashed)
        out.append({
            "label": label,
            "input": {"key": name, "chain_id": chain_id, "grants": grants, "nonce": nonce, "deadline": body["deadline"],
                      "grant_id": grant_id, "approved": approved, "reason": reason,
                      "salt": hx(salt) if salt is not None else None},
            "method": method, "path": path, "body": body,
            "reason_hash": hx(hashed),
            **relay_check("ReviewGrant", message, name, chain_id, grants, body),
        })  # fmt: skip
    return out


def build() -> dict[str, Any]:
    commit_vectors = commits()
    return {
        "format": "gridledger-portal-signer-vectors/1",
        "generator": "portal/scripts/make_signer_vectors.py",
        "python_packages": {p: dist_version(p) for p in ("eth-account", "eth-keyfile", "coincurve", "rfc8785")},
        "keys": {name: {"private_key": hx(k), "address": ADDRESSES[name]} for name, k in KEYS.items()},
        "keystores": keystores(),
        "personal_sign": personal_signs(),
        "requests": requests(commit_vectors[0]["body"]),
        "commits": commit_vectors,
        "sign_in": sign_ins(),
        "grants": grant_vectors(),
        "revokes": revoke_vectors(),
        "reviews": review_vectors(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the file instead of writing it")
    args = parser.parse_args()
    text = json.dumps(build(), ensure_ascii=False, indent=1) + "\n"
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is stale: rerun without --check", file=sys.stderr)
            return 1
        print(f"{OUT.relative_to(ROOT)} is current")
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
