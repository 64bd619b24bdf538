"""Measure the gas of every state-changing contract call on a fresh local chain.

Run as ``./scripts/gas`` (it prints a Markdown table for docs/gas.md).
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path

from eth_account import Account

from ledger.chain.client import ChainClient
from ledger.chain.contracts import GrantsClient
from ledger.ops.deploy import deploy
from ledger.ops.localchain import LocalChain, free_port
from ledger.purposes import new_purpose_salt, purpose_hash
from ledger.types import OrgKind, Role

NAIVE_GAS_PER_RECORD = 45_644  # one stored hash plus event per transaction (DESIGN.md)


def h(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        chain = LocalChain(Path(tmp))
        status = chain.start(port=free_port())
        try:
            rows = measure(ChainClient(str(status.rpc_url)))
        finally:
            chain.stop()
    print("| call | gas used |\n|---|---:|")
    for name, gas in rows:
        print(f"| {name} | {gas:,} |")
    anchor = dict(rows)["RecordRegistry.anchor (1 entry)"]
    print("\n| batch size | anchor gas per record | share of naive (45,644) |\n|---:|---:|---:|")
    for size in (1, 10, 100, 1_000, 10_000):
        per = anchor / size
        print(f"| {size:,} | {per:,.1f} | {100 * per / NAIVE_GAS_PER_RECORD:.3f}% |")


def measure(client: ChainClient) -> list[tuple[str, int]]:
    admin, sd, rc, dept = (Account.create() for _ in range(4))
    d = deploy(client, admin, operator_org="operator")
    m, r, g = d.membership, d.registry, d.grants
    rows = [
        ("Membership.registerOrg (subdistrict)", m.register_org(admin, "sd-east", OrgKind.SUBDISTRICT, "East")),
        ("Membership.addMember", m.add_member(admin, sd.address, "sd-east", Role.ADMIN)),
        ("Membership.registerOrg (committee, by subdistrict admin)",
         m.register_org(sd, "rc-sunshine", OrgKind.COMMITTEE, "Sunshine", "sd-east")),
    ]  # fmt: skip
    m.register_org(admin, "civil-affairs", OrgKind.DEPARTMENT, "Civil Affairs")
    m.add_member(sd, rc.address, "rc-sunshine", Role.ADMIN)
    m.add_member(admin, dept.address, "civil-affairs", Role.VERIFIER)
    rows.append(("Membership.setRoles", m.set_roles(sd, rc.address, Role.ADMIN | Role.RECORDER)))
    rows.append(("RecordRegistry.anchor (1 entry)", r.anchor(admin, h("b1"), h("r1"), 1)))
    rows.append(("RecordRegistry.anchor (10,000 entries)", r.anchor(admin, h("b2"), h("r2"), 10_000)))
    rows.append(("RecordRegistry.anchorLogHead (first)", r.anchor_log_head(admin, h("log"), 10, h("head1"))))
    rows.append(("RecordRegistry.anchorLogHead (next)", r.anchor_log_head(admin, h("log"), 20, h("head2"))))
    request = GrantsClient.request(
        "rc-sunshine", "civil-affairs", 1, b"household".ljust(32, b"\0"), ["name", "address"], "subsidy-review",
        purpose_hash(new_purpose_salt(), "subsidy review"), int(time.time()) + 86_400,
    )  # fmt: skip
    grant_id, receipt = g.grant(rc, request)
    rows.append(("AccessGrants.grant (record type, 2 fields)", receipt))
    rows.append(("AccessGrants.revoke", g.revoke(rc, grant_id)))
    longest = [f"{i:02d}" + "\u540d" * 20 + "x" for i in range(64)]  # 63 bytes of UTF-8 each
    widest = GrantsClient.request(
        "rc-sunshine", "civil-affairs", 1, b"household".ljust(32, b"\0"), longest, "subsidy-review",
        purpose_hash(new_purpose_salt(), "subsidy review"), int(time.time()) + 86_400,
    )  # fmt: skip
    rows.append(("AccessGrants.grant (the bound: 64 fields of 63 bytes of UTF-8)", g.grant(rc, widest)[1]))
    rows.append(("Membership.removeMember", m.remove_member(admin, dept.address)))
    rows.append(("Membership.deactivateOrg (committee, any number of members)",
                 m.deactivate_org(sd, "rc-sunshine")))  # fmt: skip
    return [(name, int(receipt["gasUsed"])) for name, receipt in rows]


if __name__ == "__main__":
    main()
