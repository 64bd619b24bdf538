"""The receiver behind ``gridledger webhooks listen``: verify each delivery, keep each event once.

A delivery is acted on only once :func:`ledger.webhooks.verify_delivery` accepts it against the
operator address the caller has already checked on-chain (docs/spec/webhooks.md §W-3): then the
event is appended to ``--out`` (one JSON line, flushed to disk), printed as one line and answered
``204``; a repeat of an event kept before (in this run, or in the ``--out`` file of an earlier one)
is answered ``204`` and not kept again. Anything else is answered ``4xx`` and named on stderr by
the check that failed, never with the request's body. Events carry no payload values, and
nothing here prints one.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import IO, Any

from ledger.cli.common import UserError, say
from ledger.errors import DeliveryRejected
from ledger.timefmt import local_time, local_time_of
from ledger.types import Address
from ledger.webhooks import SUBSCRIPTION, verify_delivery

MAX_BODY = 1 << 20
"""Bytes a delivery may carry: an event with its receipt is a few kilobytes."""


def event_line(event: dict[str, Any]) -> str:
    """One line an admin reads: when (local time), what, and which record or grant; never a value."""
    kind, subject = str(event.get("kind", "event")), str(event["id"])
    record, grant = event.get("record"), event.get("grant")
    if isinstance(record, dict):
        subject = f"record {record.get('id')} ({record.get('owner')} {record.get('type')} v{record.get('version')})"
    elif isinstance(grant, dict):
        subject = f"grant {grant.get('id')} ({grant.get('owner')} to {grant.get('grantee')})"
    return f"{local_time_of(event.get('at'))}  {kind:<16}  {subject}"


class Inbox:
    """Each event once: the ids kept so far (read back from ``--out``), and the file appended to."""

    def __init__(self, out: Path | None) -> None:
        self.lock = threading.Lock()
        self.seen: set[str] = set()
        self.received = 0
        self.file: IO[str] | None = None
        if out is not None:
            self.seen = read_ids(out)
            try:
                self.file = out.open("a", encoding="utf-8")
            except OSError as exc:
                raise UserError(f"--out {out} cannot be written: {exc.strerror}") from None

    def keep(self, event: dict[str, Any]) -> bool:
        """Store and print a new event (before its delivery is answered); ``False`` for one seen before."""
        with self.lock:
            if event["id"] in self.seen:
                return False
            if self.file is not None:
                self.file.write(json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
                self.file.flush()
                os.fsync(self.file.fileno())
            self.seen.add(event["id"])
            self.received += 1
            say(event_line(event))
            return True

    def close(self) -> None:
        with self.lock:  # a delivery being stored is finished first
            if self.file is not None:
                self.file.close()


def read_ids(out: Path) -> set[str]:
    """The event ids in an ``--out`` file of an earlier run; a last line cut short (never answered) is dropped."""
    try:
        data = out.read_bytes()
    except FileNotFoundError:
        return set()
    except OSError as exc:
        raise UserError(f"--out {out} cannot be read: {exc.strerror}") from None
    whole, tail = data[: data.rfind(b"\n") + 1], data[data.rfind(b"\n") + 1 :]
    ids: set[str] = set()
    for number, line in enumerate(whole.splitlines(), 1):
        found = _event_id(line)
        if found is None:
            raise UserError(f"--out {out} line {number} is not an event: give a file this command wrote")
        ids.add(found)
    if tail:
        last = _event_id(tail)
        with out.open("r+b") as f:
            if last is None:  # cut short while being written, so never acknowledged: it comes again
                f.truncate(len(whole))
            else:
                ids.add(last)
                f.seek(0, os.SEEK_END)
                f.write(b"\n")
    return ids


def _event_id(line: bytes) -> str | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    found = event.get("id") if isinstance(event, dict) else None
    return found if isinstance(found, str) else None


def delivery_handler(inbox: Inbox, operator: Address, mine: frozenset[str]) -> type[BaseHTTPRequestHandler]:
    class Delivery(BaseHTTPRequestHandler):
        server_version = "gridledger-webhooks"
        timeout = 30  # seconds a sender may take to send one request

        def do_POST(self) -> None:
            length = self.headers.get("Content-Length", "")
            if not length.isascii() or not length.isdigit():
                self._answer(411, "a delivery has a Content-Length")
                return
            if len(length) > len(str(MAX_BODY)) or int(length) > MAX_BODY:
                self._answer(413, "too large for a delivery")
                return
            body = self.rfile.read(int(length))
            claimed = str(self.headers.get(SUBSCRIPTION, "")).strip().lower()
            ours = claimed if not mine or claimed in mine else min(mine)  # another one's id fails the check
            try:
                event = verify_delivery(body, self.headers.items(), operator, subscription=ours if mine else None)
            except DeliveryRejected as exc:
                why = exc.check if exc.check == "body" else f"{exc.check}: {exc.message}"
                print(f"{local_time(time.time())}  refused a delivery ({why})", file=sys.stderr)
                self._answer(401 if exc.check == "signature" else 400, f"refused: {exc.check}")
                return
            try:
                inbox.keep(event)
            except OSError as exc:  # not stored, so not acknowledged: the gateway sends it again
                print(f"{local_time(time.time())}  could not store an event: {exc.strerror or exc}", file=sys.stderr)
                self._answer(503, "not stored")
                return
            self._answer(204, "")

        def _not_allowed(self) -> None:
            self._answer(405, "deliveries are POSTed")

        do_GET = do_PUT = do_PATCH = do_DELETE = _not_allowed

        def _answer(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            if status == 405:
                self.send_header("Allow", "POST")
            if data:
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the one line per event (or refusal) is ours."""

    return Delivery


class _Stopped(Exception):
    """SIGTERM, turned into an exception in the main thread so the server loop ends like on Ctrl-C."""


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the shutdown short
    raise _Stopped


def receive(host: str, port: int, operator: Address, mine: frozenset[str], out: Path | None) -> int:
    """Serve deliveries on ``host:port`` until Ctrl-C or SIGTERM; the number of new events kept.

    ``operator`` is the gateway's address, already checked on-chain; ``mine`` the subscription ids
    accepted (empty: any of this gateway's).
    """
    inbox = Inbox(out)
    previous = signal.signal(signal.SIGTERM, _raise_stopped)  # before the port opens: stoppable once reachable
    try:
        try:
            server = ThreadingHTTPServer((host, port), delivery_handler(inbox, operator, mine))
        except OSError as exc:
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        which = ", ".join(sorted(mine)) if mine else "any of this gateway's subscriptions"
        kept = f", new events appended to {out}" if out else ""
        say(f"listening on http://{host}:{port}/ for deliveries to {which} signed by {operator}{kept}; Ctrl-C stops")
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        inbox.close()
    return inbox.received
