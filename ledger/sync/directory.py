"""Which gateways hold what an organisation was granted: read from the chain, not from a list someone keeps.

Every grant to the organisation is a ``GrantCreated`` event with the grantee indexed; each
live one (read back with ``getGrant``: not revoked, not expired by the chain's clock) names
an owner, and the owner's gateway is the URL its admin published in ``Membership``
(``gatewayOf``) — or, where a committee published none, its subdistrict's (one gateway per
subdistrict is the deployment docs/deploy.md describes). Grant scopes and fields are not
needed here: each gateway's listing says exactly what may be read through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.chain.address_book import Deployment
from ledger.types import slug_to_bytes32


@dataclass
class GatewayDirectory:
    """Gateway URL → the organisations whose grants are served there; and grantors with no gateway."""

    gateways: dict[str, set[str]] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)


def grantors(deployment: Deployment, grantee: str) -> set[str]:
    """The owners of every grant to ``grantee`` that is live now, by the chain's own clock."""
    grants = deployment.grants
    now = deployment.chain.latest_block_time()
    logs = grants.logs("GrantCreated", deployment.book.deployment_block, deployment.chain.block_number(),
                       argument_filters={"granteeOrg": slug_to_bytes32(grantee)})  # fmt: skip
    owners: set[str] = set()
    for log in logs:
        info = grants.get_grant(int(log["args"]["grantId"]))
        if info.grantee_org == grantee and not info.revoked_at and info.expires_at > now:
            owners.add(info.owner_org)
    return owners


def gateway_directory(deployment: Deployment, grantee: str) -> GatewayDirectory:
    """Where each live grantor of ``grantee`` serves its records, as published on-chain."""
    found = GatewayDirectory()
    membership = deployment.membership
    for owner in sorted(grantors(deployment, grantee)):
        url = membership.gateway_of(owner)
        if url is None:
            info = membership.get_org(owner)
            url = membership.gateway_of(info.parent) if info is not None and info.parent else None
        if url is None:
            found.unreachable.add(owner)
        else:
            found.gateways.setdefault(url, set()).add(owner)
    return found
