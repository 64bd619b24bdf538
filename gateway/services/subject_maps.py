"""The subject map at a log size: computed from ``subject_log``, anchored beside the log's head.

The map at size N has one leaf per subject key with an entry below N: that subject's count
and chain value after its last such entry (docs/spec/subject-map.md). ``subject_log`` is
append-only, so the map at any anchored size can be rebuilt; the last few are cached, since
every resident's proof against the newest anchored size uses the same tree.
"""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session, sessionmaker

from gateway.services.subject_sweep import map_of, stored_chains
from ledger.subject_map import SubjectMap

KEEP = 2


class SubjectMaps:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._maps: dict[int, SubjectMap] = {}
        self._lock = threading.Lock()

    def put(self, size: int, built: SubjectMap) -> None:
        with self._lock:
            self._maps[size] = built

    def at(self, size: int) -> SubjectMap:
        """The map over the log's first ``size`` entries."""
        with self._lock:
            cached = self._maps.get(size)
        if cached is not None:
            return cached
        with self._sessions() as session:
            built = map_of(stored_chains(session, size))
        with self._lock:
            self._maps[size] = built
            for old in sorted(self._maps)[:-KEEP]:
                del self._maps[old]
        return built
