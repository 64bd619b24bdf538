"""Database engine, sessions and migrations.

SQLite (the default, under the data directory) runs in WAL mode with ``synchronous=FULL``
so that an acknowledged commit survives a crash; its file is created 0600 before SQLite
opens it, and SQLite gives its ``-wal`` and ``-shm`` files the database file's mode.
PostgreSQL is what several gateway replicas share.

The schema is owned by Alembic and upgraded at start, by one process at a time: several
workers starting together on a fresh database would otherwise all create the same tables
(and all but one fail). PostgreSQL serialises them with an advisory lock held for the
migration's transaction; SQLite, whose DDL the driver runs outside a transaction, with a
file lock beside the database file.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from gateway.security.files import FILE_MODE, file_lock, private_dir, private_file

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock key: the first 8 bytes of sha256("gridledger-migrate"), as a signed bigint
MIGRATION_LOCK = int.from_bytes(bytes.fromhex("b7857eb4983c1c67"), "big", signed=True)


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (``None`` for in-memory or another backend)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


def make_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if url.startswith("sqlite"):
        if path is not None:
            _create_private_sqlite(path)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()  # WAL is set once, in the file (see _create_private_sqlite)
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _create_private_sqlite(path: Path) -> None:
    """Create the database file 0600 (SQLite would use the umask), fix older files' modes, and
    switch it to WAL once, under the lock: the switch needs the database to itself, and
    SQLite answers "database is locked" at once, without waiting, to a second process
    switching at the same moment. WAL mode is stored in the file and holds from then on."""
    private_dir(path.parent)
    with file_lock(_lock_file(path)):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    for suffix in ("", "-wal", "-shm", "-journal"):
        private_file(path.with_name(path.name + suffix))


def _lock_file(database: Path) -> Path:
    return database.with_name(database.name + ".migrate-lock")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@contextlib.contextmanager
def _sqlite_lock(engine: Engine) -> Iterator[None]:
    """The migration lock of a SQLite file (nothing for PostgreSQL or an in-memory database)."""
    path = sqlite_path(str(engine.url))
    if path is None:
        yield
        return
    with file_lock(_lock_file(path)):
        yield


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision (one process at a time).

    Both locks outlive the transaction's commit: the next process must see the version
    this one wrote (SQLite's driver commits DDL at once but the version row only at the end).
    """
    config = alembic_config()
    with _sqlite_lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # released when the transaction ends, even if this process dies
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@functools.cache
def code_revision() -> str | None:
    """The newest migration this code knows (read once: the scripts do not change at run time)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def schema_revision(engine: Engine) -> str | None:
    """The revision the database is migrated to (``None`` before the first migration)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
