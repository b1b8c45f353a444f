"""A small thread-safe LRU, shared by the page cache (portal/pagecache.py)
and the network snapshot (networking/snapshot.py): both keep values under
keys that hold a sandbox's generation, so a stale entry is never asked for
again and simply ages out. Counts what it was asked (``hits``, ``misses``)."""

import threading
from collections import OrderedDict


class LRU:
    def __init__(self, entries: int):
        self.entries = entries
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key):
        with self._lock:
            found = self._data.get(key)
            if found is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)
