"""One parameter `Resolver` per store, kept while the store's data is unchanged.

A Resolver's label and 文号 indexes take a scan of the store to build (60 ms for group-members at
1M quads, against 0.5 ms for the query itself), so `run_named`, `kg query` and `kg serve` share
one per store object, checked against a stamp of the store's data before each use:

the stored hashes of the documents and of the registry (`kg.store` writes them with each
document, whichever process wrote), one aggregate query. File stamps of an on-disk store were tried
and dropped: RocksDB's background flushes and compactions change them without any write, so the
indexes were rebuilt at random. Writes that bypass `replace_document` / `set_registry` /
`remove_document` (a raw SPARQL update) are not seen: call `forget(store)` after them.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable
from typing import Any

from kg.queries.resolve import Resolver
from kg.store.sparql_text import SHA256

_HASHES = (
    'SELECT (COUNT(?h) AS ?n) (MD5(GROUP_CONCAT(STR(?h); separator=" ")) AS ?sum) '
    f"WHERE {{ GRAPH ?g {{ ?g {SHA256.n3()} ?h }} }}"
)


class _Entry:
    def __init__(self) -> None:
        self.stamp: Hashable | None = None
        self.resolver: Resolver | None = None


_entries: weakref.WeakKeyDictionary[Any, _Entry] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def resolver_for(store: Any) -> Resolver:
    """The Resolver of `store`, rebuilt only when the store's data changed since it was made."""
    with _lock:
        try:
            entry = _entries.setdefault(store, _Entry())
        except TypeError:  # not weak-referenceable: no caching
            return Resolver(store)
    stamp = _stamp(store, entry)
    if entry.resolver is None or stamp is None or stamp != entry.stamp:
        entry.resolver, entry.stamp = Resolver(store), stamp
    return entry.resolver


def forget(store: Any) -> None:
    """Drop the cached Resolver of `store` (after writing to it behind kg.store's back)."""
    with _lock:
        _entries.pop(store, None)


def _stamp(store: Any, entry: _Entry) -> Hashable | None:
    row = next(iter(store.query(_HASHES)), None)
    return None if row is None else (row["n"].value, row["sum"].value if row["sum"] else None)
