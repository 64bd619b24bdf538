"""Operable: readiness, outages as 503s, metrics, request ids and logs, private files, one-time setup.

Outages are real: the database outage stops a PostgreSQL cluster this test starts itself
(never the shared server); the chain outage points the gateway at a port nobody listens on.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import text

from gateway.api.metrics import Metrics
from gateway.api.observability import JsonFormatter
from gateway.app import create_app
from gateway.db.engine import code_revision, make_engine, schema_revision
from gateway.security.operator_key import operator_account
from gateway.settings import Settings
from ledger.chain.address_book import Deployment, write_address_book
from ledger.client.request_signing import sign_request
from ledger.ops.localchain import LocalChain, free_port
from tests.conftest import Consortium
from tests.gateway.conftest import Gateway, fresh_database, gateway_settings
from tests.pgcluster import PostgresCluster

PROBLEM = "application/problem+json"
SUBJECT = "110101199003071234"
HOUSEHOLD = {"address": "1-1-101", "head": "Zhou Jie", "members": 2}


def signed_get(http: TestClient, account: LocalAccount, target: str) -> httpx.Response:
    return http.get(target, headers=signature(account, target))


def signature(account: LocalAccount, target: str) -> dict[str, str]:
    return sign_request(bytes(account.key), account.address, "GET", target, b"", authority="testserver")


def wait_for(predicate: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


# -- readiness ----------------------------------------------------------------------------------


def test_readyz_is_ready_with_the_database_migrated_and_the_chain_up(gateway: Gateway) -> None:
    body = gateway.http.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"ok": True, "revision": code_revision()}
    assert body["checks"]["chain"]["ok"] and body["checks"]["contracts"]["ok"]
    assert gateway.http.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_503_until_the_schema_is_migrated(
    tmp_path: Path, deployment: Deployment, admin: LocalAccount
) -> None:
    settings = gateway_settings(tmp_path / "gw", f"sqlite:///{tmp_path / 'gw.db'}", deployment, admin, anchoring=False)
    with TestClient(create_app(settings)) as http:
        with http.app.state.container.engine.begin() as conn:  # type: ignore[attr-defined]
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        response = http.get("/readyz")
    assert response.status_code == 503 and response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"]
    body = response.json()
    assert body["type"].endswith("/not-ready") and body["checks"]["database"]["revision"] == "0001"


# -- outages ------------------------------------------------------------------------------------


@pytest.fixture
def own_postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()


def test_a_database_outage_is_503_with_retry_after_and_the_gateway_recovers(
    tmp_path: Path, own_postgres: PostgresCluster, deployment: Deployment, admin: LocalAccount, org: Consortium
) -> None:
    url = own_postgres.create_database("gridledger")
    settings = gateway_settings(tmp_path / "gw", url, deployment, admin, anchoring=False)
    with TestClient(create_app(settings)) as http:
        assert signed_get(http, org.sd_admin, "/v1/grants").status_code == 200
        own_postgres.stop()
        for target in ("/v1/grants", "/v1/me", f"/v1/audit/access?subject={SUBJECT}"):
            response = signed_get(http, org.sd_admin, target)
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == PROBLEM and int(response.headers["retry-after"]) > 0
            assert response.json()["type"].endswith("/database-unavailable")
            assert SUBJECT not in response.text
        ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"]["ok"] is False
        metrics = http.get("/metrics")
        assert metrics.status_code == 200 and "gridledger_database_up 0.0" in metrics.text
        own_postgres.start()
        wait_for(lambda: signed_get(http, org.sd_admin, "/v1/grants").status_code == 200, "the database to return")
        assert http.get("/readyz").json()["checks"]["database"]["ok"] is True


def test_a_chain_outage_is_503_for_what_needs_the_chain_and_readiness_only_degrades(
    tmp_path: Path, deployment: Deployment, admin: LocalAccount, org: Consortium
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = gateway_settings(
        tmp_path / "gw", f"sqlite:///{tmp_path / 'gw.db'}", deployment, admin, anchoring=False, rpc_url=dead
    )
    with TestClient(create_app(settings)) as http:
        response = signed_get(http, org.sd_admin, "/v1/me")
        assert response.status_code == 503 and response.headers["content-type"] == PROBLEM
        assert response.json()["type"].endswith("/chain-unavailable") and int(response.headers["retry-after"]) > 0
        response = http.get("/v1/info")
        assert response.status_code == 503 and response.json()["type"].endswith("/chain-unavailable")
        ready = http.get("/readyz")
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert body["status"] == "degraded" and body["checks"]["database"]["ok"] is True
        assert body["checks"]["chain"]["ok"] is False
        chain_errors = samples(http.get("/metrics").text, "gridledger_chain_errors_total")
        assert sum(chain_errors.values()) >= 2


# -- metrics ------------------------------------------------------------------------------------


def samples(text_: str, name: str) -> dict[str, float]:
    """``{labels: value}`` for one metric of a Prometheus text exposition."""
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text_):
        for sample in family.samples:
            if sample.name == name:
                out[json.dumps(sample.labels, sort_keys=True)] = sample.value
    return out


def test_metrics_report_the_pipeline_from_the_database_and_requests_by_route(gateway: Gateway) -> None:
    client = gateway.client(gateway.org.c1_recorder)
    prepared = client.prepare("household", {**HOUSEHOLD, "head_id_number": SUBJECT})
    accepted = client.request("POST", "/v1/records", prepared)
    client.wait_anchored(accepted["id"])
    text_ = gateway.http.get("/metrics").text
    assert accepted["id"] not in text_ and SUBJECT not in text_
    assert samples(text_, "gridledger_database_up") == {"{}": 1.0}
    assert samples(text_, "gridledger_batches")['{"state": "anchored"}'] >= 1
    assert "{}" in samples(text_, "gridledger_outbox_depth")
    assert (
        samples(text_, "gridledger_access_log_size")["{}"]
        >= samples(text_, "gridledger_access_log_anchored_size")["{}"]
    )
    assert samples(text_, "gridledger_anchor_latency_seconds")
    requests = samples(text_, "gridledger_http_requests_total")
    commits = [v for k, v in requests.items() if '"route": "/v1/records"' in k and '"status": "202"' in k]
    receipts = [k for k in requests if '"route": "/v1/records/{record_id}/receipt"' in k]
    assert commits and commits[0] >= 1 and receipts
    worker = gateway.container.worker
    assert worker is not None
    worker.reanchored += 2  # as if the reconciler had sent two lost batches again
    reanchored = samples(gateway.http.get("/metrics").text, "gridledger_batches_reanchored_total")
    assert list(reanchored.values()) == [float(worker.reanchored)]


def test_every_process_reports_the_same_database_metrics(gateway: Gateway) -> None:
    """A second gateway process on the same database (another worker or replica) agrees."""
    other = Metrics(lambda: gateway.container)
    client = gateway.client(gateway.org.c1_recorder)
    client.wait_anchored(client.commit("household", HOUSEHOLD)["id"])
    mine, theirs = gateway.http.get("/metrics").text, other.render().decode()
    for name in ("gridledger_outbox_depth", "gridledger_batches", "gridledger_anchor_failed_attempts"):
        assert samples(mine, name) == samples(theirs, name)


def test_outbox_depth_and_oldest_age_with_an_injected_clock(
    tmp_path: Path, deployment: Deployment, admin: LocalAccount, org: Consortium
) -> None:
    settings = gateway_settings(tmp_path / "gw", f"sqlite:///{tmp_path / 'gw.db'}", deployment, admin, anchoring=False)
    with TestClient(create_app(settings)) as http:
        container = http.app.state.container  # type: ignore[attr-defined]
        client = Gateway(http, container, org).client(org.c1_recorder)
        client.commit("household", HOUSEHOLD)
        client.commit("household", {**HOUSEHOLD, "members": 3})
        later = datetime.now(UTC) + timedelta(hours=1)
        text_ = Metrics(lambda: container, clock=lambda: later).render().decode()
    assert samples(text_, "gridledger_outbox_depth") == {"{}": 2.0}
    assert 3590 <= samples(text_, "gridledger_outbox_oldest_age_seconds")["{}"] <= 3600 + 600


# -- request ids and logs -----------------------------------------------------------------------


def test_requests_carry_an_id_and_are_logged_as_json_without_values(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gridledger")
    target = f"/v1/audit/access?subject={SUBJECT}"
    account = gateway.org.sd_admin
    headers = {**signature(account, target), "X-Request-Id": "trace-42"}
    response = gateway.http.get(target, headers=headers)
    assert response.status_code == 200 and response.headers["x-request-id"] == "trace-42"
    generated = gateway.http.get("/healthz", headers={"X-Request-Id": "not an id: spaces and " + "x" * 80})
    assert generated.headers["x-request-id"] != "" and " " not in generated.headers["x-request-id"]
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "gridledger.access"]
    mine = [json.loads(line) for line in lines if '"trace-42"' in line]
    assert mine and mine[0]["route"] == "/v1/audit/access" and mine[0]["method"] == "GET"
    assert mine[0]["status"] == 200 and mine[0]["duration_ms"] >= 0
    assert all(SUBJECT not in line and "subject=" not in line for line in lines)


def test_an_unexpected_error_is_a_generic_500_logged_under_the_request_id(
    gateway: Gateway, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError(f"boom while handling {SUBJECT}")

    monkeypatch.setattr("gateway.api.routes.orgs.role_names", broken)
    caplog.set_level(logging.INFO, logger="gridledger")
    account = gateway.org.sd_admin
    response = gateway.http.get(
        "/v1/me",
        headers={**signature(account, "/v1/me"), "X-Request-Id": "r-500"},
    )
    assert response.status_code == 500 and response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/internal") and "boom" not in response.text
    errors = [JsonFormatter().format(r) for r in caplog.records if r.name == "gridledger.errors"]
    logged = [json.loads(line) for line in errors if '"r-500"' in line]
    assert logged and logged[0]["error"]["types"] == ["builtins.RuntimeError"]
    assert all(SUBJECT not in line and "boom" not in line for line in errors)


# -- files --------------------------------------------------------------------------------------


def test_the_data_directory_is_0700_and_its_files_0600_whatever_the_umask(
    tmp_path: Path, deployment: Deployment
) -> None:
    old_umask = os.umask(0o022)
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    (data_dir / "gridledger.db").touch(mode=0o644)  # as an older gateway left it
    chain = LocalChain(data_dir)
    try:
        chain.start(port=free_port())
        wait_for(lambda: (data_dir / "chain" / "state.json").exists(), "anvil to dump its state")
        settings = Settings(data_dir=data_dir, rpc_url=deployment.chain.rpc_url, anchoring=False)
        write_address_book(settings.resolved_address_book, deployment.book)
        operator_account(settings, create=True)
        with TestClient(create_app(settings)) as http:
            assert http.get("/readyz").status_code == 200
            names = {p.name for p in data_dir.iterdir()}
            assert {"gridledger.db", "gridledger.db-wal", "gridledger.db-shm", "master.key"} <= names
            modes = {str(p.relative_to(data_dir)): stat.S_IMODE(p.stat().st_mode) for p in data_dir.rglob("*")}
    finally:
        chain.stop()
        os.umask(old_umask)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    wrong = {
        name: oct(mode) for name, mode in modes.items() if mode != (0o700 if (data_dir / name).is_dir() else 0o600)
    }
    assert not wrong
    assert {"keys/operator.json", "keys/operator.password", "addressbook.json", "chain/state.json"} <= set(modes)


# -- several workers starting together ----------------------------------------------------------

START = """
import json, sys, time
from pathlib import Path
from gateway.security.operator_key import operator_account
from gateway.assembly import build_container
from gateway.settings import Settings

