"""Artifacts are compiled once, committed, and checked against the sources."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ledger.chain.artifacts import CONTRACT_NAMES, load_artifact, read_artifact
from ledger.errors import ArtifactError
from ledger.ops.compiler import CONTRACTS_DIR, check_artifacts, compile_contracts, source_hash, write_artifacts


@pytest.fixture(scope="module")
def contracts_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of contracts/ sharing the installed node_modules."""
    copy = tmp_path_factory.mktemp("contracts")
    for path in [*CONTRACTS_DIR.glob("*.sol"), CONTRACTS_DIR / "solc-shim.cjs", CONTRACTS_DIR / "package.json"]:
        shutil.copy2(path, copy / path.name)
    shutil.copytree(CONTRACTS_DIR / "interfaces", copy / "interfaces")
    (copy / "node_modules").symlink_to(CONTRACTS_DIR / "node_modules")
    return copy


def test_committed_artifacts_match_the_sources() -> None:
    assert check_artifacts().ok
    for name in CONTRACT_NAMES:
        artifact = load_artifact(name)
        assert artifact.source_hash == source_hash()
        assert artifact.compiler.startswith("0.8.37+commit.")


def test_a_changed_source_makes_the_check_fail(contracts_copy: Path, tmp_path: Path) -> None:
    write_artifacts(compile_contracts(contracts_copy), tmp_path)
    assert check_artifacts(contracts_copy, tmp_path).ok
    source = contracts_copy / "RecordRegistry.sol"
    source.write_text(
        source.read_text().replace(
            "uint8 private constant _ROLE_ANCHORER = 16;", "uint8 private constant _ROLE_ANCHORER = 8;"
        )
    )
    result = check_artifacts(contracts_copy, tmp_path)
    # one source hash covers every source, so every artifact is now stale
    assert set(result.stale) == set(CONTRACT_NAMES)
    fresh = compile_contracts(contracts_copy)
    assert fresh["RecordRegistry"].bytecode != read_artifact("RecordRegistry", tmp_path).bytecode
    assert fresh["Membership"].bytecode == read_artifact("Membership", tmp_path).bytecode


def test_a_tampered_or_missing_artifact_is_stale(tmp_path: Path) -> None:
    write_artifacts(compile_contracts(), tmp_path)
    data = json.loads((tmp_path / "Membership.json").read_text())
    data["bytecode"] = data["bytecode"][:-2] + "00"
    (tmp_path / "Membership.json").write_text(json.dumps(data))
    (tmp_path / "AccessGrants.json").unlink()
    assert set(check_artifacts(directory=tmp_path).stale) == {"Membership", "AccessGrants"}
    with pytest.raises(ArtifactError, match="gridledger compile"):
        read_artifact("AccessGrants", tmp_path)
