"""Gateway settings, from ``GRIDLEDGER_*`` environment variables and ``.env``.

Defaults need no setup: everything lives under ``GRIDLEDGER_DATA_DIR`` (``./.gridledger``),
the database is SQLite there, and the chain is the local anvil that ``gridledger chain
start`` runs for that directory. In production (``GRIDLEDGER_ENV=production``) settings
refuse to fall back on those defaults: production names its database, chain, master key and the authorities
(host[:port]) its clients address it by.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from ledger.config import ClientSettings

_AUTHORITY = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


class Settings(ClientSettings):
    """Everything a gateway process needs to know, validated once at start (the shared part in
    :class:`ledger.config.ClientSettings`)."""

    model_config = SettingsConfigDict(env_prefix="GRIDLEDGER_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str | None = None
    operator_key: Path | None = None
    operator_key_password: SecretStr | None = None
    master_key: SecretStr | None = None
    subject_secret: SecretStr | None = Field(
        None, description="consortium-wide key (base64, 32 bytes) of residents' subject keys: docs/residents.md"
    )
    batch_max_size: int = Field(1000, ge=1, le=100_000)
    batch_max_age: float = Field(0.5, gt=0)
    log_anchor_interval: float = Field(30.0, gt=0, description="seconds between anchors of the access log's head")
    batch_lease: float = Field(60.0, gt=0, description="seconds a worker owns a batch it is sending")
    reconcile_interval: float = Field(5.0, gt=0, description="seconds between re-checks of recent anchors")
    reconcile_depth: int = Field(
        256, ge=1, description="blocks back from the head within which anchors are re-checked against the chain"
    )
    max_payload_bytes: int = Field(64 * 1024, ge=256)
    max_request_bytes: int = Field(32 * 1024 * 1024, ge=1024)
    workers: int = Field(1, ge=1, le=64, description="gateway processes (uvicorn workers) sharing the database")
    anchoring: bool = Field(
        True,
        validation_alias=AliasChoices("anchoring", "GRIDLEDGER_ANCHORING", "GRIDLEDGER_WORKER"),
        description="run the anchoring worker in this gateway process (GRIDLEDGER_WORKER: the old name)",
    )
    feed_poll: float = Field(0.5, gt=0, le=30, description="seconds between looks at the feed while a reader waits")
    # webhooks (docs/webhooks.md): the delivery worker, its retries and its claims
    webhooks: bool = Field(True, description="run the webhook delivery worker in this gateway process")
    webhook_attempts: int = Field(16, ge=1, le=100, description="attempts of one delivery before it is parked")
    webhook_backoff_base: float = Field(2.0, gt=0, description="seconds: the first retry's backoff cap, doubled after")
    webhook_backoff_max: float = Field(3600.0, gt=0, description="seconds: the largest backoff cap")
    webhook_timeout: float = Field(10.0, gt=0, le=300, description="seconds a receiver has to answer one delivery")
    webhook_lease: float = Field(60.0, gt=0, description="seconds a worker owns a delivery it is sending")
    webhook_poll: float = Field(1.0, gt=0, le=60, description="seconds between looks for new events and due retries")
    webhook_concurrency: int = Field(4, ge=1, le=64, description="deliveries one worker sends at once")
    signature_max_age: int = Field(300, ge=5, description="seconds a signed request stays valid")
    authorities: str | None = Field(
        None, description="comma-separated host[:port] that clients address this gateway by (signed as @authority)"
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production_defaults(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name, value in (
                    ("GRIDLEDGER_DATABASE_URL", self.database_url),
                    ("GRIDLEDGER_RPC_URL", self.rpc_url),
                    ("GRIDLEDGER_MASTER_KEY", self.master_key),
                    ("GRIDLEDGER_SUBJECT_SECRET", self.subject_secret),
                    ("GRIDLEDGER_AUTHORITIES", self.authorities),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"production needs {', '.join(missing)} set explicitly")
        if self.webhook_lease <= self.webhook_timeout:
            # a claim that ends before the receiver must answer would let a second worker send it meanwhile
            raise ValueError("GRIDLEDGER_WEBHOOK_LEASE must be longer than GRIDLEDGER_WEBHOOK_TIMEOUT")
        return self

    @field_validator("authorities")
    @classmethod
    def _authorities_are_hosts(cls, value: str | None) -> str | None:
        if value is not None:
            for entry in value.split(","):
                if not _AUTHORITY.fullmatch(entry.strip()):
                    raise ValueError("GRIDLEDGER_AUTHORITIES lists host[:port], comma-separated, no scheme or path")
        return value

    @property
    def resolved_authorities(self) -> frozenset[str]:
        """The ``@authority`` values a signed request may name; anything else is refused.

        A signature binds the gateway it was made for, so a request captured by one
        gateway's operator cannot be replayed to another. Without the setting (development),
        the configured ``host:port`` and the loopback names at that port.
        """
        if self.authorities is not None:
            return frozenset(e.strip().lower() for e in self.authorities.split(",") if e.strip())
        names = {"localhost", "127.0.0.1", "[::1]"}
        if self.host not in ("0.0.0.0", "::", ""):  # noqa: S104 - a wildcard is no name a client uses
            names.add(f"[{self.host}]".lower() if ":" in self.host else self.host.lower())
        ports = [f":{self.port}", ""] if self.port in (80, 443) else [f":{self.port}"]  # Host omits a default port
        return frozenset(name + port for name in names for port in ports)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'gridledger.db').resolve()}"

    @property
    def resolved_operator_key(self) -> Path:
        return self.operator_key or self.data_dir / "keys" / "operator.json"


@cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import)."""
    return Settings()
