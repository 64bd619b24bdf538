"""Webhooks: an admin registers an endpoint; the feed's events reach it signed, retried with growing backoff,
parked and replayed, never another organisation's, never after deletion (real anvil, both databases).

The delivery worker is driven by hand here (the app's own is off): an injected clock and jitter make
backoff exact, and the receiver sits at the HTTP client's transport seam. The real network and a
SIGKILLed gateway are in ``test_webhooks_kill.py``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from sqlalchemy import func, select, update

from gateway.app import create_app
from gateway.db.models import Delivery, Subscription
from gateway.errors import ValidationFailed
from gateway.services import feed
from gateway.services import subscriptions as service
from gateway.workers.webhooks import WebhookWorker, full_jitter
from ledger import schemas
from ledger.chain.address_book import Deployment
from ledger.client.errors import ConflictError, ForbiddenError, NotFoundError
from ledger.client.gateway import GatewayClient
from ledger.client.request_signing import sign_request
from ledger.client.subscriptions import (
    SubscriptionView,
    deliveries,
    gateway_address,
    replay,
    subscribe,
    subscription,
    subscriptions,
    unsubscribe,
)
from ledger.errors import DeliveryRejected
from ledger.receipts import Receipt
from ledger.types import Role
from ledger.verify import verify
from ledger.webhooks import verify_delivery
from tests.conftest import Consortium, new_account
from tests.gateway.conftest import Gateway, gateway_settings

HOUSEHOLD = {"address": "7-2-301", "head": "Lin Hui", "members": 4}
PROBLEM = "application/problem+json"
ATTEMPTS, BASE, CAP = 5, 1.0, 3.0  # backoff caps 1, 2, 3, 3 s; parked at the 5th failure


@pytest.fixture(scope="module")
def hub(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, deployment: Deployment, admin: LocalAccount,
    org: Consortium,
) -> Iterator[Gateway]:  # fmt: skip
    """A gateway whose own webhook worker is off: the tests run one by hand."""
    settings = gateway_settings(
        tmp_path_factory.mktemp("gw"), database_url, deployment, admin, webhooks=False,
        webhook_attempts=ATTEMPTS, webhook_backoff_base=BASE, webhook_backoff_max=CAP,
    )  # fmt: skip
    with TestClient(create_app(settings)) as http:
        yield Gateway(http, http.app.state.container, org)  # type: ignore[attr-defined]


@dataclass
class Received:
    url: str
    headers: httpx.Headers
    body: bytes


@dataclass
class Receiver:
    """Endpoints behind an httpx transport: what each was sent, and what each answers."""

    received: list[Received] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.received.append(Received(url, request.headers, request.read()))
        return httpx.Response(self.answers.get(url, 200))

    def at(self, url: str) -> list[Received]:
        return [r for r in self.received if r.url == url]


class Clock:
    """The worker's clock: it moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(hub: Gateway, receiver: Receiver, clock: Clock) -> Iterator[WebhookWorker]:
    """A worker on the test's clock, whose jitter is the cap itself (so each backoff is exact)."""
    w = WebhookWorker(
        hub.container, clock=clock, jitter=lambda cap: cap, transport=httpx.MockTransport(receiver.handle)
    )
    try:
        yield w
    finally:
        w.stop()


def settle(w: WebhookWorker, rounds: int = 20) -> None:
    """Run rounds until one queues and attempts nothing."""
    for _ in range(rounds):
        if not w.run_once():
            return
    raise AssertionError("the worker kept finding work")


@contextlib.contextmanager
def subscribed(client: GatewayClient, url: str, **kwargs: Any) -> Iterator[SubscriptionView]:
    sub = subscribe(client, url, **kwargs)
    try:
        yield sub
    finally:
        with contextlib.suppress(NotFoundError):
            unsubscribe(client, sub["id"])


