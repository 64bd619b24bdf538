"""The webhook worker: the feed → a durable queue of deliveries → signed POSTs, retried until acknowledged.

Each round, step by step:

1. **Queue.** :func:`gateway.services.subscriptions.serve` reads each active subscription's
   feed after its cursor and, in one transaction per page, inserts its deliveries and moves the
   cursor. Needs the chain (the feed filters by membership and live grants); while the chain is
   down nothing new is queued, and what is queued is still sent.
2. **Claim.** Up to ``webhook_concurrency`` due deliveries (pending, ``next_attempt_at`` passed,
   no live lease, subscription active) get a lease of ``webhook_lease`` seconds, committed before
   anything is sent (``FOR UPDATE SKIP LOCKED`` on PostgreSQL keeps replicas apart; every claim is
   also a guarded update, which is what keeps them apart on SQLite).
3. **Send.** Each is POSTed, its body the event's JSON as queued, with the operator key's
   signature (:func:`ledger.webhooks.sign_delivery`); redirects are not followed.
4. **Record.** A 2xx marks it ``delivered``. Anything else (another status, a refused connection,
   a timeout) counts an attempt; after ``webhook_attempts`` it is ``parked`` (listed, replayable),
   before that it is due again after a backoff with full jitter: a random delay in
   ``[0, min(webhook_backoff_max, webhook_backoff_base * 2^(attempts-1))]`` (at least a
   ``Retry-After`` the receiver sent with 429 or 503, up to the same maximum).

A gateway killed anywhere in this loses nothing: queued deliveries and cursors are rows; a delivery
sent but not yet recorded is sent again once its lease ends. So deliveries are at least once, and
receivers deduplicate on the event id. Records are guarded by the attempt count the claim saw, so a
late worker whose lease ran out cannot overwrite a newer outcome.

The worker takes the container, a clock (Unix seconds) and a jitter function, and an httpx
transport: tests inject all three. It imports the subscriptions service, which no service imports back.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import or_, select, update

from gateway.db.models import Delivery, Subscription
from gateway.services import subscriptions
from gateway.services.subscriptions import ACTIVE, DELIVERED, PARKED, PENDING
from ledger.eip712 import SigningKey, signing_key
from ledger.errors import LedgerError
from ledger.webhooks import sign_delivery

if TYPE_CHECKING:  # the app's lifespan builds the worker; it never imports the container at run time
    from gateway.container import Container

log_ = logging.getLogger("gridledger.webhooks")

USER_AGENT = "GridLedger-Webhooks/1"
MAX_BATCHES = 50
"""Claims per round at most, so that new events are queued between long bursts of retries."""


@dataclass(frozen=True)
class Claimed:
    id: int
    subscription_id: str
    url: str
    event_id: str
    body: bytes
    attempts: int  # as claimed: the guard of the record


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    status: int | None
    error: str | None
    retry_after: float | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _name_os_thread(name: str) -> None:
    """Name the calling OS thread (Linux ``prctl(PR_SET_NAME)``), so ``top -H`` tells its CPU apart."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)


def full_jitter(cap: float) -> float:
    """A uniformly random delay in ``[0, cap]`` (AWS's "full jitter": retries of many deliveries spread out)."""
    return random.uniform(0, cap)


