"""Where the operator tools find the repository checkout they need (contracts, npm tools)."""

from __future__ import annotations

from pathlib import Path

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts"
"""The Solidity sources and ``node_modules`` (npm solc, OpenZeppelin, anvil) of this checkout."""