def signed(http: TestClient, account: LocalAccount, method: str, target: str, body: Any = None) -> Any:
    content = b"" if body is None else json.dumps(body).encode()
    headers = sign_request(bytes(account.key), account.address, method, target, content, authority="testserver")
    if body is not None:
        headers["Content-Type"] = "application/json"
    return http.request(method, target, content=content, headers=headers)


def committed(hub: Gateway, account: LocalAccount, **payload: Any) -> str:
    """Commit a household and wait until it is anchored (so its two events both exist)."""
    client = hub.client(account)
    record_id = str(client.commit("household", {**HOUSEHOLD, **payload})["id"])
    client.wait_anchored(record_id)
    return record_id


def owners(events: list[dict[str, Any]]) -> set[str]:
    return {e["record"]["owner"] for e in events if "record" in e}


def events_at(receiver: Receiver, url: str, gateway: str, now: float) -> list[dict[str, Any]]:
    return [verify_delivery(r.body, r.headers, gateway, now=now) for r in receiver.at(url)]


def moment(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()


# -- registering ---------------------------------------------------------------------------------


def test_only_an_admin_registers_an_endpoint_and_only_its_organisation_sees_it(hub: Gateway) -> None:
    org = hub.org
    admin = hub.client(org.c1_admin)
    url = "http://127.0.0.1:9/only-admins"
    answer = signed(hub.http, org.c1_admin, "POST", "/v1/subscriptions", {"url": url})
    assert answer.status_code == 201, answer.text
    sub = answer.json()
    try:
        assert answer.headers["location"] == f"/v1/subscriptions/{sub['id']}"
        assert (sub["org"], sub["url"], sub["state"], sub["created_by"]) == ("rc-sunshine", url, "active",
                                                                             org.c1_admin.address)  # fmt: skip
        assert sub["deliveries"] == {"pending": 0, "delivered": 0, "parked": 0}
        again = signed(hub.http, org.c1_admin, "POST", "/v1/subscriptions", {"url": url})
        assert again.status_code == 200 and again.json()["id"] == sub["id"]  # the same URL: the same subscription
        assert [s["id"] for s in subscriptions(admin)] == [sub["id"]]
        for member in (org.c1_recorder, org.dept_verifier):
            refused = signed(hub.http, member, "POST", "/v1/subscriptions", {"url": "http://127.0.0.1:9/not-admin"})
            assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
            assert refused.json()["type"].endswith("/forbidden")
        with pytest.raises(ForbiddenError):
            subscriptions(hub.client(org.c1_recorder))
        stranger = hub.client(org.c2_admin)  # an admin of another committee
        assert subscriptions(stranger) == []
        for call in (lambda: subscription(stranger, sub["id"]), lambda: unsubscribe(stranger, sub["id"]),
                     lambda: list(deliveries(stranger, sub["id"]))):  # fmt: skip
            with pytest.raises(NotFoundError):
                call()
        assert subscription(admin, sub["id"])["state"] == "active"
    finally:
        assert unsubscribe(admin, sub["id"])["state"] == "deleted"
    with pytest.raises(NotFoundError):
        subscription(admin, sub["id"])


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/hook", "http://gridledger.example/hook", "http://10.0.0.7/hook",
        "https://user:secret-pw@gridledger.example/hook", "https://gridledger.example/hook#frag", "/relative/hook",
        "https://", "https://gridledger.example:0/hook", "https://gridledger.example:99999/hook",
        "https://gridledger.example/" + "a" * 2100, "https://gridledger.example/a b",
    ],
)  # fmt: skip
def test_an_endpoint_the_gateway_may_not_post_to_is_a_422_problem_that_quotes_nothing(hub: Gateway, url: str) -> None:
    answer = signed(hub.http, hub.org.c1_admin, "POST", "/v1/subscriptions", {"url": url})
    assert answer.status_code == 422 and answer.headers["content-type"] == PROBLEM, answer.text
    problem = answer.json()
    assert problem["type"].endswith("/validation-failed") and problem["path"] == "url"
    assert "secret-pw" not in answer.text and "gridledger.example" not in answer.text


