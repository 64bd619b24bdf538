"""The composition root: builds a :class:`~gateway.container.Container` and its services.

Services take the container; the container imports no service. This module is the one
place that knows both, so neither has to know the other (workers are started by the
app's lifespan, never here).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from gateway.container import Container
from gateway.db.engine import make_engine, migrate, session_factory
from gateway.security.operator_key import operator_account
from gateway.security.vault import Vault
from gateway.services.access_log import AccessLog
from gateway.services.grant_index import GrantIndex
from gateway.services.members import MemberDirectory
from gateway.services.record_types import RecordTypes, store_builtin
from gateway.services.residents import ResidentDirectory
from gateway.services.subject_maps import SubjectMaps
from gateway.settings import Settings
from ledger.chain.client import ChainClient


def build_container(settings: Settings, *, clock: Callable[[], float] = time.time) -> Container:
    """Migrate the database, keep the built-in type versions' documents and wire the services."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    sessions = session_factory(engine)
    store_builtin(sessions)
    container = Container(
        settings=settings,
        chain=ChainClient(settings.resolved_rpc_url, confirmations=settings.confirmations),
        engine=engine,
        sessions=sessions,
        vault=Vault.from_settings(settings),
        operator_account=partial(operator_account, settings),
        clock=clock,
    )
    container.access_log = AccessLog(sessions, container.sign_log_head, container.operator_signed_head)
    container.record_types = RecordTypes(sessions, lambda: container.deployment().record_types)
    container.members = MemberDirectory(lambda: container.deployment().membership)
    container.grant_index = GrantIndex(container)
    container.residents = ResidentDirectory(container)
    container.subject_maps = SubjectMaps(sessions)
    return container