class WebhookWorker:
    def __init__(
        self,
        container: Container,
        *,
        clock: Callable[[], float] | None = None,
        jitter: Callable[[float], float] = full_jitter,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        settings = container.settings
        self.container = container
        self.settings = settings
        self.clock = clock or container.clock
        self.jitter = jitter
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.http = httpx.Client(
            transport=transport, timeout=settings.webhook_timeout, follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )  # fmt: skip
        self._sending: list[threading.Thread] = []  # attempts still running past their deadline
        self._key: SigningKey | None = None
        self._key_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gridledger-webhooks", daemon=True)
        self.backoff = 0.0
        self.delivered = self.failed = self.parked = 0  # attempts' outcomes, for metrics and logs

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.http.close()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _run(self) -> None:
        _name_os_thread("gl-webhooks")
        while not self._stop.is_set():
            try:
                worked = self.run_once()
                self.backoff = 0.0
            except Exception:
                self.backoff = min(5.0, max(0.2, self.backoff * 2))
                log_.exception("webhook round failed; retrying in %.1fs", self.backoff)
                worked = False
            if not worked:
                self._stop.wait(self.backoff or self.settings.webhook_poll)

    def run_once(self) -> bool:
        """Queue new events, then send what is due; whether anything was queued or attempted."""
        queued = self.enqueue()
        attempted = self.send_due()
        return queued > 0 or attempted > 0

    # -- queue -----------------------------------------------------------------------------

    def enqueue(self) -> int:
        """Queue new events, one subscription at a time: a chain outage only postpones it (what is queued is
        still sent), and a subscription whose events cannot be read (an integrity failure) holds up no other."""
        try:
            live = subscriptions.live_subscriptions(self.container)
        except LedgerError as exc:
            log_.warning("webhook events not queued this round: %s", exc.message)
            return 0
        queued = 0
        for sub in live:
            try:
                queued += subscriptions.serve(self.container, sub, self.now())
            except LedgerError as exc:
                log_.warning("webhook events of subscription %s not queued this round: %s", sub.id, exc.message)
            except Exception:
                log_.exception("webhook events of subscription %s not queued this round", sub.id)
        return queued

    # -- send ------------------------------------------------------------------------------

    def send_due(self) -> int:
        """Claim, send and record due deliveries, a claim at a time; how many were attempted."""
        attempted = 0
        for _ in range(MAX_BATCHES):
            if self._stop.is_set():
                break
            self._sending = [t for t in self._sending if t.is_alive()]
            claimed = self.claim(self.settings.webhook_concurrency - len(self._sending))
            if not claimed:
                break
            outcomes = self.attempt_all(claimed)
            self.record(outcomes)
            attempted += len(outcomes)
        return attempted

    def claim(self, limit: int) -> list[Claimed]:
        """Lease up to ``limit`` due deliveries of active subscriptions, committed before any is sent."""
        now = self.now()
        lease = now + timedelta(seconds=self.settings.webhook_lease)
        free = or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now)
        with self.container.sessions() as session:
            rows = session.execute(
                select(Delivery.id, Delivery.subscription_id, Subscription.url, Delivery.event_id, Delivery.body,
                       Delivery.attempts)
                .join(Subscription, Subscription.id == Delivery.subscription_id)
                .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now, free, Subscription.state == ACTIVE)
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=Delivery)
            ).all()  # fmt: skip
            claimed: list[Claimed] = []
            for row in rows:
                taken: Any = session.execute(
                    update(Delivery)
                    .where(Delivery.id == row.id, Delivery.state == PENDING, Delivery.attempts == row.attempts, free)
                    .values(lease_until=lease)
                )
                if taken.rowcount == 1:
                    claimed.append(Claimed(row.id, row.subscription_id, row.url, row.event_id, bytes(row.body),
                                           row.attempts))  # fmt: skip
            session.commit()
        return claimed

    def _signing_key(self) -> SigningKey:
        with self._key_lock:
            if self._key is None:
                self._key = signing_key(bytes(self.container.operator().key))
            return self._key

    def attempt_all(self, claimed: list[Claimed]) -> list[Outcome]:
        """Attempt deliveries side by side, each given at most twice ``webhook_timeout`` in all.

        httpx's timeout bounds each read, not the exchange: a receiver that trickles a byte a
        second would hold a sender for ever. One that has not answered by the deadline counts as
        a failed attempt (retried later; at least once allows a late success too); its thread is
        left to finish and occupies one of ``webhook_concurrency`` places until it does.
        """
        outcomes: dict[int, Outcome] = {}
        threads = []
        for one in claimed:
            thread = threading.Thread(target=lambda one=one: outcomes.__setitem__(one.id, self.attempt(one)),
                                      name="gl-webhook-send", daemon=True)  # fmt: skip
            thread.start()
            threads.append(thread)
        deadline = time.monotonic() + 2 * self.settings.webhook_timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._sending += [t for t in threads if t.is_alive()]
        return [outcomes.get(one.id) or Outcome(one, None, "no answer in time") for one in claimed]

    def attempt(self, claimed: Claimed) -> Outcome:
        """POST one delivery; its outcome (never raises: a receiver's answer cannot stop the worker)."""
        timestamp = int(self.clock())
        headers = sign_delivery(self._signing_key(), claimed.subscription_id, claimed.event_id, timestamp, claimed.body)
        headers["Content-Type"] = "application/json"
        try:
            with self.http.stream("POST", claimed.url, content=claimed.body, headers=headers) as response:
                status = response.status_code  # the body is never read: a receiver cannot make us buffer it
                retry_after = _retry_after(response) if status in (429, 503) else None
        except httpx.TimeoutException:
            return Outcome(claimed, None, "timeout")
        except Exception as exc:  # httpx's errors, and anything a hostile answer provokes
            return Outcome(claimed, None, type(exc).__name__)
        return Outcome(claimed, status, None if 200 <= status < 300 else f"HTTP {status}", retry_after)

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds until the next attempt after ``attempts`` failed ones: full jitter under a doubling cap."""
        settings = self.settings
        cap = min(settings.webhook_backoff_max, settings.webhook_backoff_base * 2.0 ** min(attempts - 1, 60))
        delay = max(0.0, min(cap, self.jitter(cap)))
        if retry_after is not None:
            delay = max(delay, min(retry_after, settings.webhook_backoff_max))
        return delay

    def record(self, outcomes: list[Outcome]) -> None:
        """Write each outcome, guarded by the attempt count its claim saw."""
        now = self.now()
        with self.container.sessions() as session:
            for outcome in outcomes:
                c = outcome.claimed
                attempts = c.attempts + 1
                values: dict[str, Any] = {
                    "attempts": attempts, "last_attempt_at": now, "last_status": outcome.status,
                    "last_error": outcome.error, "lease_until": None,
                }  # fmt: skip
                if outcome.acknowledged:
                    values.update(state=DELIVERED, delivered_at=now)
                    self.delivered += 1
                elif attempts >= self.settings.webhook_attempts:
                    values.update(state=PARKED)
                    self.parked += 1
                    log_.warning("webhook delivery %d parked after %d attempts (%s)", c.id, attempts, outcome.error)
                else:
                    values.update(next_attempt_at=now + timedelta(seconds=self.delay(attempts, outcome.retry_after)))
                    self.failed += 1
                session.execute(
                    update(Delivery)
                    .where(Delivery.id == c.id, Delivery.state == PENDING, Delivery.attempts == c.attempts)
                    .values(**values)
                )
            session.commit()


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds (the delta-seconds form only; a date is ignored)."""
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None
