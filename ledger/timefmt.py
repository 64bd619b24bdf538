"""Times as people read them: the machine's local time zone, never raw Unix seconds."""

from __future__ import annotations

from datetime import datetime


def local_time(unix_seconds: int | float | None) -> str:
    """``2026-12-01 20:10:24 CST`` in this machine's time zone ("unknown time" for ``None``)."""
    if unix_seconds is None:
        return "unknown time"
    return datetime.fromtimestamp(unix_seconds).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
