"""Gateway settings, from ``GRIDLEDGER_*`` environment variables and ``.env``.

Defaults need no setup: everything lives under ``GRIDLEDGER_DATA_DIR`` (``./.gridledger``),
the database is SQLite there, and the chain is the local anvil that ``gridledger chain
start`` runs for that directory. Outside development, settings refuse to fall back on
those defaults: production names its database, chain and master key.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a gateway process needs to know, validated once at start."""

    model_config = SettingsConfigDict(env_prefix="GRIDLEDGER_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path(".gridledger")
    database_url: str | None = None
    rpc_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    chain_port: int | None = Field(None, ge=1, le=65535, description="preferred port of the local anvil")
    chain_id: int = 31337
    block_time: float | None = Field(None, gt=0, description="local chain block time; None mines on demand")
    address_book: Path | None = None
    confirmations: int = Field(0, ge=0)
    operator_key: Path | None = None
    operator_key_password: SecretStr | None = None
    master_key: SecretStr | None = None
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
    worker: bool = Field(True, description="run the anchoring worker in this gateway process")
    signature_max_age: int = Field(300, ge=5, description="seconds a signed request stays valid")

    @model_validator(mode="after")
    def _refuse_unsafe_production_defaults(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name, value in (
                    ("GRIDLEDGER_DATABASE_URL", self.database_url),
                    ("GRIDLEDGER_RPC_URL", self.rpc_url),
                    ("GRIDLEDGER_MASTER_KEY", self.master_key),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"production needs {', '.join(missing)} set explicitly")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'gridledger.db').resolve()}"

    @property
    def resolved_address_book(self) -> Path:
        return self.address_book or self.data_dir / "addressbook.json"

    @property
    def resolved_operator_key(self) -> Path:
        return self.operator_key or self.data_dir / "keys" / "operator.json"

    def local_rpc_url(self) -> str | None:
        """The URL of this data directory's local chain, when one was started."""
        try:
            port = int((self.data_dir / "chain" / "anvil.port").read_text())
        except (OSError, ValueError):
            return None
        return f"http://127.0.0.1:{port}"

    @property
    def resolved_rpc_url(self) -> str:
        return self.rpc_url or self.local_rpc_url() or "http://127.0.0.1:8545"


@cache
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import)."""
    return Settings()
