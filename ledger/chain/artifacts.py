"""Compiled contract artifacts, committed under ``ledger/chain/artifacts/``.

They let a department verify with ``pip install gridledger`` alone: no compiler, no
Node. Each artifact is stamped with the compiler version and a hash of the sources and
settings it was built from, so ``gridledger compile --check`` can tell when they drift.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ledger.errors import ArtifactError

ARTIFACTS_DIR = Path(__file__).with_name("artifacts")
CONTRACT_NAMES = ("Membership", "RecordTypes", "RecordRegistry", "AccessGrants")


@dataclass(frozen=True)
class Artifact:
    """One contract's ABI and bytecode, as committed."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str
    compiler: str
    source_hash: str

    @property
    def digest(self) -> str:
        """SHA-256 of the creation bytecode: what an address book pins."""
        return hashlib.sha256(bytes.fromhex(self.bytecode.removeprefix("0x"))).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {
            "contractName": self.name,
            "compiler": self.compiler,
            "sourceHash": self.source_hash,
            "abi": self.abi,
            "bytecode": self.bytecode,
            "deployedBytecode": self.deployed_bytecode,
        }


def artifact_path(name: str, directory: Path = ARTIFACTS_DIR) -> Path:
    return directory / f"{name}.json"


def read_artifact(name: str, directory: Path = ARTIFACTS_DIR) -> Artifact:
    """Read one artifact; raise :class:`ArtifactError` when it is missing or malformed."""
    path = artifact_path(name, directory)
    try:
        data = json.loads(path.read_text())
        return Artifact(
            name=data["contractName"],
            abi=data["abi"],
            bytecode=data["bytecode"],
            deployed_bytecode=data["deployedBytecode"],
            compiler=data["compiler"],
            source_hash=data["sourceHash"],
        )
    except FileNotFoundError:
        raise ArtifactError(f"artifact {path} is missing: run `gridledger compile`") from None
    except (ValueError, KeyError) as exc:
        raise ArtifactError(f"artifact {path} is unreadable ({exc}): run `gridledger compile`") from exc


@cache
def load_artifact(name: str) -> Artifact:
    """The committed artifact of ``name``, read once per process."""
    return read_artifact(name)


def write_artifact(artifact: Artifact, directory: Path = ARTIFACTS_DIR) -> Path:
    path = artifact_path(artifact.name, directory)
    path.write_text(json.dumps(artifact.to_json(), indent=1, sort_keys=True) + "\n")
    return path
