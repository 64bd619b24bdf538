"""The portal's own JavaScript tests (portal/test): browser signing against vectors made by the Python
code (keystores, personal_sign, signed requests, sign-in messages, commits, grant signatures), the
message catalogue in both languages, the CSV import's parsing, the residents' completeness check."""

from __future__ import annotations

from tests.node_suite import ROOT, run_node_suite


def test_portal_node_suite_passes() -> None:
    counts = run_node_suite(ROOT / "portal", "@noble/hashes")
    assert counts["pass"] >= 30  # the signer vectors alone are more: a suite that stopped finding its files fails