go = Path(sys.argv[1])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
settings = Settings()
container = build_container(settings)  # migrate, register types, open the log, load or make the master key
account = operator_account(settings, create=True)
print(json.dumps({"key": container.vault.key_id, "operator": account.address,
                  "log": container.access_log.log_id.hex()}))
container.close()
"""


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_workers_starting_together_on_a_fresh_database_migrate_once_and_share_one_key(
    kind: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    with fresh_database(kind, tmp_path) as url:
        env = {
            **os.environ,
            "GRIDLEDGER_DATA_DIR": str(data_dir),
            "GRIDLEDGER_RPC_URL": f"http://127.0.0.1:{free_port()}",
        }
        if kind == "postgresql":
            env["GRIDLEDGER_DATABASE_URL"] = url  # SQLite: the default file in the data directory
        go = tmp_path / f"go-{secrets.token_hex(4)}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", START, str(go)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        try:
            for proc in procs:
                assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            go.touch()  # both start at once
            results = []
            for proc in procs:
                out, err = proc.communicate(timeout=180)
                assert proc.returncode == 0, err[-3000:]
                results.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()  # by its pid: only our own child
                    proc.communicate()
        assert results[0] == results[1]  # one master key, one operator key, one access log
        engine = make_engine(url if kind == "postgresql" else f"sqlite:///{data_dir / 'gridledger.db'}")
        try:
            assert schema_revision(engine) == code_revision()
        finally:
            engine.dispose()
