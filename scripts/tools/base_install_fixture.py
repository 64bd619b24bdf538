"""Write tests/fixtures/base-install: a real anchored receipt, its record, and the chain that holds it.

The base-install check (``scripts/check-base-install``) verifies this receipt with a
``pip install gridledger`` that has no server and no compiler. Rewrite the fixture only
when the formats change on purpose: ``.venv/bin/python scripts/tools/base_install_fixture.py``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from eth_account import Account  # noqa: E402

from ledger import merkle  # noqa: E402
from ledger.chain.client import ChainClient  # noqa: E402
from ledger.commitments import commitment, disclose  # noqa: E402
from ledger.entries import Entry, EntryDomain  # noqa: E402
from ledger.ops.deploy import deploy  # noqa: E402
from ledger.ops.localchain import LocalChain, free_port  # noqa: E402
from ledger.receipts import Receipt  # noqa: E402
from ledger.type_versions import builtin_versions  # noqa: E402
from ledger.types import OrgKind, Role, to_address  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "base-install"
PAYLOAD = {"address": "3-2-501", "head": "Li Wei", "members": 3, "low_income": False}
RECORD_ID = "5b0c6a52-9a7e-4c1f-8d0e-3f1a2b4c5d6e"


def main() -> None:
    # fixed, public test keys: the fixture must be reproducible and holds nothing secret
    deployer = Account.from_key("0x" + "a1" * 32)
    recorder = Account.from_key("0x" + "b2" * 32)
    with tempfile.TemporaryDirectory() as tmp:
        local = LocalChain(Path(tmp))
        status = local.start(port=free_port())
        try:
            chain = ChainClient(str(status.rpc_url))  # zero gas price: fixed test keys need no funds
            deployment = deploy(chain, deployer, operator_org="operator")
            m = deployment.membership
            m.register_org(deployer, "sd-riverside", OrgKind.SUBDISTRICT, "Riverside Subdistrict Office")
            m.register_org(deployer, "rc-sunshine", OrgKind.COMMITTEE, "Sunshine Residents' Committee", "sd-riverside")
            m.add_member(deployer, recorder.address, "rc-sunshine", Role.RECORDER)
            domain = EntryDomain(chain.chain_id, to_address(deployment.book.registry))
            secret = bytes(range(32))
            household = next(v for v in builtin_versions() if v.name == "household")  # registered at deploy
            entry = Entry(
                RECORD_ID, "rc-sunshine", "household", 1, None, commitment(PAYLOAD, secret),
                to_address(recorder.address), type_version=household.version_hash,
            ).signed(bytes(recorder.key), domain)
            root = merkle.root([entry.leaf()])
            batch_id = hashlib.sha256(b"gridledger-batch-v1" + root).digest()
            mined = deployment.registry.anchor(deployer, batch_id, root, 1)
            info = deployment.registry.get_batch(batch_id)
            receipt = Receipt(entry, 0, 1, (), batch_id, root, chain.chain_id, domain.registry,
                              bytes(mined["transactionHash"]), info.block_number, info.anchored_at)  # fmt: skip
            book = deployment.book
        finally:
            local.stop()
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local.state_file, OUT / "state.json")
    (OUT / "addressbook.json").write_text(json.dumps(book.to_json(), indent=2) + "\n")
    (OUT / "receipt.json").write_text(json.dumps(receipt.to_json(), indent=2) + "\n")
    record = disclose(RECORD_ID, PAYLOAD, secret).to_json()
    (OUT / "record.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {OUT} (batch 0x{batch_id.hex()} in block {receipt.block_number})")


if __name__ == "__main__":
    main()
