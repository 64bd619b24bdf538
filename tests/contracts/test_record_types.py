"""RecordTypes: the standards body registers record-type versions (by hash, in lines) and purpose codes."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.address_book import Deployment
from ledger.chain.contracts import RecordTypesClient, TypeVersionInfo
from ledger.eip712 import TYPES_DOMAIN, relay_typed_data, sign_typed
from ledger.purposes import PURPOSE_CODES
from ledger.type_versions import builtin_versions
from ledger.types import Role
from tests.conftest import Consortium, b32, new_account, reverts
from tests.contracts.conftest import Reviewers
from tests.contracts.helpers import chain_now, raw_call
from tests.contracts.test_relay import Relayed

ZERO = b"\0" * 32
REGISTER_VERSION = "registerVersion(bytes32,bytes32,bytes32,string[])"
REGISTER_VERSION_TYPE = (
    "RegisterVersion(bytes32 name,bytes32 versionHash,bytes32 supersedes,bytes32 sensitiveFields,address signer,"
    "uint256 nonce,uint256 deadline)"
)
REGISTER_PURPOSE_TYPE = "RegisterPurpose(bytes32 code,address signer,uint256 nonce,uint256 deadline)"


def vh(label: str) -> bytes:
    """A version hash for tests (the contract takes any non-zero 32 bytes)."""
    return hashlib.sha256(label.encode()).digest()


def _register(
    deployment: Deployment, actor: LocalAccount, name: str, label: str, supersedes: str | None = None,
    fields: list[str] | None = None,
) -> Any:  # fmt: skip
    return deployment.record_types.register_version(
        actor, name, vh(label), vh(supersedes) if supersedes else None, fields or []
    )


def test_a_deployment_registers_the_shipped_purposes_and_built_in_types(deployment: Deployment) -> None:
    t = deployment.record_types
    builtin = builtin_versions()
    assert t.type_names() == [v.name for v in builtin]
    for v in builtin:
        assert t.versions(v.name) == [v.version_hash] and t.latest_version(v.name) == v.version_hash
        info = t.version_info(v.version_hash)
        assert info is not None and info.registered_at > 0
        assert (info.name, info.index, info.registrant, info.sensitive_fields) == (
            v.name, 0, deployment.book.deployer, tuple(v.sensitive_fields),
        )  # fmt: skip
        assert all(t.is_sensitive(f) for f in v.sensitive_fields)
    sensitive = {"id_number", "health_status", "disability", "head_id_number", "member_ids", "low_income",
                 "subject_id_number"}  # fmt: skip
    assert {f for v in builtin for f in v.sensitive_fields} == sensitive
    assert not t.is_sensitive("name") and not t.is_sensitive("ID_NUMBER")  # names are compared exactly
    assert t.purpose_codes() == list(PURPOSE_CODES)
    assert all(t.is_purpose(code) for code in PURPOSE_CODES) and not t.is_purpose("gossip")
    assert deployment.grants.contract.functions.recordTypes().call() == t.address
    assert t.contract.functions.membership().call() == deployment.membership.address


def test_the_standards_body_registers_a_new_type_and_the_event_carries_it(
    consortium: Consortium, people: Reviewers
) -> None:
    t, chain = consortium.deployment.record_types, consortium.deployment.chain
    receipt = t.register_version(people.standards, "visit", vh("visit-1"), None, ["diagnosis", "address_of_care"])
    (event,) = t.events(receipt, "TypeVersionRegistered")
    assert event == {
        "name": b32("visit"), "versionHash": vh("visit-1"), "supersedes": ZERO, "index": 0,
        "sensitiveFields": ["diagnosis", "address_of_care"], "actor": people.standards.address,
    }  # fmt: skip
    at = chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    assert t.version_info(vh("visit-1")) == TypeVersionInfo(
        "visit", 0, at, people.standards.address, ("diagnosis", "address_of_care")
    )
    assert t.type_names()[-1] == "visit" and t.versions("visit") == [vh("visit-1")]
    assert t.is_registered(vh("visit-1")) and t.is_sensitive("diagnosis") and t.is_sensitive("address_of_care")


def test_a_line_grows_by_superseding_its_latest_version(consortium: Consortium, people: Reviewers) -> None:
    d, t = consortium.deployment, consortium.deployment.record_types
    _register(d, consortium.admin, "visit", "v1")  # the consortium admin is the standards body too
    receipt = _register(d, people.standards, "visit", "v2", supersedes="v1")
    (event,) = t.events(receipt, "TypeVersionRegistered")
    assert (event["supersedes"], event["index"], event["sensitiveFields"]) == (vh("v1"), 1, [])
    _register(d, people.standards, "visit", "v3", supersedes="v2")
    assert t.versions("visit") == [vh("v1"), vh("v2"), vh("v3")] and t.latest_version("visit") == vh("v3")
    assert t.contract.functions.versionCount(b32("visit")).call() == 3
    info = t.version_info(vh("v3"))
    assert info is not None and (info.name, info.index, info.registrant) == ("visit", 2, people.standards.address)
    assert t.type_names().count("visit") == 1
    assert t.versions("nothing") == [] and t.latest_version("nothing") is None


def test_only_the_latest_version_can_be_superseded_and_a_name_has_one_line(
    consortium: Consortium, people: Reviewers
) -> None:
    d, s = consortium.deployment, people.standards
    with reverts("TypesNotLatest", b32("visit"), vh("v0"), ZERO):  # a new name supersedes nothing
        _register(d, s, "visit", "v1", supersedes="v0")
    _register(d, s, "visit", "v1")
    _register(d, s, "visit", "v2", supersedes="v1")
    with reverts("TypesNotLatest", b32("visit"), vh("v1"), vh("v2")):  # a fork off an older version
        _register(d, s, "visit", "v3", supersedes="v1")
    with reverts("TypesNameTaken", b32("visit")):  # a second line under the same name
        _register(d, s, "visit", "other")
    with reverts("TypesNameTaken", b32("household")):  # built-in names are taken from deployment on
        _register(d, s, "household", "mine")
    with reverts("TypesNotLatest", b32("visit2"), vh("v2"), ZERO):  # one line's version cannot start another
        _register(d, s, "visit2", "v3", supersedes="v2")
    assert d.record_types.versions("visit") == [vh("v1"), vh("v2")] and "visit2" not in d.record_types.type_names()


def test_a_version_hash_is_non_zero_and_registered_once_under_any_name(
    consortium: Consortium, people: Reviewers
) -> None:
    d, t, s = consortium.deployment, consortium.deployment.record_types, people.standards
    with reverts("TypesVersionTaken", ZERO):
        t._send(s, "registerVersion", b32("visit"), ZERO, ZERO, [])
    _register(d, s, "visit", "v1")
    with reverts("TypesVersionTaken", vh("v1")):
        _register(d, s, "call", "v1")
    with reverts("TypesVersionTaken", vh("v1")):
        _register(d, s, "visit", "v1", supersedes="v1")
    household = builtin_versions()[1]
    assert household.name == "household"
    with reverts("TypesVersionTaken", household.version_hash):
        t.register_version(s, "household", household.version_hash, household.version_hash, [])


def test_a_type_name_is_a_slug(consortium: Consortium, people: Reviewers) -> None:
    t, s = consortium.deployment.record_types, people.standards
    for name in (ZERO, b"Visit".ljust(32, b"\0"), b"vi sit".ljust(32, b"\0"), b"vi\0sit".ljust(32, b"\0"),
                 b"-visit".ljust(32, b"\0")):  # fmt: skip
        with reverts("TypesInvalidName", name):
            t._send(s, "registerVersion", name, vh("v1"), ZERO, [])
    assert not t.is_registered(vh("v1"))


def test_at_most_sixty_four_sensitive_fields_of_one_to_sixty_four_bytes_of_text(
    consortium: Consortium, people: Reviewers
) -> None:
    d, t, s = consortium.deployment, consortium.deployment.record_types, people.standards
    with reverts("TypesInvalidField", 64):
        _register(d, s, "visit", "v1", fields=[f"f{i}" for i in range(65)])
    for bad, index in ((["ok", ""], 1), (["x" * 65], 0), (["ok", "a\0b"], 1), (["tab\there"], 0)):
        with reverts("TypesInvalidField", index):
            _register(d, s, "visit", "v1", fields=bad)
    for raw in (b"\xff", b"\xe5\xa7", b"\xed\xa0\x80"):  # not UTF-8, sent as raw bytes where a string is taken
        values = [b32("visit"), vh("v1"), ZERO, [b"ok", raw]]
        assert raw_call(d.chain, s.address, t.address, REGISTER_VERSION, ["bytes32", "bytes32", "bytes32", "bytes[]"],
                        values) == "TypesInvalidField(1)"  # fmt: skip
    assert not t.is_sensitive("ok") and not t.is_registered(vh("v1"))  # nothing of a refused version remains
    many = [f"f{i}" for i in range(63)] + ["x" * 64]
    _register(d, s, "visit", "v1", fields=many)
    info = t.version_info(vh("v1"))
    assert info is not None and info.sensitive_fields == tuple(many)
    _register(d, s, "note", "n1", fields=["姓名"])  # non-ASCII names are text too
    assert t.is_sensitive("姓名")


def test_the_set_of_sensitive_field_names_never_shrinks(consortium: Consortium, people: Reviewers) -> None:
    d, t, s = consortium.deployment, consortium.deployment.record_types, people.standards
    _register(d, s, "visit", "v1", fields=["diagnosis"])
    _register(d, s, "visit", "v2", supersedes="v1", fields=[])  # relabelled: no longer sensitive in v2
    assert t.is_sensitive("diagnosis")
    info = t.version_info(vh("v2"))
    assert info is not None and info.sensitive_fields == ()


def test_only_the_standards_body_registers(consortium: Consortium, people: Reviewers) -> None:
    d, t, m = consortium.deployment, consortium.deployment.record_types, consortium.deployment.membership
    for outsider in (consortium.sd_admin, consortium.c1_admin, consortium.dept_admin, people.sd_reviewer,
                     new_account()):  # fmt: skip
        with reverts("TypesUnauthorized", outsider.address):
            _register(d, outsider, "visit", "v1")
        with reverts("TypesUnauthorized", outsider.address):
            t.register_purpose(outsider, "home-visit")
    m.set_roles(consortium.admin, people.standards.address, Role.VERIFIER)  # the role taken away
    with reverts("TypesUnauthorized", people.standards.address):
        _register(d, people.standards, "visit", "v1")
    m.set_roles(consortium.admin, people.standards.address, Role.STANDARDS)
    _register(d, people.standards, "visit", "v1")
    m.deactivate_org(consortium.admin, "operator")  # a deactivated organisation's members hold no role
    with reverts("TypesUnauthorized", people.standards.address):
        _register(d, people.standards, "visit", "v2", supersedes="v1")


def test_an_unknown_version_or_index_is_refused_by_name(consortium: Consortium, people: Reviewers) -> None:
    d, t = consortium.deployment, consortium.deployment.record_types
    assert t.version_info(vh("nope")) is None and not t.is_registered(vh("nope"))
    with reverts("TypesUnknownVersion", vh("nope")):
        t._call("versionInfo", vh("nope"))
    _register(d, people.standards, "visit", "v1")
    assert t._call("versionAt", b32("visit"), 0) == vh("v1")
    with reverts("TypesUnknownIndex", b32("visit"), 1):
        t._call("versionAt", b32("visit"), 1)
    with reverts("TypesUnknownIndex", b32("nothing"), 0):
        t._call("versionAt", b32("nothing"), 0)
    with pytest.raises(ValueError, match="32 bytes"):
        t.is_registered(b"short")


def test_purpose_codes_are_slugs_registered_once(consortium: Consortium, people: Reviewers) -> None:
    t = consortium.deployment.record_types
    receipt = t.register_purpose(people.standards, "home-visit")
    assert t.events(receipt, "PurposeRegistered") == [{"code": b32("home-visit"), "actor": people.standards.address}]
    assert t.is_purpose("home-visit") and t.purpose_codes()[-1] == "home-visit"
    with reverts("TypesPurposeTaken", b32("home-visit")):
        t.register_purpose(consortium.admin, "home-visit")
    with reverts("TypesPurposeTaken", b32("general")):
        t.register_purpose(consortium.admin, "general")
    for code in (ZERO, b"Home".ljust(32, b"\0"), b"home visit".ljust(32, b"\0"), b"a\0b".ljust(32, b"\0")):
        with reverts("TypesInvalidPurpose", code):
            t._send(consortium.admin, "registerPurpose", code)
    assert t.purpose_codes().count("home-visit") == 1


# -- relayed -------------------------------------------------------------------------------------


def _version_call(t: RecordTypesClient, name: str, label: str, fields: list[str],
                  supersedes: str | None = None) -> Relayed:  # fmt: skip
    prev = vh(supersedes) if supersedes else None
    message = RecordTypesClient.register_version_message(name, vh(label), prev, fields)
    args = (b32(name), vh(label), prev or ZERO, fields)
    return Relayed(t, TYPES_DOMAIN, "RegisterVersion", message, "registerVersionBySig", args)


def test_the_python_types_are_the_contracts_type_strings() -> None:
    for primary, expected in (("RegisterVersion", REGISTER_VERSION_TYPE), ("RegisterPurpose", REGISTER_PURPOSE_TYPE)):
        doc = relay_typed_data(primary, {}, domain=TYPES_DOMAIN, chain_id=1, contract="0x" + "00" * 20,
                               signer="0x" + "00" * 20, nonce=0, deadline=0)  # fmt: skip
        members = ",".join(f"{m['type']} {m['name']}" for m in doc["types"][primary])
        assert f"{primary}({members})" == expected
    assert TYPES_DOMAIN == ("GridLedger RecordTypes", "1")


def test_gateway_relays_a_standards_members_signed_version(consortium: Consortium, people: Reviewers) -> None:
    t, gateway, signer = consortium.deployment.record_types, new_account(), people.standards
    call = _version_call(t, "visit", "v1", ["diagnosis", "姓名"])
    doc = call.document(signer)
    with reverts("RelayInvalidSignature", signer.address):
        call.send(gateway, doc, sign_typed(new_account(), doc))
    tampered = (*call.args[:3], ["diagnosis"])  # a sensitive field dropped after signing
    with reverts("RelayInvalidSignature", signer.address):
        call.send(gateway, doc, sign_typed(signer, doc), tampered)
    receipt = call.send(gateway, doc, sign_typed(signer, doc))
    (event,) = t.events(receipt, "TypeVersionRegistered")
    assert event["actor"] == signer.address and event["sensitiveFields"] == ["diagnosis", "姓名"]
    assert t.nonce(signer.address) == 1 and t.nonce(gateway.address) == 0
    with reverts("InvalidAccountNonce", signer.address, 1):
        call.send(gateway, doc, sign_typed(signer, doc))


def test_the_client_builds_the_relayed_calls_a_gateway_sends(consortium: Consortium, people: Reviewers) -> None:
    t, chain, signer = consortium.deployment.record_types, consortium.deployment.chain, people.standards

    class Auth:
        def __init__(self, primary: str, message: dict[str, Any]) -> None:
            self.nonce, self.deadline = t.nonce(signer.address), chain_now(chain) + 600
            self.signature = sign_typed(signer, relay_typed_data(
                primary, message, domain=TYPES_DOMAIN, chain_id=chain.chain_id, contract=t.address,
                signer=signer.address, nonce=self.nonce, deadline=self.deadline,
            ))  # fmt: skip

    message = t.register_version_message("visit", vh("v1"), None, ["diagnosis"])
    call = t.register_version_by_sig("visit", vh("v1"), None, ["diagnosis"], signer.address,
                                     Auth("RegisterVersion", message))  # fmt: skip
    chain.transact(new_account(), call)
    message = t.register_version_message("visit", vh("v2"), vh("v1"), [])
    call = t.register_version_by_sig("visit", vh("v2"), vh("v1"), [], signer.address, Auth("RegisterVersion", message))
    chain.transact(new_account(), call)
    assert t.versions("visit") == [vh("v1"), vh("v2")]
    message = RecordTypesClient.register_purpose_message("home-visit")
    receipt = chain.transact(new_account(), t.register_purpose_by_sig("home-visit", signer.address,
                                                                      Auth("RegisterPurpose", message)))  # fmt: skip
    assert t.events(receipt, "PurposeRegistered")[0]["actor"] == signer.address and t.is_purpose("home-visit")


def test_a_relayed_registration_still_needs_the_signers_authority(consortium: Consortium, people: Reviewers) -> None:
    t, gateway, outsider = consortium.deployment.record_types, new_account(), consortium.sd_admin
    call = _version_call(t, "visit", "v1", [])
    doc = call.document(outsider)
    with reverts("TypesUnauthorized", outsider.address):
        call.send(gateway, doc, sign_typed(outsider, doc))
    code = {"code": b32("home-visit")}
    purpose = Relayed(t, TYPES_DOMAIN, "RegisterPurpose", code, "registerPurposeBySig", (b32("home-visit"),))
    doc = purpose.document(outsider)
    with reverts("TypesUnauthorized", outsider.address):
        purpose.send(gateway, doc, sign_typed(outsider, doc))
    old = purpose.document(people.standards, deadline=1)
    with reverts("RelayExpiredSignature", 1):
        purpose.send(gateway, old, sign_typed(people.standards, old))
    doc = purpose.document(people.standards)
    receipt = purpose.send(gateway, doc, sign_typed(people.standards, doc))
    assert t.events(receipt, "PurposeRegistered")[0]["actor"] == people.standards.address
