"""Deprecated location of the SDK, kept for one release: use :mod:`ledger.client.gateway`."""

from ledger.client.gateway import GatewayClient, GatewayClientError, prepare_commit

__all__ = ["GatewayClient", "GatewayClientError", "prepare_commit"]
