"""Running a JavaScript package's own `node --test` suite from pytest (verifier-js/, portal/).

The JavaScript code has its own tests, written with Node's test runner; these wrappers run
them as part of ./scripts/test so that CI sees a JavaScript failure as a failure.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _counts(output: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"^# (tests|pass|fail|skipped|cancelled|todo) (\d+)$", output, re.M)}


def run_node_suite(package: Path, needed: str) -> dict[str, int]:
    """Run ``node --test`` in ``package`` (which must have ``node_modules/<needed>``); fail on any failure."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run ./scripts/bootstrap")
    if not (package / "node_modules" / needed).is_dir():
        pytest.fail(f"{package.name}/node_modules is missing: run ./scripts/bootstrap")
    try:
        proc = subprocess.run(
            [node, "--test", "--test-reporter=tap"],
            cwd=package, capture_output=True, text=True, timeout=900, check=False, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        pytest.fail(f"node --test did not finish in 900 s\n{out[-20000:]}")
    output = proc.stdout + proc.stderr
    counts = _counts(proc.stdout)
    failing = "\n".join(line for line in proc.stdout.splitlines() if line.lstrip().startswith("not ok"))
    assert proc.returncode == 0, f"node --test exited {proc.returncode}\n{failing}\n{output[-30000:]}"
    assert counts.get("fail") == 0, output[-30000:]
    assert counts.get("pass", 0) > 0, f"node --test ran no test\n{output[-30000:]}"
    return counts
