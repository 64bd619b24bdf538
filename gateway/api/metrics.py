"""Prometheus metrics at ``/metrics``.

Two kinds, by where the truth lives:

- **From the database, read at scrape time**: outbox depth and oldest age, batches by
  state, anchoring latency, failed anchoring attempts, the access log's size against its
  anchored size, webhook deliveries waiting and parked. Every gateway process sharing the
  database reports the same values, so it does not matter which worker
  (``GRIDLEDGER_WORKERS``) or replica a scrape reaches.
- **Per process**: HTTP requests by method, route template (``/v1/records/{record_id}``,
  never the path itself, which holds ids) and status, their duration, and chain errors
  seen while answering. With several workers, each scrape sees the worker that answered
  it: counters then belong to that process (the ``pid`` label tells them apart) and are
  summed across scrapes by ``pid``.

Names follow the Prometheus conventions (``_total`` is added to counters by the client).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from gateway.db.models import Batch, Delivery, LogState, OutboxItem, Subscription

if TYPE_CHECKING:
    from gateway.container import Container

CONTENT_TYPE = CONTENT_TYPE_LATEST
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_WINDOW = 100  # anchored batches the latency gauges look back over


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite hands back naive UTC


class DatabaseCollector(Collector):
    """Gauges read from the shared database on every scrape."""

    def __init__(self, container: Callable[[], Container | None], clock: Callable[[], datetime]) -> None:
        self._container = container
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("gridledger_database_up", "1 when the database answered this scrape")
        container = self._container()
        if container is None:
            up.add_metric([], 0)
            yield up
            return
        try:
            families = list(self._read(container))
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self, container: Container) -> Iterator[Metric]:
        now = self._clock()
        with container.sessions() as session:
            depth, oldest = session.execute(select(func.count(OutboxItem.id), func.min(OutboxItem.enqueued_at))).one()
            by_state = session.execute(
                select(Batch.status, func.count(Batch.id), func.coalesce(func.sum(Batch.attempts), 0)).group_by(
                    Batch.status
                )
            ).all()
            started_anchored = session.scalar(
                select(func.count(Batch.id)).where(Batch.status == "anchored", Batch.attempts > 0)
            )
            sending = session.execute(select(Batch.attempts, Batch.lease_until).where(Batch.status == "sending")).all()
            recent = session.execute(
                select(Batch.created_at, Batch.anchored_at)
                .where(Batch.status == "anchored", Batch.anchored_at.is_not(None))
                .order_by(Batch.block_number.desc())
                .limit(LATENCY_WINDOW)
            ).all()
            log = session.get(LogState, 1)
            owed = session.execute(
                select(Delivery.state, func.count(Delivery.id))
                .join(Subscription, Subscription.id == Delivery.subscription_id)
                .where(Delivery.state.in_(("pending", "parked")), Subscription.state != "deleted")
                .group_by(Delivery.state)
            ).all()

        gauge = GaugeMetricFamily("gridledger_outbox_depth", "acknowledged entries not yet anchored")
        gauge.add_metric([], depth or 0)
        yield gauge
        gauge = GaugeMetricFamily(
            "gridledger_outbox_oldest_age_seconds", "age of the oldest entry waiting to be anchored (0 when none)"
        )
        gauge.add_metric([], max(0.0, (now - _utc(oldest)).total_seconds()) if oldest else 0.0)
        yield gauge

        states = {"sending": 0, "anchored": 0}
        attempts = dict.fromkeys(states, 0)
        for state, count, tried in by_state:
            states[state], attempts[state] = int(count), int(tried)
        gauge = GaugeMetricFamily("gridledger_batches", "anchoring batches by state", labels=["state"])
        for state, count in sorted(states.items()):
            gauge.add_metric([state], count)
        yield gauge

        in_flight = sum(1 for tried, until in sending if until is not None and _utc(until) > now and tried > 0)
        failed = (attempts["anchored"] - int(started_anchored or 0)) + (attempts["sending"] - in_flight)
        gauge = GaugeMetricFamily(
            "gridledger_anchor_failed_attempts",
            "anchoring transactions that failed (chain down, reverted, lost) and were or will be retried",
        )
        gauge.add_metric([], max(0, failed))
        yield gauge

        latencies = sorted(
            max(0.0, float(anchored_at or 0) - _utc(created).timestamp()) for created, anchored_at in recent
        )
        gauge = GaugeMetricFamily(
            "gridledger_anchor_latency_seconds",
            f"from batching to the anchoring block's timestamp, over the last {LATENCY_WINDOW} anchored batches "
            "(chain clock, 1 s resolution)",
            labels=["quantile"],
        )
        if latencies:
            gauge.add_metric(["0.5"], latencies[len(latencies) // 2])
            gauge.add_metric(["0.99"], latencies[min(len(latencies) - 1, (len(latencies) * 99) // 100)])
            gauge.add_metric(["1"], latencies[-1])
        yield gauge

        gauge = GaugeMetricFamily("gridledger_access_log_size", "entries in the access log")
        gauge.add_metric([], log.size if log else 0)
        yield gauge
        gauge = GaugeMetricFamily(
            "gridledger_access_log_anchored_size", "access log entries covered by an anchored head"
        )
        gauge.add_metric([], log.anchored_size if log else 0)
        yield gauge
        gauge = GaugeMetricFamily(
            "gridledger_webhook_deliveries",
            "webhook deliveries of live subscriptions not yet acknowledged: pending (due or backing off) and parked",
            labels=["state"],
        )
        counts = {"pending": 0, "parked": 0} | {state: int(count) for state, count in owed}
        for state, count in sorted(counts.items()):
            gauge.add_metric([state], count)
        yield gauge
        worker = container.worker
        if worker is not None:  # this process's anchoring worker (per process, like the HTTP counters)
            for name, value, text in (
                ("gridledger_worker_chain_errors", worker.chain_errors, "anchoring rounds the chain refused or missed"),
                ("gridledger_batches_reanchored", worker.reanchored, "anchored batches the chain lost, sent again"),
            ):
                counter = CounterMetricFamily(name, text, labels=["pid"])
                counter.add_metric([str(os.getpid())], value)
                yield counter


class Metrics:
    """One app's metrics: its own registry (so tests can build many apps in one process)."""

    def __init__(
        self, container: Callable[[], Container | None], clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.pid = str(os.getpid())
        self.requests = Counter(
            "gridledger_http_requests", "HTTP requests answered by this process",
            ["method", "route", "status", "pid"], registry=self.registry,
        )  # fmt: skip
        self.duration = Histogram(
            "gridledger_http_request_duration_seconds", "time to answer, by route template (this process)",
            ["method", "route", "pid"], registry=self.registry,
        )  # fmt: skip
        self.chain_errors = Counter(
            "gridledger_chain_errors", "requests this process could not answer because the chain node was unreachable",
            ["pid"], registry=self.registry,
        )  # fmt: skip
        self.registry.register(DatabaseCollector(container, clock))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "OTHER"
        self.requests.labels(method, route, str(status), self.pid).inc()
        self.duration.labels(method, route, self.pid).observe(seconds)

    def chain_error(self) -> None:
        self.chain_errors.labels(self.pid).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
