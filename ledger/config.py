"""What a member's command line needs to know, from ``GRIDLEDGER_*`` variables and ``.env``.

The base install reads the same variables as the gateway for the parts they share (the
data directory, the chain, the address book, where the gateway listens), so one ``.env``
serves both; the gateway's :class:`gateway.settings.Settings` extends this class with what
only a server needs (database, master key, batching, workers).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ClientSettings(BaseSettings):
    """The settings a member's machine shares with the gateway, validated once at start."""

    model_config = SettingsConfigDict(env_prefix="GRIDLEDGER_", env_file=".env", extra="ignore")

    data_dir: Path = Path(".gridledger")
    rpc_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    chain_port: int | None = Field(None, ge=1, le=65535, description="preferred port of the local anvil")
    chain_id: int = 31337
    block_time: float | None = Field(None, gt=0, description="local chain block time; None mines on demand")
    address_book: Path | None = None
    confirmations: int = Field(0, ge=0)

    @property
    def resolved_address_book(self) -> Path:
        return self.address_book or self.data_dir / "addressbook.json"

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

    @property
    def gateway_url(self) -> str:
        """This machine's gateway, where ``--gateway`` / ``GRIDLEDGER_GATEWAY_URL`` names none."""
        return f"http://{self.host}:{self.port}"
