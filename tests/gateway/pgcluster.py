"""A PostgreSQL cluster of a test's own, for outages: never the shared server on 5432.

``initdb`` into a temporary directory, ``postgres`` on a free port, stopped by the
postmaster's pid. PostgreSQL refuses to run as root, so under root both run as the
``postgres`` system user, in a directory under the system temporary directory (pytest's
own is private to the test's user).
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
from typing import IO, Any

import psycopg
import pytest

from ledger.localchain import free_port


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class PostgresCluster:
    def __init__(self) -> None:
        bindir = _bindir()
        if bindir is None:
            print("\n*** PostgreSQL server binaries (initdb) not found: the database outage test is SKIPPED ***")
            pytest.skip("no PostgreSQL server binaries (initdb)")
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="gridledger-pg-"))
        self.data, self.sockets, self.log_file = self.dir / "data", self.dir / "sockets", self.dir / "postgres.log"
        self.sockets.mkdir()
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            self._as = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
            for path in (self.dir, self.sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
        subprocess.run(
            [self.bindir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"],
            check=True, capture_output=True, **self._as,
        )  # fmt: skip

    def url(self, database: str = "postgres", driver: str = "postgresql") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 60) -> None:
        self._log = self.log_file.open("ab")
        self.proc = subprocess.Popen(
            [self.bindir / "postgres", "-D", self.data, "-p", str(self.port), "-k", self.sockets,
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, **self._as,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                self.stop()
                raise AssertionError(f"postgres exited at start: {self.log_file.read_text(errors='replace')[-2000:]}")
            try:
                with psycopg.connect(self.url(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                assert time.monotonic() < deadline, "postgres did not accept connections"
                time.sleep(0.1)

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name, "postgresql+psycopg")

    def stop(self, timeout: float = 60) -> None:
        """Fast shutdown by the postmaster's pid (SIGINT); SIGKILL if it does not exit in time."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGINT)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