def test_production_posts_only_to_https(hub: Gateway) -> None:
    assert service.check_url("https://dept.example/hook", production=True) == "https://dept.example/hook"
    assert service.check_url("http://[::1]:8080/hook", production=False) == "http://[::1]:8080/hook"
    assert service.check_url("http://localhost/hook", production=False) == "http://localhost/hook"
    with pytest.raises(ValidationFailed, match="https in production"):
        service.check_url("http://127.0.0.1:8080/hook", production=True)


def test_a_start_cursor_the_gateway_did_not_issue_is_refused(hub: Gateway) -> None:
    for after in ("bm90LWEtY3Vyc29y", "ZmVlZDE6OTk5OTk5OTk5"):  # not a feed cursor; one beyond the feed's end
        answer = signed(hub.http, hub.org.c1_admin, "POST", "/v1/subscriptions",
                        {"url": "http://127.0.0.1:9/cursor", "after": after})  # fmt: skip
        assert answer.status_code == 422 and answer.json()["path"] == "after", answer.text


# -- delivering ----------------------------------------------------------------------------------


def test_a_delivery_carries_the_feed_event_signed_by_the_gateway_and_verifies_with_ledger(
    hub: Gateway, receiver: Receiver, worker: WebhookWorker, clock: Clock, deployment: Deployment
) -> None:
    org = hub.org
    admin = hub.client(org.c1_admin)
    trusted = gateway_address(admin)
    assert str(trusted) == str(hub.container.operator().address)
    member, roles = deployment.membership.membership_of(trusted)  # what a receiver checks before pinning it
    assert member == "operator" and roles & Role.ANCHORER
    url = "http://127.0.0.1:9/signed"
    with subscribed(admin, url) as sub:
        record_id = committed(hub, org.c1_recorder)
        settle(worker)
        got = receiver.at(url)
        events = [verify_delivery(r.body, r.headers, trusted, subscription=sub["id"], now=clock()) for r in got]
        events.sort(key=lambda e: e["position"])  # sent in parallel: in no particular order
        assert [e["kind"] for e in events if e["record"]["id"] == record_id] == ["record.committed", "record.anchored"]
        feed = admin.feed(sub["after"])["events"]
        assert events == feed  # exactly the feed's events, as the admin sees them
        published = [schemas.load(name) for name in schemas.names()]
        registry: Registry[Any] = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in published)
        for event in events:  # each body is the published feed-event document (docs/spec/feed.md §F-2)
            Draft202012Validator(schemas.load("feed-event"), registry=registry).validate(event)
        anchored = next(e for e in events if e["kind"] == "record.anchored")
        assert verify(Receipt.from_json(anchored["receipt"]), None, deployment).valid
        assert all(r.headers["content-type"] == "application/json" for r in got)
        with pytest.raises(DeliveryRejected) as wrong:
            verify_delivery(got[0].body, got[0].headers, org.c1_admin.address, now=clock())
        assert wrong.value.check == "signature"
        with pytest.raises(DeliveryRejected) as elsewhere:
            verify_delivery(got[0].body, got[0].headers, trusted, subscription=str(uuid.uuid4()), now=clock())
        assert elsewhere.value.check == "subscription"
        done = list(deliveries(admin, sub["id"]))
        assert {(d["state"], d["attempts"], d["last_status"]) for d in done} == {("delivered", 1, 200)}
        assert {d["event"]["id"] for d in done} == {e["id"] for e in events}
        assert subscription(admin, sub["id"])["deliveries"] == {"pending": 0, "delivered": len(done), "parked": 0}


