"""The README.md of an export: how a person checks it, with or without GridLedger installed.

It is hashed in the manifest like every other file, so the instructions a reader follows
are the exporter's, unaltered.
"""

from __future__ import annotations

from ledger.export import layout

_TEXT = """\
# GridLedger export

Exported by {address} of organisation `{org}` at {exported_at}, on chain {chain_id}
(registry {registry}), as of block {block}: {records} record versions ({erased} erased),
{log_entries} access-log entries, {anchored_heads} anchored access-log heads.

**This directory holds personal data** (the records' payloads). Keep it as you would the
records themselves.

## Check it

On any machine, with only the base package and any node of the chain:

    pip install gridledger
    gridledger verify-export THIS_DIRECTORY --rpc URL_OF_A_CHAIN_NODE --address-book YOUR_ADDRESS_BOOK

It exits 0 when everything holds, 1 when anything does not (each problem on its own line),
and 2 when it cannot check at all (not an export, no address book, no node answering).

`YOUR_ADDRESS_BOOK` is the consortium's address book as *you* obtained it, not the copy in
this directory: the chain id and the contracts you trust must never come from the thing
being checked. (`--trust-export-address-book` uses the copy here instead, with a warning.)

## What is checked, and how to do it by hand

The normative description is `docs/spec/export.md` (format `{format}`) in the GridLedger
sources. In short:

1. `manifest.sig` is `0x` and the hex of an EIP-191 (`personal_sign`) signature over the
   exact bytes of `manifest.json`; it recovers to the exporter named there, who was a member
   of that organisation at the manifest's block (`Membership.membershipAt`).
2. Every other file's SHA-256 is listed in `manifest.json`; none is missing, none is extra.
3. `addressbook.json` names the same chain and contracts as your own address book.
4. Each `records/ID.receipt.json` (with `records/ID.disclosure.json` unless the record was
   erased) verifies as `gridledger verify DISCLOSURE --receipt RECEIPT` would: fields against
   the commitment, the committer's signature, inclusion in the batch root, the root on-chain,
   the committer a recorder of the owner at that block. An erased record keeps its entry and
   receipt, which stay valid; its payload and salts are gone, so it has no disclosure.
5. Versions: a record that supersedes another one in this export is its version + 1, of the
   same owner and type.
6. `access-log/heads.json`: its anchored heads are the first ones the registry holds for this
   log (`logHeadAt`), each consistent with the one before (RFC 6962 consistency proofs); the
   current head is consistent with the newest anchored one and signed by an anchorer of the
   log's organisation. Every line of `access-log/entries.jsonl` is an entry whose leaf
   (`SHA-256(0x00 || leaf)`) is included in the current head at its index.
"""


def readme(manifest: layout.Manifest) -> str:
    return _TEXT.format(
        address=manifest.exporter, org=manifest.org, exported_at=manifest.exported_at, chain_id=manifest.chain_id,
        registry=manifest.registry, block=manifest.block, format=layout.EXPORT_FORMAT, **manifest.counts,
    )  # fmt: skip
