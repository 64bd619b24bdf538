"""Language-neutral test vectors: made here, committed under tests/vectors, checked by tests.

``python -m tests.ledger.vectors`` rewrites them (only when the spec changes on purpose).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledger import merkle
from ledger.commitments import commitment, disclose, field_salt
from ledger.entries import Entry, EntryDomain
from ledger.receipts import Receipt
from ledger.types import to_address

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
SECRET = bytes(range(32))
KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
DOMAIN = EntryDomain(31337, to_address("0x5FbDB2315678afecb367f032d93F642f64180aa3"))
PAYLOADS: list[dict[str, Any]] = [
    {"name": "张伟", "id_number": "110101199003071234", "birth_date": "1990-03-07"},
    {"household": "3-2-501", "members": 4, "elderly": True, "notes": None, "income": 3500.5},
    {"z": 1, "a": [1, 2, {"b": "c"}], "é": "accent", "\u20ac": "euro"},
    {"only": "one field"},
]
RECORD_IDS = [f"00000000-0000-4000-8000-{i:012d}" for i in range(len(PAYLOADS))]


def build() -> dict[str, Any]:
    from eth_account import Account

    committer = to_address(Account.from_key(KEY).address)
    records = []
    entries = []
    for record_id, payload in zip(RECORD_IDS, PAYLOADS, strict=True):
        c = commitment(payload, SECRET)
        entry = Entry(record_id, "rc-sunshine", "household", 1, None, c, committer).signed(KEY, DOMAIN)
        entries.append(entry)
        records.append(
            {
                "record_id": record_id,
                "payload": payload,
                "record_secret": "0x" + SECRET.hex(),
                "salts": {name: "0x" + field_salt(SECRET, name).hex() for name in payload},
                "commitment": "0x" + c.hex(),
                "disclosure": disclose(record_id, payload, SECRET).to_json(),
                "entry": entry.to_json(),
                "entry_canonical": entry.canonical().decode(),
                "entry_digest": "0x" + entry.digest(DOMAIN).hex(),
            }
        )
    tree = merkle.levels([e.leaf() for e in entries])
    root = tree[-1][0]
    receipts = [
        Receipt(e, i, len(entries), tuple(merkle.inclusion_proof(i, tree)), b"\x0b" * 32, root, DOMAIN.chain_id,
                DOMAIN.registry, b"\x7a" * 32, 12, 1_800_000_000).to_json()
        for i, e in enumerate(entries)
    ]  # fmt: skip
    return {
        "description": "GridLedger commitments, entries and receipts (see ledger/commitments.py, ledger/entries.py)",
        "domain": {"chain_id": DOMAIN.chain_id, "registry": DOMAIN.registry},
        "committer": committer,
        "records": records,
        "batch_root": "0x" + root.hex(),
        "receipts": receipts,
    }


def write() -> None:
    VECTORS.mkdir(exist_ok=True)
    (VECTORS / "records.json").write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n")
    hashes = {}
    for n in (1, 2, 3, 5, 8, 13):
        leaves = [f"leaf-{i}".encode() for i in range(n)]
        hashed = [merkle.leaf_hash(x) for x in leaves]
        tree = merkle.levels(hashed)
        hashes[str(n)] = {
            "leaves": [x.decode() for x in leaves],
            "root": "0x" + merkle.root(hashed).hex(),
            "inclusion": [["0x" + p.hex() for p in merkle.inclusion_proof(i, tree)] for i in range(n)],
            "consistency": {
                str(m): ["0x" + p.hex() for p in merkle.consistency_proof(m, hashed)] for m in range(1, n + 1)
            },
        }
    (VECTORS / "merkle.json").write_text(json.dumps(hashes, indent=1) + "\n")


if __name__ == "__main__":
    write()
