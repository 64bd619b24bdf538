"""GridLedger on a member's machine: verify records against the chain, talk to a gateway.

The base install (``pip install gridledger``) is this package alone: no web server, no
database, no compiler. The names below are the public API, pinned by
``tests/ledger/test_public_api.py``; anything else may move between releases.

    from ledger import ChainClient, Deployment, DeploymentChain, read_address_book, verify_texts

    book = read_address_book(Path("addressbook.json"))          # your own copy, never the receipt's
    chain = lambda: DeploymentChain(Deployment.connect(ChainClient("http://node:8545"), book))
    verdict = verify_texts(Path("receipt.json").read_bytes(), Path("record.json").read_bytes(), book, chain)
    verdict.valid, verdict.check, verdict.problems    # check: the spec's code of the first failed check

The checks, their order and their codes are docs/spec/verification.md.
"""

from ledger.chain.address_book import AddressBook, Deployment, read_address_book
from ledger.chain.client import ChainClient
from ledger.chain.view import ChainView, DeploymentChain
from ledger.client.access_log import LogVerdict, verify_access_log
from ledger.client.errors import GatewayClientError
from ledger.client.gateway import GatewayClient, prepare_commit
from ledger.commitments import Disclosure, commitment, disclose, verify_disclosure
from ledger.config import ClientSettings
from ledger.entries import Entry, EntryDomain
from ledger.errors import ChainError, DocumentError, LedgerError, PayloadError, ProofError, VerificationError
from ledger.keys import create_keystore, load_keystore
from ledger.receipts import Receipt
from ledger.verify import Verdict, verify, verify_texts, verify_with

__all__ = [
    "AddressBook",
    "ChainClient",
    "ChainError",
    "ChainView",
    "ClientSettings",
    "Deployment",
    "DeploymentChain",
    "Disclosure",
    "DocumentError",
    "Entry",
    "EntryDomain",
    "GatewayClient",
    "GatewayClientError",
    "LedgerError",
    "LogVerdict",
    "PayloadError",
    "ProofError",
    "Receipt",
    "Verdict",
    "VerificationError",
    "commitment",
    "create_keystore",
    "disclose",
    "load_keystore",
    "prepare_commit",
    "read_address_book",
    "verify",
    "verify_access_log",
    "verify_disclosure",
    "verify_texts",
    "verify_with",
]
