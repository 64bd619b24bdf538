"""Deploy and wire the contracts (an operator's job; the address book is in :mod:`ledger.chain.address_book`)."""

from __future__ import annotations

import time

from eth_account.signers.local import LocalAccount

from ledger.chain.address_book import AddressBook, Deployment
from ledger.chain.artifacts import CONTRACT_NAMES, load_artifact
from ledger.chain.client import ChainClient
from ledger.purposes import PURPOSE_CODES
from ledger.type_versions import builtin_versions
from ledger.types import OrgKind, Role


def deploy(chain: ChainClient, deployer: LocalAccount, *, operator_org: str | None = None) -> Deployment:
    """Deploy Membership, RecordTypes, AccessGrants and RecordRegistry, wired to one another.

    The deployer becomes the consortium admin, and as such registers the shipped standards:
    every purpose code of :data:`ledger.purposes.PURPOSE_CODES` and the first version of every
    built-in record type (:func:`ledger.type_versions.builtin_versions`). With ``operator_org``
    it also registers the consortium operator's organisation and joins it as admin and
    anchorer, so the gateway it runs can anchor at once.
    """
    membership, receipt = chain.deploy(deployer, "Membership", deployer.address)
    record_types, _ = chain.deploy(deployer, "RecordTypes", membership)
    grants, _ = chain.deploy(deployer, "AccessGrants", membership, record_types)
    registry, _ = chain.deploy(deployer, "RecordRegistry", membership)
    book = AddressBook(
        chain_id=chain.chain_id,
        membership=membership,
        registry=registry,
        grants=grants,
        record_types=record_types,
        deployment_block=int(receipt["blockNumber"]),
        deployer=deployer.address,
        deployed_at=int(time.time()),
        artifacts={name: load_artifact(name).digest for name in CONTRACT_NAMES},
    )
    deployment = Deployment.connect(chain, book)
    register_standards(deployment, deployer)
    if operator_org:
        deployment.membership.register_org(deployer, operator_org, OrgKind.OPERATOR, "Consortium operator")
        deployment.membership.add_member(deployer, deployer.address, operator_org, Role.ADMIN | Role.ANCHORER)
    return deployment


def register_standards(deployment: Deployment, admin: LocalAccount) -> None:
    """Register the shipped purpose codes and built-in type versions as ``admin`` (the consortium admin).

    The transactions are all sent first and waited for once at the end: none depends on
    another (each built-in type starts its own line), and each is checked by gas estimation
    before it is sent, so a refusal still arrives as the contract's error.
    """
    types, chain = deployment.record_types, deployment.chain
    calls = [types.register_purpose_function(code) for code in PURPOSE_CODES]
    calls += [
        types.register_version_function(v.name, v.version_hash, None, v.sensitive_fields) for v in builtin_versions()
    ]
    sent = [chain.send(admin, call) for call in calls]
    for tx_hash in sent:
        chain.wait(tx_hash)
