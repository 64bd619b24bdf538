"""The local development chain: one anvil process per data directory.

State lives in ``DATA_DIR/chain/state.json`` and is dumped every second
(``--state-interval 1``), so blocks, logs and code survive ``stop``/``start`` and even a
``kill -9`` of anvil. The directory is 0700 and anvil runs with umask 077, so its state
and log are the user's alone. Base fee and gas price are zero, as on a gas-free Besu consortium,
so freshly generated member keys can transact without funding.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import ToolchainError
from ledger.ops.checkout import CONTRACTS_DIR

DEFAULT_CHAIN_ID = 31337
_children: dict[int, subprocess.Popen[bytes]] = {}  # anvils this process started, reaped on stop


@dataclass(frozen=True)
class ChainStatus:
    """What ``gridledger chain status`` reports."""

    running: bool
    pid: int | None
    port: int | None
    rpc_url: str | None
    block: int | None
    state_file: Path

    def describe(self) -> str:
        if not self.running:
            return f"local chain stopped (state: {self.state_file})"
        return f"local chain running: pid {self.pid}, {self.rpc_url}, block {self.block}"


def find_anvil() -> Path:
    """The anvil binary: ``GRIDLEDGER_ANVIL``, the npm platform package, or ``PATH``."""
    explicit = os.environ.get("GRIDLEDGER_ANVIL")
    if explicit:
        return Path(explicit)
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), "")
    system = platform.system().lower()
    bundled = CONTRACTS_DIR / "node_modules" / "@foundry-rs" / f"anvil-{system}-{arch}" / "bin" / "anvil"
    if bundled.is_file():
        return bundled
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise ToolchainError(f"anvil is not installed: run `npm install --prefix {CONTRACTS_DIR}` (or ./scripts/bootstrap)")


def free_port(preferred: int | None = None) -> int:
    """``preferred`` when it is free, else any free loopback port."""
    candidates = [preferred] if preferred else []
    for port in [*candidates, 0]:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise ToolchainError("no free TCP port on 127.0.0.1")


def _rpc_block(port: int) -> int | None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}).encode()
    request = (
        b"POST / HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(request)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    except OSError:
        return None
    _, _, payload = b"".join(chunks).partition(b"\r\n\r\n")
    try:
        return int(json.loads(payload)["result"], 16)
    except (ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"anvil" in cmdline  # never signal a recycled pid that is not ours


class LocalChain:
    """Start, stop and inspect the anvil process that belongs to one data directory."""

    def __init__(self, data_dir: Path, *, chain_id: int = DEFAULT_CHAIN_ID) -> None:
        self.dir = data_dir / "chain"
        self.chain_id = chain_id
        self.pid_file = self.dir / "anvil.pid"
        self.port_file = self.dir / "anvil.port"
        self.log_file = self.dir / "anvil.log"
        self.state_file = self.dir / "state.json"

    def _pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def _port(self) -> int | None:
        try:
            return int(self.port_file.read_text())
        except (OSError, ValueError):
            return None

    def _private_dir(self) -> None:
        """The chain directory 0700 and its files 0600, whatever the umask (and for older directories)."""
        self.dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.dir.mkdir(exist_ok=True, mode=0o700)
        self.dir.chmod(0o700)
        for path in self.dir.iterdir():
            if path.is_file() and path.stat().st_mode & 0o077:
                path.chmod(0o600)

    def status(self) -> ChainStatus:
        _reap_children()
        pid, port = self._pid(), self._port()
        block = _rpc_block(port) if pid and port else None
        running = pid is not None and block is not None
        url = f"http://127.0.0.1:{port}" if running else None
        return ChainStatus(running, pid if running else None, port if running else None, url, block, self.state_file)

    def start(self, *, port: int | None = None, block_time: float | None = None, timeout: float = 30.0) -> ChainStatus:
        """Start anvil unless it already runs; wait until it answers RPC."""
        current = self.status()
        if current.running:
            return current
        anvil = find_anvil()
        self._private_dir()
        chosen = free_port(port or self._port() or 8545)
        args = [
            str(anvil),
            "--host", "127.0.0.1",
            "--port", str(chosen),
            "--chain-id", str(self.chain_id),
            "--state", str(self.state_file),
            "--state-interval", "1",
            "--base-fee", "0",
            "--gas-price", "0",
            "--disable-min-priority-fee",
            "--accounts", "1",
        ]  # fmt: skip
        if block_time:
            args += ["--block-time", str(block_time)]
        with os.fdopen(os.open(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as log:
            try:
                proc = subprocess.Popen(
                    args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                    umask=0o077,  # the state file holds every block: readable by this user only
                )  # fmt: skip
            except OSError as exc:
                raise ToolchainError(f"cannot run anvil at {anvil}: {exc.strerror}") from exc
        _children[proc.pid] = proc
        _write_private(self.pid_file, str(proc.pid))
        _write_private(self.port_file, str(chosen))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = self.log_file.read_text(errors="replace").strip().splitlines()[-3:]
                raise ToolchainError(f"anvil exited at start ({proc.returncode}): {' | '.join(tail)}")
            if _rpc_block(chosen) is not None:
                return self.status()
            time.sleep(0.1)
        self.stop()
        raise ToolchainError(f"anvil did not answer on port {chosen} within {timeout:.0f}s; see {self.log_file}")

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop anvil by its pid (SIGTERM, so it dumps state; SIGKILL after ``timeout``)."""
        pid = self._pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        proc = _children.pop(pid, None)
        if proc is not None:  # our own child: wait for it, which also reaps it
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        else:
            deadline = time.monotonic() + timeout
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def _reap_children() -> None:
    """Collect the exit status of anvils we started that have died (e.g. killed with -9)."""
    for pid, proc in list(_children.items()):
        if proc.poll() is not None:
            del _children[pid]
