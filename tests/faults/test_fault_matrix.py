"""The fault matrix: real processes killed and restarted while a client keeps committing.

Every case runs a real ``gridledger up`` subprocess against a private anvil (1-second
blocks) and a real database, stages one fault by pid, recovers, and then counts, from the
client's side and from the database and chain: acknowledged, stored, anchored exactly once,
and lost (always 0). It then runs the integrity sweep as the committee's subdistrict
auditor (no mismatches) and verifies a sample of receipts offline with ``ledger.verify``.
See ``tests/faults/accounting.py`` for what each count means.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.faults.accounting import Peek, Tally, integrity_sweep, settle, verify_receipts
from tests.faults.burst import Burst
from tests.faults.conftest import Launcher
from tests.faults.processes import GatewayProcess
from tests.faults.stack import ScenarioError, Stack, hold_outage, wait_until
from tests.gateway.conftest import fresh_database
from tests.pgcluster import PostgresCluster

pytestmark = pytest.mark.slow


@contextmanager
def bursting(stack: Stack, *gateways: GatewayProcess) -> Iterator[Burst]:
    burst = Burst(stack.recorder, [g.url for g in gateways]).start()
    try:
        yield burst
    finally:
        burst.close()


def kill_mid_batch(gateway: GatewayProcess, peek: Peek, attempts: int = 3) -> None:
    """SIGKILL ``gateway`` while its worker holds a claimed batch that is not finished yet.

    A claimed batch waits up to a block (1 s) for its transaction; if it happens to finish
    between the look and the kill, the gateway is started again and the kill retried.
    """
    for _ in range(attempts):
        wait_until(lambda: peek.sending(gateway.pid), "the gateway to be anchoring a batch", 60, poll=0.02)
        pid = gateway.pid
        gateway.kill()
        if peek.sending(pid):
            return
        gateway.start()
    raise ScenarioError(f"no kill in {attempts} attempts caught a batch in flight")


def restart_chain_mid_batch(stack: Stack, peek: Peek, attempts: int = 3) -> bytes:
    """SIGTERM anvil while an anchoring transaction waits in its pool, start it again; return that batch's id.

    The restarted node has lost the transaction (anvil keeps no pool across a restart). If the
    transaction happened to be mined between the look and the stop, the stop is tried again.
    """
    registry = stack.deployment.registry
    for _ in range(attempts):
        wait_until(lambda: peek.sending() and stack.pool_pending(), "an anchoring transaction in the pool", 60, 0.02)
        claimed = {b.id: b.root for b in peek.sending()}
        stack.stop_chain()
        stack.restart_chain()  # at once: nothing is mined before the next 1-second block
        dropped = [batch_id for batch_id, root in claimed.items() if registry.batch_id_of(root) is None]
        if dropped:
            return dropped[0]
    raise ScenarioError(f"no stop in {attempts} attempts caught an anchoring transaction pending")


def recovered(
    case: str, stack: Stack, gateway: GatewayProcess, database_url: str, burst: Burst, timeout: float = 120
) -> Tally:
    """Count, sweep and verify once the fault is over; the assertions every case shares."""
    tally = settle(stack.deployment, database_url, burst.attempted, burst.acknowledged, timeout=timeout)
    checked, mismatches = integrity_sweep(gateway.url, stack.auditor)
    assert mismatches == [], f"the integrity sweep found {len(mismatches)} mismatches, e.g. {mismatches[:3]}"
    assert checked == tally.stored
    verified = verify_receipts(gateway.url, stack.recorder, stack.deployment, burst.acknowledged)
    print(f"\n[{case}] {tally}; errors seen by the client {dict(burst.errors)}; "
          f"integrity sweep {checked} records, 0 mismatches; {verified} receipts verified")  # fmt: skip
    return tally


@pytest.mark.parametrize("database_kind", ["sqlite", "postgresql"])
def test_a_gateway_sigkilled_mid_batch_loses_no_acknowledged_record(
    stack: Stack, launch: Launcher, tmp_path: Path, database_kind: str
) -> None:
    with fresh_database(database_kind, tmp_path) as database_url, Peek(database_url) as peek:
        gateway = launch("gw", database_url)
        with bursting(stack, gateway) as burst:
            burst.wait_acknowledged(30, "before the kill")
            kill_mid_batch(gateway, peek)
            burst.wait_unanswered(1, "while the gateway is dead")
            gateway.start()
            burst.wait_acknowledged(20, "after the restart")
            burst.stop()
            tally = recovered(f"gateway SIGKILL, {database_kind}", stack, gateway, database_url, burst)
        assert tally.acknowledged >= 50


def test_committing_goes_on_through_a_chain_stop_and_everything_is_anchored_after(
    stack: Stack, launch: Launcher, tmp_path: Path
) -> None:
    with fresh_database("sqlite", tmp_path) as database_url, Peek(database_url) as peek:
        gateway = launch("gw", database_url)
        with bursting(stack, gateway) as burst:
            burst.wait_acknowledged(20, "before the chain stops")
            wait_until(peek.anchored_blocks, "a first anchored batch", 60)
            stack.stop_chain()
            down_at = time.monotonic()
            burst.wait_acknowledged(20, "while the chain is down")  # commits do not need the chain
            if not peek.unfinished():
                raise ScenarioError("nothing was waiting for the chain")
            hold_outage(down_at)
            stack.restart_chain()
            burst.wait_acknowledged(20, "after the chain is back")
            burst.stop()
            recovered("chain stopped", stack, gateway, database_url, burst)


def test_a_batch_whose_block_the_chain_lost_is_anchored_again(stack: Stack, launch: Launcher, tmp_path: Path) -> None:
    """anvil SIGKILLed right after a batch is anchored, and restarted from a state file without that block.

    anvil dumps its state every second, so a SIGKILL loses whatever was mined since the last
    dump, but only sometimes the block that matters. To lose it every time, the state file is
    put back to a copy taken before the burst's batches were mined (what a node restored from a
    backup does): the chain comes back without those batches while the database says anchored.
    """
    with fresh_database("sqlite", tmp_path) as database_url, Peek(database_url) as peek:
        gateway = launch("gw", database_url)
        with bursting(stack, gateway) as burst:
            burst.wait_acknowledged(10, "before the backup")
            wait_until(peek.anchored_blocks, "a first anchored batch", 60)
            newest = max(peek.anchored_blocks())
            wait_until(lambda: (stack.saved_block() or 0) >= newest, "anvil to dump the first batch", 30)
            backup = stack.state_file.read_bytes()
            saved = stack.saved_block()
            assert saved is not None
            burst.wait_acknowledged(20, "after the backup")
            wait_until(lambda: max(peek.anchored_blocks()) > saved + 1, "a batch mined after the backup", 60, poll=0.02)
            stack.kill_chain()
            down_at = time.monotonic()
            stack.state_file.write_bytes(backup)
            hold_outage(down_at)
            stack.restart_chain()
            registry = stack.deployment.registry
            gone = [b for b in peek.batches() if b.status == "anchored" and registry.batch_id_of(b.root) is None]
            if not gone:
                raise ScenarioError("the restarted chain still holds every anchored batch")
            burst.wait_acknowledged(20, "after the chain came back")
            burst.stop()
            # the reconciler has a minute to notice and re-anchor
            tally = recovered("chain SIGKILL, block lost", stack, gateway, database_url, burst, timeout=60)
        assert tally.anchored_once == tally.stored


def test_anchoring_resumes_soon_after_a_quick_chain_restart(stack: Stack, launch: Launcher, tmp_path: Path) -> None:
    """A node restart (a Besu rolling restart, an anvil SIGTERM) drops its pending transactions.

    The batch whose anchoring transaction was pending must be sent again once the node is back,
    not waited on: 30 s is generous for a resend into 1-second blocks, on a busy machine too.
    (ChainClient reports a transaction the node no longer knows as dropped and forgets its
    cached nonces, so the worker sends the batch again with the node's own nonce.)
    """
    with fresh_database("sqlite", tmp_path) as database_url, Peek(database_url) as peek:
        gateway = launch("gw", database_url)
        with bursting(stack, gateway) as burst:
            burst.wait_acknowledged(10, "before the chain stops")
            stranded = restart_chain_mid_batch(stack, peek)
            burst.wait_acknowledged(10, "after the chain is back")
            burst.stop()
            deadline = time.monotonic() + 30
            while stranded in {b.id for b in peek.sending()} and time.monotonic() < deadline:
                time.sleep(0.2)
            assert stranded not in {b.id for b in peek.sending()}, (
                f"batch 0x{stranded.hex()[:12]} is still not anchored 30 s after the chain came back"
            )
            recovered("quick chain restart", stack, gateway, database_url, burst)


def test_a_postgresql_restart_during_a_burst_loses_no_acknowledged_record(
    stack: Stack, pg_cluster: PostgresCluster, launch: Launcher
) -> None:
    database_url = pg_cluster.create_database("gridledger")
    with Peek(database_url) as peek:
        gateway = launch("gw", database_url)
        with bursting(stack, gateway) as burst:
            burst.wait_acknowledged(20, "before PostgreSQL stops")
            wait_until(peek.anchored_blocks, "a first anchored batch", 60)
            peek.close()  # no connection of ours survives the restart
            pg_cluster.stop(immediate=True)  # SIGQUIT to the postmaster: a crash, recovered from WAL at start
            burst.wait_unanswered(3, "while PostgreSQL is down")
            pg_cluster.start()
            burst.wait_acknowledged(20, "after PostgreSQL is back")
            burst.stop()
            recovered("PostgreSQL restarted", stack, gateway, database_url, burst)


def test_one_of_two_replicas_sigkilled_mid_batch_while_the_client_fails_over(
    stack: Stack, launch: Launcher, tmp_path: Path
) -> None:
    with fresh_database("postgresql", tmp_path) as database_url, Peek(database_url) as peek:
        first = launch("replica-a", database_url, share_master_key=True)  # migrates the database
        second = launch("replica-b", database_url, share_master_key=True)
        with bursting(stack, first, second) as burst:
            burst.wait_acknowledged(30, "across both replicas")
            kill_mid_batch(first, peek)
            burst.retarget([second.url])
            burst.wait_acknowledged(40, "by the surviving replica")
            burst.stop()
            recovered("replica SIGKILL", stack, second, database_url, burst)