def test_a_failing_endpoint_is_retried_with_growing_backoff_then_parked_then_replayed(
    hub: Gateway, receiver: Receiver, worker: WebhookWorker, clock: Clock
) -> None:
    org = hub.org
    admin = hub.client(org.c1_admin)
    url = "http://127.0.0.1:9/failing"
    receiver.answers[url] = 500
    with subscribed(admin, url) as sub:
        committed(hub, org.c1_recorder, members=6)
        worker.run_once()
        expected_caps = [min(CAP, BASE * 2 ** (n - 1)) for n in range(1, ATTEMPTS)]
        assert expected_caps == [1.0, 2.0, 3.0, 3.0]  # it grows, up to the cap
        for attempt, cap in enumerate(expected_caps, start=1):
            owed = list(deliveries(admin, sub["id"]))
            states = {(d["state"], d["attempts"], d["last_status"], d["last_error"]) for d in owed}
            assert len(owed) == 2 and states == {("pending", attempt, 500, "HTTP 500")}
            assert {round(moment(str(d["next_attempt_at"])) - clock(), 3) for d in owed} == {cap}
            sent = len(receiver.at(url))
            clock.advance(cap - 0.5)
            worker.run_once()
            assert len(receiver.at(url)) == sent  # not due yet: nothing sent
            clock.advance(0.5)
            worker.run_once()
            assert len(receiver.at(url)) == sent + 2
        parked = list(deliveries(admin, sub["id"], state="parked"))
        assert len(parked) == 2 and {(d["attempts"], d["next_attempt_at"]) for d in parked} == {(ATTEMPTS, None)}
        assert subscription(admin, sub["id"])["deliveries"]["parked"] == 2
        assert 'gridledger_webhook_deliveries{state="parked"} 2.0' in hub.http.get("/metrics").text
        receiver.answers[url] = 204
        clock.advance(86_400)
        settle(worker)
        assert len(receiver.at(url)) == 2 * ATTEMPTS  # parked stays parked
        for d in parked:
            again = replay(admin, sub["id"], d["id"])
            assert (again["state"], again["attempts"]) == ("pending", 0)
            with pytest.raises(ConflictError):
                replay(admin, sub["id"], d["id"])
        settle(worker)
        assert {(d["state"], d["attempts"], d["last_status"]) for d in deliveries(admin, sub["id"])} == {
            ("delivered", 1, 204)
        }
        bodies: dict[str, set[bytes]] = {}
        for r in receiver.at(url):
            bodies.setdefault(r.headers["gridledger-event-id"], set()).add(r.body)
        assert len(bodies) == 2 and all(len(b) == 1 for b in bodies.values())  # every attempt: the same event bytes
        last = receiver.at(url)[-1]
        assert verify_delivery(last.body, last.headers, gateway_address(admin), now=clock())["id"] in bodies


def test_a_retry_after_is_honoured_and_jitter_stays_under_the_cap(hub: Gateway) -> None:
    w = WebhookWorker(hub.container, jitter=full_jitter)
    try:
        assert all(0 <= w.delay(3) <= 3.0 for _ in range(200))  # min(CAP, BASE * 4) = 3
        assert w.delay(1, retry_after=2.5) >= 2.5
        assert w.delay(1, retry_after=10_000) <= CAP
    finally:
        w.stop()


