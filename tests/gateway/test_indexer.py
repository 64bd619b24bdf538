"""The grant indexer follows the chain, resumes, pages, and rebuilds after a rewind."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from gateway.db.models import Grant, IndexerState
from gateway.services import grant_index as indexer_module
from tests.gateway.conftest import Gateway


def _grant_ids(gw: Gateway) -> set[int]:
    with gw.container.sessions() as s:
        return set(s.scalars(select(Grant.id)))


def test_a_rewound_chain_rebuilds_the_copy(gateway: Gateway) -> None:
    admin = gateway.client(gateway.org.c1_admin)
    chain = gateway.container.chain
    expires = int(time.time()) + 3600
    kept = admin.grant("rc-sunshine", "sd-west", ["head"], "before", expires, record_type="household")
    snap = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    gone = admin.grant("rc-sunshine", "sd-west", ["members"], "after", expires, record_type="household")
    assert {kept["id"], gone["id"]} <= _grant_ids(gateway)
    chain.w3.provider.make_request("evm_revert", [snap])  # type: ignore[arg-type]
    chain.reset_nonces()
    chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    gateway.container.grant_index.sync()
    ids = _grant_ids(gateway)
    assert kept["id"] in ids and gone["id"] not in ids


def test_the_indexer_pages_in_small_windows_and_resumes(gateway: Gateway, monkeypatch: object) -> None:
    monkeypatch.setattr(indexer_module, "WINDOW", 3)  # type: ignore[attr-defined]
    with gateway.container.sessions() as s:
        s.query(Grant).delete()
        s.query(IndexerState).delete()
        s.commit()
    head = gateway.container.grant_index.sync()
    with gateway.container.sessions() as s:
        state = s.get(IndexerState, "grants")
        count = s.scalar(select(func.count(Grant.id)))
    assert state is not None and state.block == head
    assert count == gateway.container.deployment().grants.grant_count()
    assert gateway.container.grant_index.sync() == head  # nothing new: resumes at the head
