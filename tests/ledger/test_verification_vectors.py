"""The Python verifier against the language-neutral vectors (docs/spec/vectors.md §T-1).

Every case's expected verdict and first failing check was written by hand in
``tests/ledger/verification_vectors.py``; these tests hold the verifier to them, hold the
committed file to its generator, and hold the published JSON Schemas to the same cases.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from ledger import ijson
from ledger.chain.address_book import AddressBook
from ledger.verify import CHECKS, verify_texts
from tests.ledger.static_chain import StaticChain
from tests.ledger.vectors import VECTORS
from tests.ledger.verification_vectors import build

VECTOR_FILE = VECTORS / "verification.json"
SCHEMAS = Path(__file__).resolve().parents[2] / "ledger" / "schemas"
DATA: dict[str, Any] = json.loads(VECTOR_FILE.read_text())
CASES = DATA["cases"]


def run(case: dict[str, Any]) -> tuple[bool, str | None, StaticChain]:
    chain = StaticChain(DATA["chain"])
    verdict = verify_texts(case["receipt"], case["disclosure"], AddressBook.from_json(DATA["address_book"]),
                           lambda: chain)  # fmt: skip
    return verdict.valid, verdict.check, chain


def test_the_committed_vectors_are_what_the_generator_makes() -> None:
    regenerated = json.loads(json.dumps(build(), ensure_ascii=False))
    assert regenerated == DATA, "run: python -m tests.ledger.verification_vectors"


def test_every_check_has_an_invalid_case_and_there_are_valid_ones() -> None:
    seen = {c["expect"]["check"] for c in CASES}
    assert seen == {None, *CHECKS}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_verifier_reaches_each_cases_expected_verdict(case: dict[str, Any]) -> None:
    valid, check, _ = run(case)
    assert (valid, check) == (case["expect"]["valid"], case["expect"]["check"]), case["description"]


def test_a_receipt_of_another_deployment_makes_no_chain_read() -> None:
    for case in CASES:
        if case["expect"]["check"] == "trust-domain":
            assert run(case)[2].reads == [], case["name"]


def test_the_labelled_digests_are_the_genuine_cases_intermediates() -> None:
    from ledger.receipts import Receipt, batch_id_for

    genuine = Receipt.from_text(CASES[0]["receipt"])
    digests = DATA["digests"]
    assert digests["entry_canonical"].encode() == genuine.entry.canonical()
    assert digests["entry_leaf"] == "0x" + genuine.entry.leaf().hex()
    assert digests["entry_digest"] == "0x" + genuine.entry.digest(genuine.domain).hex()
    assert digests["batch_root"] == "0x" + genuine.batch_root.hex()
    assert digests["batch_id_formula"] == "0x" + batch_id_for(genuine.batch_root).hex()
    typed = Receipt.from_text(next(c["receipt"] for c in CASES if c["name"] == "valid-format-2"))
    assert typed.entry.format == 2
    assert digests["entry2_canonical"].encode() == typed.entry.canonical()
    assert digests["entry2_leaf"] == "0x" + typed.entry.leaf().hex()
    assert digests["entry2_digest"] == "0x" + typed.entry.digest(typed.domain).hex()


def _validator(name: str) -> Draft202012Validator:
    resources = []
    for path in SCHEMAS.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry: Registry[Any] = Registry().with_resources(resources)
    return Draft202012Validator(json.loads((SCHEMAS / name).read_text()), registry=registry)


def test_every_published_schema_is_valid_json_schema() -> None:
    for path in SCHEMAS.glob("*.schema.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_the_published_schemas_agree_with_the_verifier_on_every_case() -> None:
    """A document the schemas accept is one the verifier reads, and the other way round —
    except EIP-55 checksums, which JSON Schema cannot express (cases named ``eip55``)."""
    receipts, disclosures = _validator("receipt.schema.json"), _validator("disclosure.schema.json")
    for case in CASES:
        check = case["expect"]["check"]
        if check == "json":
            continue
        documents_ok = receipts.is_valid(ijson.loads(case["receipt"])) and (
            case["disclosure"] is None or disclosures.is_valid(ijson.loads(case["disclosure"]))
        )
        expected = check not in ("format", "schema") or "eip55" in case["name"]
        assert documents_ok == expected, case["name"]


def test_the_vector_address_book_is_a_valid_address_book() -> None:
    assert _validator("address-book.schema.json").is_valid(DATA["address_book"])


def test_a_receipt_of_another_deployment_needs_no_node_at_all() -> None:
    def no_node() -> StaticChain:
        raise AssertionError("connected to a node for a receipt refused before any chain check")

    book = AddressBook.from_json(DATA["address_book"])
    for case in CASES:
        if case["expect"]["check"] in ("json", "format", "schema", "trust-domain"):
            verdict = verify_texts(case["receipt"], case["disclosure"], book, no_node)
            assert verdict.check == case["expect"]["check"], case["name"]


def test_the_address_book_is_read_strictly(tmp_path: Path) -> None:
    from ledger.chain.address_book import read_address_book
    from ledger.errors import AddressBookError

    good = DATA["address_book"]
    path = tmp_path / "book.json"
    path.write_text(json.dumps({**good, "chain_id": 31337.0}))
    assert read_address_book(path).chain_id == 31337 and type(read_address_book(path).chain_id) is int
    bad = [
        json.dumps({**good, "format": "gridledger-address-book/9"}),
        json.dumps(good).replace('"registry": ', '"registry": "0x' + "00" * 19 + '01", "registry": '),  # twice
        json.dumps({**good, "extra": 1}),
        json.dumps({**good, "registry": good["registry"].lower()}),
        json.dumps({k: v for k, v in good.items() if k != "grants"}),
        "[]",
    ]
    for text in bad:
        path.write_text(text)
        with pytest.raises(AddressBookError):
            read_address_book(path)


class _OlderChain:
    """A chain view that cannot read ``RecordTypes`` (a deployment from before that contract)."""

    def __init__(self, chain: StaticChain) -> None:
        self.chain = chain

    def __getattr__(self, name: str) -> Any:
        if name == "type_version":
            raise AttributeError(name)
        return getattr(self.chain, name)


class _RecordTypes:
    """``deployment.record_types`` as ledger.chain's client answers (``version_info(hash) -> info | None``)."""

    def __init__(self, table: dict[str, Any]) -> None:
        self.table, self.asked = table, 0

    def version_info(self, version_hash: bytes) -> Any:
        from types import SimpleNamespace

        self.asked += 1
        row = self.table.get("0x" + version_hash.hex())
        return None if row is None else SimpleNamespace(name=row["name"], index=0, registered_at=0,
                                                        registrant="0x" + "00" * 20, sensitive_fields=())  # fmt: skip


