"""``gridledger up --demo``: a small consortium to try GridLedger with.

Seeds one subdistrict office, two residents' committees under it and one department,
each with an admin and a working member, and writes their keystores (with one shared,
printed demo password) to ``DATA_DIR/demo-keys``. Idempotent: a second run finds the
organisations registered and only prints how to use them.
"""

from __future__ import annotations

from pathlib import Path

from eth_account.signers.local import LocalAccount

from gateway.security.operator_key import operator_account
from gateway.settings import Settings
from ledger.chain.address_book import Deployment, read_address_book
from ledger.chain.client import ChainClient
from ledger.keys import create_keystore, load_keystore
from ledger.types import OrgKind, Role

DEMO_PASSWORD = "demo-password-not-secret"  # noqa: S105 - demo keys only, printed to the user
# (org id, kind, parent, display name, members: (key name, roles))
DEMO_ORGS: list[tuple[str, OrgKind, str | None, str, list[tuple[str, Role]]]] = [
    ("sd-east", OrgKind.SUBDISTRICT, None, "East Subdistrict Office",
     [("sd-east-admin", Role.ADMIN | Role.AUDITOR), ("sd-east-reviewer", Role.PRIVACY_REVIEWER)]),
    ("rc-sunshine", OrgKind.COMMITTEE, "sd-east", "Sunshine Residents' Committee",
     [("rc-sunshine-admin", Role.ADMIN), ("rc-sunshine-recorder", Role.RECORDER)]),
    ("rc-harmony", OrgKind.COMMITTEE, "sd-east", "Harmony Residents' Committee",
     [("rc-harmony-admin", Role.ADMIN), ("rc-harmony-recorder", Role.RECORDER)]),
    ("civil-affairs", OrgKind.DEPARTMENT, None, "Civil Affairs Bureau",
     [("civil-affairs-admin", Role.ADMIN), ("civil-affairs-verifier", Role.VERIFIER),
      ("civil-affairs-investigator", Role.VERIFIER | Role.SEALED_READER)]),
    ("data-standards", OrgKind.DEPARTMENT, None, "Municipal Data Standards Office",
     [("standards-officer", Role.STANDARDS)]),
]  # fmt: skip


def demo_keys_dir(settings: Settings) -> Path:
    return settings.data_dir / "demo-keys"


def _demo_key(directory: Path, name: str) -> LocalAccount:
    path = directory / f"{name}.json"
    if path.exists():
        return load_keystore(path, DEMO_PASSWORD)
    return create_keystore(path, DEMO_PASSWORD, iterations=2)


DEMO_RESIDENT_ID = "11010119900307123X"
"""Zhang Min's (invented) id number: the demo resident, enrolled with the key ``resident-zhang-min``."""

DEMO_RECORDS: list[tuple[str, dict[str, object]]] = [
    (
        "household",
        {"address": "Sunshine Road 3-2-501", "head": "Li Wei", "members": 3, "low_income": True,
         "member_ids": [DEMO_RESIDENT_ID]},
    ),
    (
        "household",
        {"address": "Sunshine Road 5-1-102", "head": "Wang Fang", "members": 1, "elderly_living_alone": True},
    ),
    (
        "resident",
        {"name": "Zhang Min", "id_number": DEMO_RESIDENT_ID, "birth_date": "1990-03-07", "phone": "138 0000 0001"},
    ),
    (
        "meeting",
        {"date": "2026-11-02", "topic": "Winter heating subsidy", "attendees": 14, "decisions": ["Apply by 30 Nov"]},
    ),
]


def _seed_records(settings: Settings, recorder: LocalAccount) -> int:
    """Commit the sample records once, straight through the commit service (the worker anchors them)."""
    from sqlalchemy import func, select

    from gateway.api.schemas import CommitRecord
    from gateway.assembly import build_container
    from gateway.db.models import Record
    from gateway.services.facts import entry_domain
    from gateway.services.records import commit_records
    from ledger.client.gateway import prepare_commit

    container = build_container(settings)
    try:
        with container.sessions() as session:
            if session.scalar(select(func.count(Record.id)).where(Record.owner_org == "rc-sunshine")):
                return 0
        member = container.members.member(recorder.address)
        assert member is not None
        domain = entry_domain(container)
        latest = {name: container.record_types.latest_hash(name) for name, _ in DEMO_RECORDS}
        items = [
            CommitRecord.model_validate(prepare_commit(recorder, member.org, domain, record_type, payload,
                                                       type_version=str(latest[record_type]))).to_domain()
            for record_type, payload in DEMO_RECORDS
        ]  # fmt: skip
        return len(commit_records(container, member, items, batch=True))
    finally:
        container.close()