def test_other_organisations_events_are_never_delivered(
    hub: Gateway, receiver: Receiver, worker: WebhookWorker, clock: Clock
) -> None:
    org = hub.org
    urls = {"rc-sunshine": "http://127.0.0.1:9/sunshine", "rc-harmony": "http://127.0.0.1:9/harmony",
            "civil-affairs": "http://127.0.0.1:9/civil-affairs", "sd-east": "http://127.0.0.1:9/sd-east"}  # fmt: skip
    admins = {"rc-sunshine": org.c1_admin, "rc-harmony": org.c2_admin, "civil-affairs": org.dept_admin,
              "sd-east": org.sd_admin}  # fmt: skip
    trusted = str(hub.container.operator().address)
    with contextlib.ExitStack() as stack:
        for name, url in urls.items():
            stack.enter_context(subscribed(hub.client(admins[name]), url))
        sunshine = committed(hub, org.c1_recorder, head="Sun Li")
        harmony = committed(hub, org.c2_admin, head="He Mei")
        settle(worker)
        seen = {name: events_at(receiver, url, trusted, clock()) for name, url in urls.items()}
        assert owners(seen["rc-sunshine"]) == {"rc-sunshine"} and owners(seen["rc-harmony"]) == {"rc-harmony"}
        assert owners(seen["sd-east"]) == {"rc-sunshine", "rc-harmony"}  # the subdistrict supervises both
        assert seen["civil-affairs"] == []  # no grant: nothing
        assert {e["record"]["id"] for e in seen["sd-east"]} >= {sunshine, harmony}
        committee = hub.client(org.c1_admin)
        grant = committee.grant("rc-sunshine", "civil-affairs", ["head"], "census", int(time.time()) + 3600,
                                record_type="household")  # fmt: skip
        try:
            covered = committed(hub, org.c1_recorder, head="Sun Wei")
            settle(worker)
            told = events_at(receiver, urls["civil-affairs"], trusted, clock())
            assert [e["grant"]["id"] for e in told if e["kind"] == "grant.given"] == [grant["id"]]
            records = [e for e in told if "record" in e]
            # what the grant covers (the feed's rule: records it covers when the feed is read), nothing else
            assert covered in {e["record"]["id"] for e in records} and owners(records) == {"rc-sunshine"}
            assert {e["record"]["type"] for e in records} == {"household"}
            assert all(e["access"] == {"kind": "grant", "grant": grant["id"], "fields": ["head"]} for e in records)
            assert harmony not in json.dumps(told)
        finally:
            committee.revoke(grant["id"])
        assert covered not in json.dumps(events_at(receiver, urls["rc-harmony"], trusted, clock()))


def test_deleting_a_subscription_stops_its_deliveries(
    hub: Gateway, receiver: Receiver, worker: WebhookWorker, clock: Clock
) -> None:
    org = hub.org
    admin = hub.client(org.c1_admin)
    url = "http://127.0.0.1:9/deleted"
    receiver.answers[url] = 503
    sub = subscribe(admin, url)
    committed(hub, org.c1_recorder, members=2)
    settle(worker)
    tried = len(receiver.at(url))
    assert tried == 2
    assert unsubscribe(admin, sub["id"])["state"] == "deleted"
    receiver.answers[url] = 200
    committed(hub, org.c1_recorder, members=3)
    clock.advance(3600)
    settle(worker)
    assert len(receiver.at(url)) == tried  # neither the pending retries nor the new events
    with hub.container.sessions() as session:
        queued = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.subscription_id == sub["id"]))
    assert queued == 2
    for call in (lambda: subscription(admin, sub["id"]), lambda: list(deliveries(admin, sub["id"]))):
        with pytest.raises(NotFoundError):
            call()


def test_a_subscription_is_suspended_while_its_creator_is_no_longer_an_admin_and_then_resumes(
    hub: Gateway, receiver: Receiver, worker: WebhookWorker, deployment: Deployment
) -> None:
    org = hub.org
    m = deployment.membership
    deputy = new_account()
    m.add_member(org.sd_admin, deputy.address, "rc-sunshine", Role.ADMIN)
    directory = hub.container.members
    ttl, directory.ttl = directory.ttl, 0.0  # see role changes at once
    url = "http://127.0.0.1:9/deputy"
    try:
        with subscribed(hub.client(deputy), url) as sub:
            m.set_roles(org.sd_admin, deputy.address, Role.RECORDER)
            while_out = committed(hub, org.c1_recorder, head="Qin Fang")
            settle(worker)
            assert receiver.at(url) == []
            assert subscription(hub.client(org.c1_admin), sub["id"])["state"] == "suspended"
            m.set_roles(org.sd_admin, deputy.address, Role.ADMIN)
            settle(worker)
            assert subscription(hub.client(org.c1_admin), sub["id"])["state"] == "active"
            assert while_out in {json.loads(r.body)["record"]["id"] for r in receiver.at(url)}  # nothing was lost
    finally:
        directory.ttl = ttl
        m.remove_member(org.sd_admin, deputy.address)


