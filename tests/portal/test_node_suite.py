"""The portal's own JavaScript tests (portal/test): browser signing against vectors made by the Python
code (keystores, personal_sign, signed requests, sign-in messages, commits, grant signatures), the
message catalogue in both languages, the CSV import's parsing, the residents' completeness check."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.node_suite import ROOT, run_node_suite


def test_portal_node_suite_passes() -> None:
    counts = run_node_suite(ROOT / "portal", "@noble/hashes")
    assert counts["pass"] >= 30  # the signer vectors alone are more: a suite that stopped finding its files fails


@pytest.mark.parametrize("script", ["make_signer_vectors.py", "make_completeness_vectors.py"])
def test_the_portal_vectors_are_what_the_python_code_makes_now(script: str) -> None:
    """The JavaScript is checked against vectors the Python code wrote; if the Python code changed since, the
    committed vectors are stale and the JavaScript would be agreeing with an old answer."""
    command = [sys.executable, str(ROOT / "portal" / "scripts" / script), "--check"]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
                          stdin=subprocess.DEVNULL)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