def _case(name: str) -> dict[str, Any]:
    return next(c for c in CASES if c["name"] == name)


def test_a_format_1_entry_never_reads_record_types() -> None:
    for case in CASES:
        chain = run(case)[2]
        if '"type_version"' not in case["receipt"]:
            assert "type-version" not in chain.reads, case["name"]


def test_without_record_types_a_format_2_entry_is_valid_and_the_verdict_says_its_version_was_not_checked() -> None:
    book = AddressBook.from_json(DATA["address_book"])
    for name in ("valid-format-2", "type-version-unregistered"):
        case = _case(name)
        older = _OlderChain(StaticChain(DATA["chain"]))
        verdict = verify_texts(case["receipt"], case["disclosure"], book, lambda older=older: older)
        assert verdict.valid, verdict.problems
        assert any("not checked on-chain" in note for note in verdict.notes)


def test_a_view_over_a_deployment_asks_its_record_types_client() -> None:
    from types import SimpleNamespace

    book = AddressBook.from_json(DATA["address_book"])
    expected = {"valid-format-2": None, "type-version-unregistered": "type-version",
                "type-version-of-another-type": "type-version", "valid-full-disclosure-0": None}  # fmt: skip
    for name, check in expected.items():
        case = _case(name)
        record_types = _RecordTypes(DATA["chain"]["type_versions"])
        view = _OlderChain(StaticChain(DATA["chain"]))
        view.deployment = SimpleNamespace(record_types=record_types)  # type: ignore[attr-defined]
        verdict = verify_texts(case["receipt"], case["disclosure"], book, lambda view=view: view)
        assert verdict.check == check, (name, verdict.problems)
        assert record_types.asked == (0 if name == "valid-full-disclosure-0" else 1), name
        if check is not None:
            assert verdict.type_version is not None and verdict.type_version in verdict.problems[0]
