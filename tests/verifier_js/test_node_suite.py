"""The independent JavaScript verifier (verifier-js/): its own test suite, run by Node's test runner.

The JavaScript code is written from docs/spec and the vector files, not from the Python code;
these wrappers only run it, so a disagreement between the two verifiers shows up as a failure.
"""

from __future__ import annotations

import pytest

from tests.node_suite import ROOT, run_node_suite

PACKAGE = ROOT / "verifier-js"
SHARED_VECTORS = ROOT.parent / "shared" / "vectors"


def test_node_suite_passes() -> None:
    """`node --test` in verifier-js: every vector file, Merkle, JCS, strict JSON, the CLI, the browser bundle."""
    run_node_suite(PACKAGE, "@noble/hashes")


def test_outside_vectors_are_present() -> None:
    """The RFC 6962 / RFC 8785 outside cases live beside the checkout; without them the node suite skips those."""
    if not SHARED_VECTORS.is_dir():
        pytest.skip(f"OUTSIDE TEST DATA MISSING: {SHARED_VECTORS}: verifier-js skipped its RFC 6962/8785 cases")
    assert (SHARED_VECTORS / "rfc6962").is_dir()
    assert (SHARED_VECTORS / "rfc8785" / "es6numbers-100k.txt").is_file()
