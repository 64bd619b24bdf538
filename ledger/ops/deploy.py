"""Deploy and wire the contracts (an operator's job; the address book is in :mod:`ledger.chain.address_book`)."""

from __future__ import annotations

import time

from eth_account.signers.local import LocalAccount

from ledger.chain.address_book import AddressBook, Deployment
from ledger.chain.artifacts import CONTRACT_NAMES, load_artifact
from ledger.chain.client import ChainClient
from ledger.types import OrgKind, Role


def deploy(chain: ChainClient, deployer: LocalAccount, *, operator_org: str | None = None) -> Deployment:
    """Deploy Membership, RecordRegistry and AccessGrants, wired to one another.

    The deployer becomes the consortium admin. With ``operator_org`` it also registers the
    consortium operator's organisation and joins it as admin and anchorer, so the gateway
    it runs can anchor at once.
    """
    membership, receipt = chain.deploy(deployer, "Membership", deployer.address)
    registry, _ = chain.deploy(deployer, "RecordRegistry", membership)
    grants, _ = chain.deploy(deployer, "AccessGrants", membership)
    book = AddressBook(
        chain_id=chain.chain_id,
        membership=membership,
        registry=registry,
        grants=grants,
        deployment_block=int(receipt["blockNumber"]),
        deployer=deployer.address,
        deployed_at=int(time.time()),
        artifacts={name: load_artifact(name).digest for name in CONTRACT_NAMES},
    )
    deployment = Deployment.connect(chain, book)
    if operator_org:
        deployment.membership.register_org(deployer, operator_org, OrgKind.OPERATOR, "Consortium operator")
        deployment.membership.add_member(deployer, deployer.address, operator_org, Role.ADMIN | Role.ANCHORER)
    return deployment
