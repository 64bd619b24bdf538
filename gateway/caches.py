"""A small bounded LRU cache, held by the objects that need one (never at module level)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """Thread-safe least-recently-used cache of at most ``capacity`` items."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class ChainScan:
    """What a sweep learned from the chain and need not learn again (per process, never in SQL).

    The integrity sweep guards against a hostile database administrator, so what it has
    verified is cached in memory, where the administrator cannot reach, and never in a
    table: batch anchors seen on-chain up to a block, transactions already checked, and
    anchored access-log heads already fetched.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.scanned_to = -1
        self.scanned_hash = b""
        self.batch_ids: set[bytes] = set()
        self.checked_txs: BoundedCache[tuple[bytes, bytes, int, bytes, int, int], bool] = BoundedCache(100_000)
        self.heads: list[Any] = []

    def reset(self) -> None:
        self.scanned_to, self.scanned_hash = -1, b""
        self.batch_ids.clear()
        self.checked_txs.clear()
        self.heads.clear()
