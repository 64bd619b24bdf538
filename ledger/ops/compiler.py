"""Compile ``contracts/*.sol`` with the pinned npm ``solc``, through py-solc-x.

py-solc-x cannot download native solc on these machines, so ``contracts/solc-shim.cjs``
stands in for the ``solc`` binary: it answers ``--version`` and ``--standard-json`` with
solcjs and resolves OpenZeppelin imports from ``contracts/node_modules``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solcx
from solcx.exceptions import SolcError

from ledger.chain.artifacts import ARTIFACTS_DIR, CONTRACT_NAMES, Artifact, read_artifact, write_artifact
from ledger.errors import ArtifactError, ToolchainError
from ledger.ops.checkout import CONTRACTS_DIR

EVM_VERSION = "cancun"  # what Hyperledger Besu and GoQuorum QBFT networks run
SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": EVM_VERSION,
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of comparing committed artifacts with a fresh compile."""

    stale: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.stale


def source_files(contracts_dir: Path = CONTRACTS_DIR) -> dict[str, str]:
    """Our Solidity sources, keyed by path relative to ``contracts_dir``."""
    files = sorted(p for p in contracts_dir.rglob("*.sol") if "node_modules" not in p.parts)
    if not files:
        raise ToolchainError(f"no Solidity sources under {contracts_dir}")
    return {p.relative_to(contracts_dir).as_posix(): p.read_text() for p in files}


def pinned_versions(contracts_dir: Path = CONTRACTS_DIR) -> dict[str, str]:
    """The npm packages that shape the bytecode, as pinned in ``contracts/package.json``."""
    deps: dict[str, str] = json.loads((contracts_dir / "package.json").read_text())["dependencies"]
    return {name: deps[name] for name in ("solc", "@openzeppelin/contracts")}


def source_hash(contracts_dir: Path = CONTRACTS_DIR) -> str:
    """SHA-256 over sources, pinned compiler and library versions, and settings."""
    material = {"sources": source_files(contracts_dir), "pins": pinned_versions(contracts_dir), "settings": SETTINGS}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def shim_path(contracts_dir: Path = CONTRACTS_DIR) -> Path:
    """The solc shim, after checking that node and the npm packages are installed."""
    if shutil.which("node") is None:
        raise ToolchainError("node is not installed: install Node.js 20+ (apt-get install nodejs)")
    if not (contracts_dir / "node_modules" / "solc").is_dir():
        raise ToolchainError(
            f"npm solc is not installed: run `npm install --prefix {contracts_dir}` (or ./scripts/bootstrap)"
        )
    return contracts_dir / "solc-shim.cjs"


def compile_contracts(contracts_dir: Path = CONTRACTS_DIR) -> dict[str, Artifact]:
    """Compile every source; return the artifacts of the deployable contracts."""
    shim = shim_path(contracts_dir)
    sources = source_files(contracts_dir)
    digest = source_hash(contracts_dir)
    try:
        version = str(solcx.wrapper.get_version_str_from_solc_binary(shim))
        output = solcx.compile_standard(
            {"language": "Solidity", "sources": {k: {"content": v} for k, v in sources.items()}, "settings": SETTINGS},
            solc_binary=shim,
        )
    except SolcError as exc:
        first = str(getattr(exc, "message", exc)).strip().splitlines()[:6]
        raise ToolchainError("solc failed: " + "\n".join(first)) from exc
    artifacts: dict[str, Artifact] = {}
    for path, contracts in output["contracts"].items():
        for name, data in contracts.items():
            if name in CONTRACT_NAMES and path == f"{name}.sol":
                artifacts[name] = Artifact(
                    name=name,
                    abi=data["abi"],
                    bytecode="0x" + data["evm"]["bytecode"]["object"],
                    deployed_bytecode="0x" + data["evm"]["deployedBytecode"]["object"],
                    compiler=version,
                    source_hash=digest,
                )
    missing = set(CONTRACT_NAMES) - set(artifacts)
    if missing:
        raise ToolchainError(f"solc produced no artifact for {', '.join(sorted(missing))}")
    return artifacts


def write_artifacts(artifacts: dict[str, Artifact], directory: Path = ARTIFACTS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [write_artifact(a, directory) for a in artifacts.values()]


def check_artifacts(contracts_dir: Path = CONTRACTS_DIR, directory: Path = ARTIFACTS_DIR) -> CheckResult:
    """Recompile and list the contracts whose committed artifact differs (or is missing)."""
    fresh = compile_contracts(contracts_dir)
    stale: list[str] = []
    for name, artifact in fresh.items():
        try:
            committed = read_artifact(name, directory)
        except ArtifactError:
            stale.append(name)
            continue
        same = (committed.bytecode, committed.abi, committed.source_hash) == (
            artifact.bytecode,
            artifact.abi,
            artifact.source_hash,
        )
        if not same:
            stale.append(name)
    return CheckResult(stale=tuple(stale))


__all__ = [
    "CONTRACTS_DIR",
    "CheckResult",
    "check_artifacts",
    "compile_contracts",
    "source_hash",
    "write_artifacts",
]
