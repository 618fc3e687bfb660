"""Answers of named queries kept until the data changes (the main process's result cache).

A named query's answer depends only on its name, its parameter values, the format asked for and
the data. The data's version is the *stamp*: the engine's write generation (bumped by every write
through this server) together with the store directory's file stamp (kg.store.watch: changes with
every write by another process, such as `kg ingest`). An entry is served only while the stamp it
was stored under is still the current one, so a cached answer is byte for byte the answer the
workers would compute now. Remote stores (a SPARQL server others write to unseen) are not cached.

Entries are evicted least-recently-used beyond a byte budget (`kg serve --result-cache`, 0 turns
the cache off). Only successful answers are kept; errors are computed every time.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

ENTRY_OVERHEAD = 256  # bytes counted per entry on top of its pickled size (key, bookkeeping)


class ResultCache:
    """LRU map key → answer, valid for one data stamp, bounded by `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Hashable, Any, int]] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, stamp: Hashable) -> Any | None:
        """The answer stored for `key` under `stamp`, else None (an entry of older data is dropped)."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != stamp:
            if entry is not None:
                self._drop(key)
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[1]

    def put(self, key: Hashable, stamp: Hashable, answer: Any) -> None:
        """Keep `answer` (computed from data no older than `stamp`); too large an answer is not kept."""
        if self.max_bytes <= 0:
            return
        size = _size(answer) + ENTRY_OVERHEAD
        if size > self.max_bytes // 4:  # one huge answer must not flush everything else
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (stamp, answer, size)
        self.bytes += size
        while self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0

    def _drop(self, key: Hashable) -> None:
        _, _, size = self._entries.pop(key)
        self.bytes -= size

    def stats(self) -> dict[str, int]:
        return {
            "entries": len(self._entries),
            "bytes": self.bytes,
            "max_bytes": self.max_bytes,
            "hits": self.hits,
            "misses": self.misses,
        }


def _size(answer: Any) -> int:
    """Bytes an answer holds: its body when it is one (no second pickling of a large body on the
    event loop), else its pickled size (the rows of an HTML table)."""
    body = answer.get("body") if isinstance(answer, dict) else None
    if isinstance(body, bytes):
        return len(body)
    return len(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


__all__ = ["ResultCache"]
