"""Every way a hostile DBA can change the database is found by the integrity sweep.

One quiet gateway per database backend (its worker driven by hand, so a record can be
left pending) holds a small world: batches of several records and of one, a pending
record, an erased record, records with subjects, an active and a revoked grant, reads
before and after an anchored log head. Each case changes rows behind the gateway's back,
sweeps, expects the named problem, and restores every table exactly as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from gateway.app import create_app
from gateway.db.models import (
    AccessLogEntry,
    Base,
    Batch,
    Grant,
    GrantPurpose,
    LogState,
    OutboxItem,
    Payload,
    Record,
    SubjectIndex,
)
from gateway.security.operator_key import operator_account
from gateway.services.access_log import leaf_document
from gateway.services.integrity import _rows_unlike_leaves
from gateway.workers.anchoring import AnchoringWorker
from ledger import merkle
from ledger.chain.address_book import Deployment
from ledger.client.gateway import GatewayClientError
from ledger.commitments import canonical
from tests.conftest import Consortium
from tests.gateway.conftest import Gateway, fresh_database, gateway_settings

HOUSEHOLD = {"address": "5-5-505", "head": "He Ping", "members": 3}
# tables in an order that inserts satisfy foreign keys; deletes go in reverse
TABLES = [
    "batches",
    "records",
    "payloads",
    "outbox",
    "subject_index",
    "access_log",
    "grants",
    "grant_purposes",
    "log_state",
]


@dataclass
class World:
    gw: Gateway
    worker: AnchoringWorker
    batch4: list[str] = field(default_factory=list)  # four records anchored in one batch (the last erased)
    lone: str = ""  # the only record of its batch
    with_subject: str = ""  # anchored, with a subject key
    pending: str = ""  # never anchored
    grant: int = 0
    revoked: int = 0
    earlier_state: dict[str, Any] = field(default_factory=dict)  # log_state before the last read

    def sweep(self) -> list[dict[str, str]]:
        office = self.gw.client(self.gw.org.sd_admin)
        found: list[dict[str, str]] = []
        after: str | None = None
        while True:
            page = office.request("GET", "/v1/audit/integrity" + (f"?after={after}" if after else ""))
            found += page["mismatches"]
            after = page["next"]
            if after is None:
                return found


def _anchor_all(world_gw: Gateway, worker: AnchoringWorker, deadline: float = 60) -> None:
    end = time.monotonic() + deadline
    while True:
        with world_gw.container.sessions() as s:
            left = s.scalar(select(OutboxItem.id).limit(1))
        if left is None:
            return
        assert time.monotonic() < end, "records were not anchored"
        if not worker.run_once():
            time.sleep(0.05)


def _anchor_log(world: World) -> None:
    world.gw.container.request_log_anchor()
    worker = world.worker
    worker._last_log_anchor = 0.0  # due now
    assert worker.anchor_log_head()


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
    database_kind: str,
    deployment: Deployment,
    admin: LocalAccount,
    org: Consortium,
) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("tamper")
    with fresh_database(database_kind, directory) as url:
        settings = gateway_settings(directory / "gw", url, deployment, admin, anchoring=False, batch_max_age=0.01)
        with TestClient(create_app(settings)) as http:
            gw = Gateway(http, http.app.state.container, org)  # type: ignore[attr-defined]
            w = World(gw, AnchoringWorker(gw.container, operator_account(gw.container.settings)))
            recorder, admin_c = gw.client(org.c1_recorder), gw.client(org.c1_admin)
            items = [recorder.prepare("household", {**HOUSEHOLD, "members": n}) for n in (1, 2, 3, 4)]
            recorder.commit_prepared(items)
            w.batch4 = [i["id"] for i in items]
            _anchor_all(gw, w.worker)
            w.lone = recorder.commit("meeting", {"date": "2026-11-05", "topic": "alone"})["id"]
            _anchor_all(gw, w.worker)
            prepared = recorder.prepare(
                "household", {**HOUSEHOLD, "head": "Subject Person", "head_id_number": "110101199912311234"}
            )
            w.with_subject = recorder.request("POST", "/v1/records", prepared)["id"]
            _anchor_all(gw, w.worker)
            w.pending = recorder.commit("household", {**HOUSEHOLD, "members": 9})["id"]
            now = gw.container.now()
            w.grant = admin_c.grant("rc-sunshine", "civil-affairs", ["head"], "care", now + 86_400,
                                    record_type="household")["id"]  # fmt: skip
            w.revoked = admin_c.grant("rc-sunshine", "civil-affairs", ["members"], "gone", now + 86_400,
                                      record=w.batch4[0])["id"]  # fmt: skip
            admin_c.revoke(w.revoked)
            admin_c.erase(w.batch4[3])
            dept = gw.client(org.dept_verifier)
            dept.get(w.batch4[0])
            dept.get(w.with_subject)
            _anchor_log(w)
            dept.get(w.batch4[1])
            with gw.container.sessions() as s:
                w.earlier_state = _row(s, LogState, LogState.id == 1)
            dept.get(w.batch4[2])  # the un-anchored tail: two entries after the anchored head
            yield w


def _row(session: Session, model: type, where: Any) -> dict[str, Any]:
    return dict(session.execute(select(model.__table__).where(where)).mappings().one())  # type: ignore[attr-defined]


@pytest.fixture
def restored(world: World) -> Iterator[World]:
    """Snapshot every table and restore it after the case."""
    tables = {name: Base.metadata.tables[name] for name in TABLES}
    with world.gw.container.sessions() as s:
        saved = {name: [dict(r) for r in s.execute(select(t)).mappings()] for name, t in tables.items()}
    try:
        yield world
    finally:
        with world.gw.container.sessions() as s:
            for name in reversed(TABLES):
                s.execute(delete(tables[name]))
            for name in TABLES:
                rows = saved[name]
                if name == "records":
                    rows = sorted(rows, key=lambda r: r["version"])
                if rows:
                    s.execute(insert(tables[name]), rows)
            s.commit()


def _set(model: type, where: Any, **values: Any) -> Callable[[Session, World], None]:
    def apply(s: Session, w: World) -> None:
        s.execute(update(model).where(where(w)).values(**values))

    return apply


def _delete(model: type, where: Any) -> Callable[[Session, World], None]:
    def apply(s: Session, w: World) -> None:
        s.execute(delete(model).where(where(w)))

    return apply


def _flip_ciphertext(s: Session, w: World) -> None:
    stored = s.get(Payload, w.batch4[0])
    assert stored is not None
    s.execute(
        update(Payload)
        .where(Payload.record_id == w.batch4[0])
        .values(ciphertext=stored.ciphertext[:-1] + bytes([stored.ciphertext[-1] ^ 1]))
    )


def _fake_erasure(s: Session, w: World) -> None:
    s.execute(delete(Payload).where(Payload.record_id == w.batch4[1]))
    s.execute(update(Record).where(Record.id == w.batch4[1]).values(erased_at=Record.created_at, erased_by="0x0"))


def _unerase(s: Session, w: World) -> None:
    source = s.get(Payload, w.batch4[0])
    assert source is not None
    s.execute(insert(Payload).values(record_id=w.batch4[3], ciphertext=source.ciphertext,
                                     wrapped_key=source.wrapped_key, key_id=source.key_id))  # fmt: skip


def _batch_of(w: World, record: str) -> Callable[[Session], bytes]:
    def find(s: Session) -> bytes:
        value = s.scalar(select(Record.batch_id).where(Record.id == record))
        assert value is not None
        return bytes(value)

    return find


def _delete_batch_and_records(s: Session, w: World) -> None:
    batch_id = _batch_of(w, w.lone)(s)
    s.execute(delete(Payload).where(Payload.record_id == w.lone))
    s.execute(delete(Record).where(Record.id == w.lone))
    s.execute(delete(Batch).where(Batch.id == batch_id))


def _delete_lone_record(s: Session, w: World) -> None:
    s.execute(delete(Payload).where(Payload.record_id == w.lone))
    s.execute(delete(Record).where(Record.id == w.lone))


def _lone_batch(**values: Any) -> Callable[[Session, World], None]:
    def apply(s: Session, w: World) -> None:
        s.execute(update(Batch).where(Batch.id == _batch_of(w, w.lone)(s)).values(**values))

    return apply


def _rewrite_log_row(idx_of: Callable[[Session], int], consistently: bool) -> Callable[[Session, World], None]:
    def apply(s: Session, w: World) -> None:
        idx = idx_of(s)
        values: dict[str, Any] = {"purpose": "tampered"}
        if consistently:  # the leaf rewritten to match: only a signed or anchored root can tell
            row = s.get(AccessLogEntry, idx)
            assert row is not None
            from gateway.services.access_log import leaf_document

            doc = leaf_document(row)
            doc["purpose"] = "tampered"
            values["leaf"] = canonical(doc)
        s.execute(update(AccessLogEntry).where(AccessLogEntry.idx == idx).values(**values))

    return apply


def _newest(s: Session) -> int:
    value = s.scalar(select(AccessLogEntry.idx).order_by(AccessLogEntry.idx.desc()).limit(1))
    assert value is not None
    return int(value)


def _truncate_tail(s: Session, w: World) -> None:
    s.execute(delete(AccessLogEntry).where(AccessLogEntry.idx == _newest(s)))
    state = {k: v for k, v in w.earlier_state.items() if k != "id"}
    s.execute(update(LogState).where(LogState.id == 1).values(**state))


def _forge_tail_and_edge(s: Session, w: World) -> None:
    """Rewrite the newest row and its leaf, and recompute the tree's edge to match the forgery."""
    _rewrite_log_row(_newest, consistently=True)(s, w)
    frontier = merkle.Frontier()
    for leaf in s.scalars(select(AccessLogEntry.leaf).order_by(AccessLogEntry.idx)):
        frontier.push(merkle.leaf_hash(bytes(leaf)))
    s.execute(update(LogState).where(LogState.id == 1).values(peaks=frontier.to_bytes()))


