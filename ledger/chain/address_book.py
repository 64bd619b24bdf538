"""The address book, and the typed clients of the deployment it names.

The address book is the one file a gateway or a verifier needs to find the contracts:
chain id, addresses, deployment block and the bytecode digests of the artifacts that
were deployed. A new deployment is a new address book (no upgrade proxies), so writing
over an existing one is refused unless forced.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ledger import fields as f
from ledger import ijson
from ledger.chain.client import ChainClient
from ledger.chain.contracts import GrantsClient, MembershipClient, RecordTypesClient, RegistryClient
from ledger.errors import AddressBookError, ChainMismatchError, DocumentError

ADDRESS_BOOK_FORMAT = "gridledger-address-book/1"
_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class AddressBook:
    """Where a deployment lives, and what was deployed."""

    chain_id: int
    membership: str
    registry: str
    grants: str
    record_types: str
    deployment_block: int
    deployer: str
    deployed_at: int
    artifacts: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"format": ADDRESS_BOOK_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: Any) -> AddressBook:
        """Parse strictly (docs/spec/documents.md §D-4): the book is the verifier's root of trust, so an
        unknown format, a missing or extra member, or a value of the wrong form is refused, never guessed at.
        Raises :class:`AddressBookError` naming the member."""
        try:
            if not isinstance(data, dict) or data.get("format") != ADDRESS_BOOK_FORMAT:
                raise f.FieldError(f"the format must be {ADDRESS_BOOK_FORMAT!r}")
            if "record_types" not in data:
                raise f.FieldError(
                    "it names no record_types contract: it is from before RecordTypes was deployed, so its "
                    "contracts lack record types and grant review; redeploy with `gridledger deploy --force`"
                )
            f.closed(data, {"format", *cls.__dataclass_fields__}, "the address book")
            artifacts = f.field(data, "artifacts", f.mapping)
            for name, digest in artifacts.items():
                if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
                    raise f.FieldError(f"artifacts.{str(name)[:40]} must be 64 lower-case hex digits")
            return cls(
                chain_id=f.field(data, "chain_id", f.integer(1, f.MAX_SAFE)),
                membership=f.field(data, "membership", f.address),
                registry=f.field(data, "registry", f.address),
                grants=f.field(data, "grants", f.address),
                record_types=f.field(data, "record_types", f.address),
                deployment_block=f.field(data, "deployment_block", f.integer(0, f.MAX_SAFE)),
                deployer=f.field(data, "deployer", f.address),
                deployed_at=f.field(data, "deployed_at", f.integer(0, f.MAX_SAFE)),
                artifacts=dict(artifacts),
            )
        except f.FieldError as exc:
            raise AddressBookError(f"not a valid address book: {exc}") from None


@dataclass(frozen=True)
class Deployment:
    """Typed clients of one deployment, bound to one chain client."""

    book: AddressBook
    chain: ChainClient
    membership: MembershipClient
    registry: RegistryClient
    grants: GrantsClient
    record_types: RecordTypesClient

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
            RecordTypesClient(chain, book.record_types),
        )


def read_address_book(path: Path) -> AddressBook:
    """Read the book as I-JSON and strictly (§J-1, §D-4); :class:`AddressBookError` names what is wrong."""
    try:
        document = ijson.loads(path.read_bytes(), "the address book")
    except FileNotFoundError:
        raise AddressBookError(f"no address book at {path}: run `gridledger deploy` first") from None
    except (DocumentError, OSError) as exc:
        raise AddressBookError(f"address book {path} is unreadable: {exc}") from None
    try:
        return AddressBook.from_json(document)
    except AddressBookError as exc:
        raise AddressBookError(f"address book {path}: {exc.message}") from None


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
        ("RecordTypes", deployment.book.record_types),
    ):
        if len(deployment.chain.code_at(address)) == 0:
            missing.append(name)
    return missing
