"""The address book, and the typed clients of the deployment it names.

The address book is the one file a gateway or a verifier needs to find the contracts:
chain id, addresses, deployment block and the bytecode digests of the artifacts that
were deployed. A new deployment is a new address book (no upgrade proxies), so writing
over an existing one is refused unless forced.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ledger.chain.client import ChainClient
from ledger.chain.contracts import GrantsClient, MembershipClient, RegistryClient
from ledger.errors import AddressBookError, ChainMismatchError


@dataclass(frozen=True)
class AddressBook:
    """Where a deployment lives, and what was deployed."""

    chain_id: int
    membership: str
    registry: str
    grants: str
    deployment_block: int
    deployer: str
    deployed_at: int
    artifacts: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"format": "gridledger-address-book/1", **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AddressBook:
        fields = {k: data[k] for k in cls.__dataclass_fields__}
        return cls(**fields)


@dataclass(frozen=True)
class Deployment:
    """Typed clients of one deployment, bound to one chain client."""

    book: AddressBook
    chain: ChainClient
    membership: MembershipClient
    registry: RegistryClient
    grants: GrantsClient

    @classmethod
    def connect(cls, chain: ChainClient, book: AddressBook, *, check_chain_id: bool = True) -> Deployment:
        if check_chain_id and chain.chain_id != book.chain_id:
            raise ChainMismatchError(
                f"the node at {chain.rpc_url} runs chain {chain.chain_id}, but the address book is for chain "
                f"{book.chain_id}: pass the right --rpc, or redeploy with `gridledger deploy --force`"
            )
        return cls(
            book,
            chain,
            MembershipClient(chain, book.membership),
            RegistryClient(chain, book.registry),
            GrantsClient(chain, book.grants),
        )


def read_address_book(path: Path) -> AddressBook:
    try:
        return AddressBook.from_json(json.loads(path.read_text()))
    except FileNotFoundError:
        raise AddressBookError(f"no address book at {path}: run `gridledger deploy` first") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise AddressBookError(f"address book {path} is unreadable: {exc}") from exc


def write_address_book(path: Path, book: AddressBook, *, force: bool = False) -> None:
    """Write atomically; refuse to replace an existing book unless ``force``."""
    if path.exists() and not force:
        raise AddressBookError(f"an address book already exists at {path}: pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".addressbook-")
    with os.fdopen(fd, "w") as fh:
        json.dump(book.to_json(), fh, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def check_deployed(deployment: Deployment) -> list[str]:
    """Names of contracts whose code is missing at their address (empty when all are there)."""
    missing = []
    for name, address in (
        ("Membership", deployment.book.membership),
        ("RecordRegistry", deployment.book.registry),
        ("AccessGrants", deployment.book.grants),
    ):
        if len(deployment.chain.code_at(address)) == 0:
            missing.append(name)
    return missing