def _shrink_batch(s: Session, w: World) -> None:
    """Delete a record of an anchored batch and make the batch row agree with what is left."""
    batch_id = _batch_of(w, w.batch4[1])(s)
    s.execute(delete(Payload).where(Payload.record_id == w.batch4[1]))
    s.execute(delete(Record).where(Record.id == w.batch4[1]))
    left = [
        bytes(x) for x in s.scalars(select(Record.entry_leaf).where(Record.batch_id == batch_id).order_by(Record.id))
    ]
    s.execute(update(Batch).where(Batch.id == batch_id).values(size=len(left), root=merkle.root(left)))


def _unanchor_batch(s: Session, w: World) -> None:
    """Mark an anchored batch as sending, leased for ten years: nobody would ever send or finish it."""
    batch_id = _batch_of(w, w.lone)(s)
    s.execute(update(Batch).where(Batch.id == batch_id).values(
        status="sending", lease_owner="x", lease_until=datetime.now(UTC) + timedelta(days=3650)))  # fmt: skip
    s.execute(update(Record).where(Record.id == w.lone).values(status="pending"))


def _erased_subject_added(s: Session, w: World) -> None:
    s.execute(insert(SubjectIndex).values(subject_key="cd" * 32, record_id=w.batch4[3]))


def _supersede(s: Session, w: World) -> None:
    s.execute(update(Record).where(Record.id == w.batch4[1]).values(supersedes=w.batch4[0]))


