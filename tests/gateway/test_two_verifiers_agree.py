"""The Python and JavaScript verifiers agree: on every vector case, and on real receipts from a real chain.

They were written apart (``verifier-js/`` from docs/spec alone); agreement on the first
failing check of every case is what makes the spec, not either program, the contract.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ledger.chain.address_book import write_address_book
from ledger.chain.view import DeploymentChain
from ledger.verify import verify_texts
from tests.gateway.conftest import Gateway
from tests.ledger.test_verification_vectors import CASES, VECTOR_FILE, run

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "verifier-js" / "bin" / "gridledger-verify.js"
NODE = shutil.which("node")  # ./scripts/bootstrap requires it and installs verifier-js's packages


def node(*args: str) -> subprocess.CompletedProcess[str]:
    assert NODE is not None, "node is not installed: run ./scripts/bootstrap"
    return subprocess.run([NODE, str(CLI), *args], capture_output=True, text=True, timeout=120, check=False)


def test_both_verifiers_reach_the_same_verdict_on_every_vector_case() -> None:
    answer = node("vectors", str(VECTOR_FILE))
    assert answer.returncode == 0, answer.stderr
    js: dict[str, Any] = json.loads(answer.stdout)
    disagreements = []
    for case in CASES:
        valid, check, _ = run(case)
        theirs = js.get(case["name"])
        if theirs != {"valid": valid, "check": check}:
            disagreements.append(f"{case['name']}: python {valid}/{check}, javascript {theirs}")
    assert not disagreements, "\n".join(disagreements)
    assert len(js) == len(CASES)


def test_both_verifiers_agree_on_a_real_receipt_and_its_tampered_twin(gateway: Gateway, tmp_path: Path) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    accepted = client.commit("meeting", {"date": "2026-11-22", "topic": "Lift", "attendees": 4})
    receipt = client.wait_anchored(accepted["id"])
    disclosure = client.get(accepted["id"])["disclosure"]
    deployment = gateway.container.deployment()
    book = tmp_path / "addressbook.json"
    write_address_book(book, deployment.book)
    record_file, receipt_file = tmp_path / "record.json", tmp_path / "receipt.json"
    tampered = json.loads(json.dumps(receipt))
    tampered["anchor"]["block_number"] += 1
    for doc, expected_exit in ((receipt, 0), (tampered, 1)):
        record_file.write_text(json.dumps(disclosure, ensure_ascii=False))
        receipt_file.write_text(json.dumps(doc))
        ours = verify_texts(receipt_file.read_bytes(), record_file.read_bytes(), deployment.book,
                            lambda: DeploymentChain(deployment))  # fmt: skip
        theirs = node("verify", str(record_file), str(receipt_file), "--rpc", deployment.chain.rpc_url,
                      "--address-book", str(book))  # fmt: skip
        assert theirs.returncode == expected_exit == (0 if ours.valid else 1), theirs.stdout + theirs.stderr
        assert "Traceback" not in theirs.stderr and "    at " not in theirs.stderr  # no stack trace
