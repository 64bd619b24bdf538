"""The independent JavaScript verifier (verifier-js/): its own test suite, run by Node's test runner.

The JavaScript code is written from docs/spec and the vector files, not from the Python code;
these wrappers only run it, so a disagreement between the two verifiers shows up as a failure.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "verifier-js"
SHARED_VECTORS = ROOT.parent / "shared" / "vectors"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run ./scripts/bootstrap")
    if not (PACKAGE / "node_modules" / "@noble" / "hashes").is_dir():
        pytest.fail("verifier-js/node_modules is missing: run ./scripts/bootstrap")
    return node


def _counts(output: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"^# (tests|pass|fail|skipped|cancelled|todo) (\d+)$", output, re.M)}


def test_node_suite_passes() -> None:
    """`node --test` in verifier-js: every vector file, Merkle, JCS, strict JSON, the CLI, the browser bundle."""
    node = _node()
    try:
        proc = subprocess.run(
            [node, "--test", "--test-reporter=tap"],
            cwd=PACKAGE,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        pytest.fail(f"node --test did not finish in 900 s\n{out[-20000:]}")
    output = proc.stdout + proc.stderr
    counts = _counts(proc.stdout)
    failing = "\n".join(line for line in proc.stdout.splitlines() if line.lstrip().startswith("not ok"))
    assert proc.returncode == 0, f"node --test exited {proc.returncode}\n{failing}\n{output[-30000:]}"
    assert counts.get("fail") == 0, output[-30000:]
    assert counts.get("pass", 0) > 0, f"node --test ran no test\n{output[-30000:]}"


def test_outside_vectors_are_present() -> None:
    """The RFC 6962 / RFC 8785 outside cases live beside the checkout; without them the node suite skips those."""
    if not SHARED_VECTORS.is_dir():
        pytest.skip(f"OUTSIDE TEST DATA MISSING: {SHARED_VECTORS}: verifier-js skipped its RFC 6962/8785 cases")
    assert (SHARED_VECTORS / "rfc6962").is_dir()
    assert (SHARED_VECTORS / "rfc8785" / "es6numbers-100k.txt").is_file()
