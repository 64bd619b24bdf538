"""A subprocess a test owns: started with its log file, signalled and reaped by its own pid."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import IO


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, for failure messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class OwnedProcess:
    """One child process and its log; never found by name, only by the pid it was given."""

    log_file: Path

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def open_log(self) -> IO[bytes]:
        self._log = self.log_file.open("ab")
        return self._log

    def signal_and_wait(self, signum: int, timeout: float) -> None:
        """Send ``signum`` by pid and wait; SIGKILL when it has not exited within ``timeout``."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signum)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
        self._reaped()

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushed buffers."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self._reaped()

    def _reaped(self) -> None:
        if self.proc is not None:
            self.proc.wait()
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self) -> str:
        return tail(self.log_file)