def _fake_grant(s: Session, w: World) -> None:
    row = {c: v for c, v in _row(s, Grant, Grant.id == w.grant).items()}
    row["id"] = 10_000
    s.execute(insert(Grant).values(**row))


CASES: dict[str, tuple[Callable[[Session, World], None], str, str]] = {
    # records
    "payload ciphertext flipped": (_flip_ciphertext, "record", "payload does not decrypt"),
    "payload row deleted": (
        _delete(Payload, lambda w: Payload.record_id == w.batch4[1]),
        "record",
        "payload row is missing",
    ),
    "entry rewritten": (
        _set(Record, lambda w: Record.id == w.batch4[2], entry=b'{"format":1}'),
        "record",
        "entry is invalid",
    ),
    "owner column changed": (
        _set(Record, lambda w: Record.id == w.batch4[0], owner_org="rc-harmony"),
        "record",
        "owner_org",
    ),
    "type column changed": (
        _set(Record, lambda w: Record.id == w.batch4[0], record_type="meeting"),
        "record",
        "record_type",
    ),
    "version column changed": (_set(Record, lambda w: Record.id == w.batch4[0], version=2), "record", "version"),
    "committer column changed": (
        _set(Record, lambda w: Record.id == w.batch4[0], committer="0x" + "1" * 40),
        "record",
        "committer",
    ),
    "supersedes column set": (_supersede, "record", "supersedes"),
    "status anchored to pending": (
        _set(Record, lambda w: Record.id == w.batch4[0], status="pending"),
        "record",
        "status says pending but its batch is anchored",
    ),
    "status pending to anchored": (
        _set(Record, lambda w: Record.id == w.pending, status="anchored"),
        "record",
        "status says anchored but it is in no anchored batch",
    ),
    "pending record unqueued": (
        _delete(OutboxItem, lambda w: OutboxItem.record_id == w.pending),
        "record",
        "not queued for anchoring",
    ),
    "fake erasure": (_fake_erasure, "record", "erased without a logged erasure"),
    "erased payload put back": (_unerase, "record", "erased but its payload is still stored"),
    "subject index row deleted": (
        _delete(SubjectIndex, lambda w: SubjectIndex.record_id == w.with_subject),
        "record",
        "subject index differs",
    ),
    "subject index row added": (
        lambda s, w: s.execute(insert(SubjectIndex).values(subject_key="ab" * 32, record_id=w.lone)),
        "record",
        "subject index differs",
    ),
    "owner moved to an organisation nobody audits": (
        _set(Record, lambda w: Record.id == w.batch4[0], owner_org="nobody-audits"),
        "record",
        "organisation the chain does not know",
    ),
    "erased record linked to a person": (_erased_subject_added, "record", "logged with its erasure"),
    # batches
    "batch shrunk to what is left of it": (_shrink_batch, "batch", "root or size differs from the one on-chain"),
    "batch un-anchored and leased for years": (_unanchor_batch, "batch", "lease runs far beyond"),
    "a record of a batch deleted": (_delete_lone_record, "batch", "holds 0 records, not 1"),
    "a batch and its records deleted": (
        _delete_batch_and_records,
        "batch",
        "anchored on-chain by this gateway but missing here",
    ),
    "batch transaction hash flipped": (
        _lone_batch(tx_hash=b"\x01" * 32),
        "batch",
        "its transaction is not the one that anchored it",
    ),
    "batch block changed": (_lone_batch(block_number=1), "batch", "block or time differs"),
    "batch root changed": (_lone_batch(root=b"\x02" * 32), "batch", "do not hash to its root"),
    # grants
    "grant fields widened": (
        _set(Grant, lambda w: Grant.id == w.grant, fields=["head", "members", "phone"]),
        "grant",
        "fields",
    ),
    "grant purpose changed": (_set(Grant, lambda w: Grant.id == w.grant, purpose_code="other"), "grant", "purpose"),
    "grant purpose text rewritten": (
        _set(GrantPurpose, lambda w: GrantPurpose.text == "care", text="other"),
        "grant",
        "purpose or reason text",
    ),
    "grant expiry extended": (_set(Grant, lambda w: Grant.id == w.grant, expires_at=2**40), "grant", "expires_at"),
    "grant row deleted": (_delete(Grant, lambda w: Grant.id == w.grant), "grant", "on-chain but missing here"),
    "revocation erased": (_set(Grant, lambda w: Grant.id == w.revoked, revoked_block=None), "grant", "revoked_block"),
    "grant row invented": (_fake_grant, "grant", "no such grant on-chain"),
    # the access log
    "log row changed": (
        _rewrite_log_row(lambda s: 0, consistently=False),
        "access_log",
        "row differs from its logged leaf",
    ),
    "log leaf replaced by bytes that are not JSON": (
        _set(AccessLogEntry, lambda w: AccessLogEntry.idx == 1, leaf=b"\xff not json"),
        "access_log",
        "row differs from its logged leaf",
    ),
    "log row's reason made to look like another key": (
        _set(AccessLogEntry, lambda w: AccessLogEntry.idx == 1, reason='grant","record_id":"x'),
        "access_log",
        "row differs from its logged leaf",
    ),
    "log row's fields widened": (
        _set(AccessLogEntry, lambda w: AccessLogEntry.idx == 1, fields=["head", "members", "disability"]),
        "access_log",
        "row differs from its logged leaf",
    ),
    "log row deleted": (_delete(AccessLogEntry, lambda w: AccessLogEntry.idx == 1), "access_log", "are missing"),
    "anchored log row rewritten with its leaf": (
        _rewrite_log_row(lambda s: 0, consistently=True),
        "access_log",
        "does not match its anchored root",
    ),
    "newest log row rewritten with its leaf": (
        _rewrite_log_row(_newest, consistently=True),
        "access_log",
        "do not hash to the signed head",
    ),
    "newest row, its leaf and the tree's edge forged": (
        _forge_tail_and_edge,
        "access_log",
        "do not hash to the signed head",
    ),
    "un-anchored tail truncated": (_truncate_tail, "access_log", "truncated"),
    "signed head replaced": (
        _set(LogState, lambda w: LogState.id == 1, head_root=b"\x03" * 32),
        "access_log",
        "not signed by the operator key",
    ),
}


