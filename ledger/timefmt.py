"""Times as people read them: local time with its UTC offset, never raw Unix seconds."""

from __future__ import annotations

from datetime import datetime


def local_time(unix_seconds: int | float | None) -> str:
    """``2026-12-01 20:10:24+08:00``: this machine's time zone, with the offset (a zone name such
    as "CST" is ambiguous); "unknown time" for ``None``."""
    if unix_seconds is None:
        return "unknown time"
    return datetime.fromtimestamp(unix_seconds).astimezone().isoformat(sep=" ", timespec="seconds")


def local_time_of(stamp: object) -> str:
    """An RFC 3339 time from the wire (``2026-12-01T12:10:24Z``) as :func:`local_time` shows it;
    "-" for ``None`` or anything that is no such time (a gateway's answer is not trusted to be one)."""
    if not isinstance(stamp, str):
        return "-"
    try:
        return local_time(datetime.fromisoformat(stamp).timestamp())
    except ValueError:
        return "-"


def local_moment(text: str | None) -> str | None:
    """A date or time a person typed (``2027-06-01``, ``2027-06-01 08:00``), read in this machine's
    time zone unless it names its own, as RFC 3339 with the offset; unchanged when it is no such
    time (the gateway then says what is wrong with it)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    return (moment.astimezone() if moment.tzinfo is None else moment).isoformat(timespec="seconds")
