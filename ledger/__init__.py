"""GridLedger on a member's machine: verify records against the chain, talk to a gateway.

The base install (``pip install gridledger``) is this package alone: no web server, no
database, no compiler. The names below are the public API, pinned by
``tests/ledger/test_public_api.py``; anything else may move between releases.

    from ledger import ChainClient, Deployment, Disclosure, Receipt, read_address_book, verify

    book = read_address_book(Path("addressbook.json"))          # your own copy, never the receipt's
    deployment = Deployment.connect(ChainClient("http://node:8545"), book)
    verdict = verify(Receipt.from_json(receipt_json), Disclosure.from_json(record_json), deployment)
"""

from ledger.chain.address_book import AddressBook, Deployment, read_address_book
from ledger.chain.client import ChainClient
from ledger.client.access_log import LogVerdict, verify_access_log
from ledger.client.errors import GatewayClientError
from ledger.client.gateway import GatewayClient, prepare_commit
from ledger.commitments import Disclosure, commitment, disclose, verify_disclosure
from ledger.config import ClientSettings
from ledger.entries import Entry, EntryDomain
from ledger.errors import ChainError, LedgerError, PayloadError, ProofError, VerificationError
from ledger.keys import create_keystore, load_keystore
from ledger.receipts import Receipt
from ledger.verify import Verdict, verify

__all__ = [
    "AddressBook",
    "ChainClient",
    "ChainError",
    "ClientSettings",
    "Deployment",
    "Disclosure",
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
]