def _enrol_demo_resident(settings: Settings, recorder: LocalAccount, resident: LocalAccount) -> None:
    """Enrol the demo resident's key, as a committee recorder does after checking identity in person."""
    import uuid

    from gateway.assembly import build_container
    from gateway.db.models import ResidentKey
    from gateway.services.facts import entry_domain
    from gateway.services.residents import enrol
    from ledger.enrolment import Enrolment, sign_enrolment

    container = build_container(settings)
    try:
        with container.sessions() as session:
            if session.get(ResidentKey, resident.address) is not None:
                return
        member = container.members.member(recorder.address)
        assert member is not None
        domain = entry_domain(container)
        enrolment = Enrolment(str(uuid.uuid4()), domain.chain_id, str(domain.registry), member.org, resident.address,
                              DEMO_RESIDENT_ID, int(container.clock()))  # fmt: skip
        signature = "0x" + sign_enrolment(bytes(recorder.key), enrolment).hex()
        enrol(container, member, {"id": enrolment.id, "resident": resident.address, "id_number": DEMO_RESIDENT_ID,
                                  "at": enrolment.at, "signature": signature})  # fmt: skip
    finally:
        container.close()


def seed_demo(settings: Settings) -> Deployment:
    """Register the demo consortium (where missing) and print how to act as its members."""
    operator = operator_account(settings)
    chain = ChainClient(settings.resolved_rpc_url)
    deployment = Deployment.connect(chain, read_address_book(settings.resolved_address_book))
    membership = deployment.membership
    keys = demo_keys_dir(settings)
    for org, kind, parent, name, members in DEMO_ORGS:
        if membership.get_org(org) is None:
            membership.register_org(operator, org, kind, name, parent)
        for key_name, roles in members:
            account = _demo_key(keys, key_name)
            if membership.membership_of(account.address)[0] is None:
                membership.add_member(operator, account.address, org, roles)
    seeded = _seed_records(settings, _demo_key(keys, "rc-sunshine-recorder"))
    _enrol_demo_resident(settings, _demo_key(keys, "rc-sunshine-recorder"), _demo_key(keys, "resident-zhang-min"))
    print(
        f"demo consortium ready ({seeded} sample records added); keystores in {keys} (password: {DEMO_PASSWORD})",
        flush=True,
    )
    print(f"  act as a committee recorder: export GRIDLEDGER_KEY={keys}/rc-sunshine-recorder.json", flush=True)
    print(f"  export GRIDLEDGER_KEY_PASSWORD={DEMO_PASSWORD}", flush=True)
    print("  then: gridledger commit record.json --type household --wait", flush=True)
    print("  share with a department, with GRIDLEDGER_KEY set to each of these keystores in turn:", flush=True)
    print('    rc-sunshine-admin:      gridledger grant civil-affairs --type household --fields head,members '
          '--purpose "winter subsidy review"', flush=True)  # fmt: skip
    print("    civil-affairs-admin:    gridledger webhooks listen --port 8765 --out events.jsonl   "
          "(in a second terminal: gridledger webhooks add http://127.0.0.1:8765/hook)", flush=True)  # fmt: skip
    print("    civil-affairs-verifier: gridledger sync civil-affairs-mirror --once   "
          "(again after a new household is committed; after a revoke, its fields are gone)", flush=True)  # fmt: skip
    print("    civil-affairs-investigator: gridledger get HOUSEHOLD_ID --sealed-until 2027-06-01 --legal-basis "
          "criminal-investigation   (logged now; residents see it only as sealed until that date)", flush=True)
    print("  shared standards and privacy review (docs/standards.md):", flush=True)
    print("    standards-officer:      gridledger types show household > v2.json; (add a labelled field); "
          "gridledger types register v2.json --name household", flush=True)  # fmt: skip
    print("    rc-sunshine-admin:      gridledger grant civil-affairs --type household --fields head,low_income "
          '--purpose "winter subsidy review" --purpose-code subsidy-review   (low_income is sensitive: proposed)',
          flush=True)  # fmt: skip
    print("    sd-east-reviewer:       gridledger grants review;  gridledger grants approve GRANT_ID", flush=True)
    print(f"  the demo resident Zhang Min (enrolled by rc-sunshine): GRIDLEDGER_KEY={keys}/resident-zhang-min.json",
          flush=True)  # fmt: skip
    print("    gridledger me records;  gridledger me access --verify;  "
          "gridledger me request RECORD_ID --kind erasure", flush=True)  # fmt: skip
    portal = f"http://{settings.host if settings.host not in ('0.0.0.0', '::') else '127.0.0.1'}:{settings.port}/"  # noqa: S104
    print(f"  the portal (中文 first, English switchable): open {portal} and sign in with a keystore file "
          f"(password: {DEMO_PASSWORD}):", flush=True)  # fmt: skip
    for person, key_name in PORTAL_PEOPLE:
        print(f"    {person:<34} {keys / (key_name + '.json')}", flush=True)
    return deployment


PORTAL_PEOPLE = (
    ("committee worker (records, import):", "rc-sunshine-recorder"),
    ("committee admin (grants, requests):", "rc-sunshine-admin"),
    ("subdistrict auditor (timeline, log):", "sd-east-admin"),
    ("privacy reviewer (proposals):", "sd-east-reviewer"),
    ("department (grants, verify by drop):", "civil-affairs-verifier"),
    ("resident (my records, who read them):", "resident-zhang-min"),
)
"""Who to sign in to the portal as, and with which demo keystore."""