def test_queueing_a_page_twice_stores_it_once(hub: Gateway, worker: WebhookWorker, clock: Clock) -> None:
    org = hub.org
    admin = hub.client(org.c1_admin)
    with subscribed(admin, "http://127.0.0.1:9/twice") as sub:
        committed(hub, org.c1_recorder, members=5)
        creator = hub.container.members.member(org.c1_admin.address)
        assert creator is not None
        feed.refresh(hub.container)  # positions given (the worker's round does this first)
        first = service.enqueue(hub.container, creator, sub["id"], worker.now())
        with hub.container.sessions() as session:  # as if a second replica read the same page before the first moved on
            origin = feed.decode_cursor(hub.container, sub["after"])
            session.execute(update(Subscription).where(Subscription.id == sub["id"]).values(cursor=origin))
            session.commit()
        service.enqueue(hub.container, creator, sub["id"], worker.now())
        with hub.container.sessions() as session:
            rows = session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.subscription_id == sub["id"])
            )
        assert first >= 2 and rows == first


def test_a_delivery_claimed_by_a_worker_that_died_is_sent_again_when_its_lease_ends(
    hub: Gateway, receiver: Receiver, clock: Clock, worker: WebhookWorker
) -> None:
    org = hub.org
    admin = hub.client(org.c1_admin)
    url = "http://127.0.0.1:9/lease"
    with subscribed(admin, url) as sub:
        committed(hub, org.c1_recorder, members=1)
        worker.enqueue()
        claimed = worker.claim(10)  # ... and then the worker dies: no attempt, no record
        assert len(claimed) == 2
        worker.run_once()
        assert receiver.at(url) == []  # leased: nobody else sends it
        clock.advance(hub.container.settings.webhook_lease + 1)
        settle(worker)
        assert len(receiver.at(url)) == 2
        assert {d["state"] for d in deliveries(admin, sub["id"])} == {"delivered"}


def test_a_hostile_answer_counts_as_a_failed_attempt_and_holds_up_no_other(
    hub: Gateway, receiver: Receiver, clock: Clock
) -> None:
    """A ``Retry-After: ²`` (digits Python accepts but float does not), a transport that raises anything,
    and a receiver that never finishes answering: each is one failed attempt, recorded with the others."""
    org = hub.org
    admin = hub.client(org.c1_admin)
    urls = {name: f"http://127.0.0.1:9/{name}" for name in ("odd", "raises", "stuck", "fine")}
    release = threading.Event()

    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        receiver.received.append(Received(url, request.headers, request.read()))
        if url == urls["odd"]:
            return httpx.Response(429, headers={"Retry-After": "²"})
        if url == urls["raises"]:
            raise RuntimeError("a hostile answer")
        if url == urls["stuck"]:
            release.wait()  # answers only when the test is over: far past any deadline
        return httpx.Response(204)

    w = WebhookWorker(hub.container, clock=clock, jitter=lambda cap: cap, transport=httpx.MockTransport(handle))
    w.settings = w.settings.model_copy(update={"webhook_timeout": 5.0, "webhook_concurrency": 8})
    try:
        with contextlib.ExitStack() as stack:
            subs = {name: stack.enter_context(subscribed(admin, url)) for name, url in urls.items()}
            committed(hub, org.c1_recorder, members=2)
            w.enqueue()
            assert w.send_due() == 8  # two events to each of four endpoints, in one claim
            for name, sub in subs.items():
                owed = list(deliveries(admin, sub["id"]))
                assert len(owed) == 2, name
                if name == "fine":
                    assert {d["state"] for d in owed} == {"delivered"}
                else:
                    assert {(d["state"], d["attempts"]) for d in owed} == {("pending", 1)}, (name, owed)
            errors = {d["last_error"] for d in deliveries(admin, subs["stuck"]["id"])}
            assert errors == {"no answer in time"}
            assert {d["last_error"] for d in deliveries(admin, subs["raises"]["id"])} == {"RuntimeError"}
    finally:
        release.set()
        w.stop()