def test_the_untouched_world_sweeps_clean(world: World) -> None:
    assert world.sweep() == []


@pytest.mark.parametrize("case", list(CASES))
def test_the_sweep_finds(restored: World, case: str) -> None:
    tamper, kind, expected = CASES[case]
    with restored.gw.container.sessions() as s:
        tamper(s, restored)
        s.commit()
    found = restored.sweep()
    assert any(m["kind"] == kind and expected in m["problem"] for m in found), found


def test_a_forged_tree_edge_is_never_signed_by_the_next_read(restored: World) -> None:
    """An honest read after the DBA forged the newest rows and the edge must not vouch for them."""
    with restored.gw.container.sessions() as s:
        _forge_tail_and_edge(s, restored)
        s.commit()
    with pytest.raises(GatewayClientError) as info:
        restored.gw.client(restored.gw.org.c1_admin).get(restored.batch4[0])
    assert info.value.status == 500 and info.value.problem["type"].endswith("/integrity-failure")
    assert any("signed head" in m["problem"] for m in restored.sweep())


def test_a_list_column_spelt_another_way_is_no_mismatch(restored: World) -> None:
    """Same values, other JSON spelling (spaces, \\u escapes): the database's fast text check
    makes the row a candidate, the exact check clears it."""
    with restored.gw.container.sessions() as s:
        fields = s.get(AccessLogEntry, 0).fields  # type: ignore[union-attr]
        spelt = "[ " + " ,  ".join('"' + "".join(f"\\u{ord(c):04x}" for c in f) + '"' for f in fields) + " ]"
        cast = "CAST(:v AS json)" if s.get_bind().dialect.name == "postgresql" else ":v"
        s.execute(text(f"UPDATE access_log SET fields = {cast} WHERE idx = 0"), {"v": spelt})  # noqa: S608
        s.commit()
        assert s.get(AccessLogEntry, 0).fields == fields  # type: ignore[union-attr]
    assert [m for m in restored.sweep() if m["kind"] == "access_log"] == []


def test_the_databases_fast_check_cannot_be_fooled_by_a_list_spelling(restored: World) -> None:
    """A DBA stores `[", "]` (one value: comma, space) where the leaf logs `[","]` (one value:
    a comma). Closing up `", "` blindly would make the two texts equal; the fast check must
    still report the row."""
    container = restored.gw.container
    if container.engine.dialect.name != "postgresql":
        pytest.skip("the fast check runs in PostgreSQL; SQLite rows are checked in Python only")
    with container.sessions() as s:
        row = s.get(AccessLogEntry, 0)
        assert row is not None
        document = {**leaf_document(row), "fields": [","]}
        s.execute(update(AccessLogEntry).where(AccessLogEntry.idx == 0).values(leaf=canonical(document)))
        s.execute(text("UPDATE access_log SET fields = CAST(:v AS json) WHERE idx = 0"), {"v": '[", "]'})
        s.commit()
        size = s.get(LogState, 1).size  # type: ignore[union-attr]
    assert 0 in (_rows_unlike_leaves(container, size) or [])


def test_a_tampered_world_is_clean_again_once_restored(world: World) -> None:
    assert world.sweep() == []
