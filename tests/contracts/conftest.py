"""Fixtures of the contract tests on top of the shared ``consortium``: the standards body and privacy reviewers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account.signers.local import LocalAccount

from ledger.types import Role
from tests.conftest import Consortium, new_account


@dataclass(frozen=True)
class Reviewers:
    """A privacy reviewer of sd-east (which supervises both committees), one of sd-west, and a standards member."""

    sd_reviewer: LocalAccount
    other_sd_reviewer: LocalAccount
    standards: LocalAccount


@pytest.fixture
def people(consortium: Consortium) -> Reviewers:
    m, admin = consortium.deployment.membership, consortium.admin
    found = Reviewers(new_account(), new_account(), new_account())
    m.add_member(admin, found.sd_reviewer.address, "sd-east", Role.PRIVACY_REVIEWER)
    m.add_member(admin, found.other_sd_reviewer.address, "sd-west", Role.PRIVACY_REVIEWER)
    m.add_member(admin, found.standards.address, "operator", Role.STANDARDS)
    return found
