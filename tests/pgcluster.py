"""A PostgreSQL cluster of a test's own, for outages: never the shared server on 5432.

``initdb`` into a temporary directory, ``postgres`` on a free port, stopped by the
postmaster's pid. PostgreSQL refuses to run as root, so under root both run as the
``postgres`` system user, in a directory under the system temporary directory (pytest's
own is private to the test's user). Used by the outage tests and the fault matrix.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from ledger.ops.localchain import free_port
from tests.owned import OwnedProcess, tail


class ClusterError(RuntimeError):
    """The cluster could not be set up or started (not an assertion: no xfail may hide it)."""


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class PostgresCluster(OwnedProcess):
    """A PostgreSQL cluster of this test's own: ``initdb`` into a temporary directory, a free port.

    Run as the ``postgres`` system user when the tests run as root (PostgreSQL refuses
    root); started and stopped by the postmaster's pid. The directory lives under the
    system temporary directory, not pytest's (which is private to the test's user).
    """

    def __init__(self) -> None:
        bindir = _postgres_bin()
        if bindir is None:
            print("\n*** PostgreSQL binaries (initdb) not found: the PostgreSQL restart case is SKIPPED ***")
            pytest.skip("no PostgreSQL server binaries (initdb) on this machine")
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="gridledger-pg-"))
        self.data, self.sockets, self.log_file = self.dir / "data", self.dir / "sockets", self.dir / "postgres.log"
        self.sockets.mkdir()
        self.port = free_port()
        super().__init__()
        self._user: dict[str, object] = {}
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            self._user = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
            for path in (self.dir, self.sockets):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        try:
            subprocess.run(
                [self.bindir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"],
                check=True, capture_output=True, **self._user,  # type: ignore[call-overload]
            )  # fmt: skip
        except subprocess.CalledProcessError as exc:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise ClusterError(f"initdb failed: {exc.stderr.decode(errors='replace')[-500:]}") from exc

    def url(self, database: str = "postgres", driver: str = "postgresql") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 60) -> None:
        log = self.open_log()
        self.proc = subprocess.Popen(
            [self.bindir / "postgres", "-D", self.data, "-p", str(self.port), "-k", self.sockets,
             "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=100"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, **self._user,  # type: ignore[call-overload]
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._reaped()
                raise ClusterError(f"postgres exited at start:\n{tail(self.log_file)}")
            try:
                with psycopg.connect(self.url(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                time.sleep(0.1)
        self.stop()
        raise ClusterError(f"postgres not accepting connections within {timeout:.0f}s:\n{tail(self.log_file)}")

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name, "postgresql+psycopg")

    def stop(self, *, immediate: bool = False, timeout: float = 60) -> None:
        """Stop the postmaster by pid: fast shutdown (SIGINT), or immediate (SIGQUIT, a crash and recovery)."""
        self.signal_and_wait(signal.SIGQUIT if immediate else signal.SIGINT, timeout)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
