"""A cheap "has this on-disk store changed?" check, for readers that keep derived data.

RocksDB adds and removes files (new table files, a new write-ahead log) when it flushes or
compacts, which changes the directory's mtime, and appends to the write-ahead log on every
commit. So a stamp made of the directory mtime and the size and mtime of each `*.log` file
changes with every write, by this process or another one (`kg ingest` next to `kg serve`).
The directory is listed again only when its mtime changed: a check is a couple of `stat` calls.

A stamp can also change without new data (a background flush of committed data): a reader
then reloads or recomputes once for nothing, which costs time, never correctness.
"""

from __future__ import annotations

import os
from pathlib import Path

Stamp = tuple[int, tuple[tuple[int, int], ...]]


class DirWatch:
    """Stamps of one store directory; `stamp()` is None when the directory cannot be read."""

    def __init__(self, location: str | Path) -> None:
        self.location = str(location)
        self._dir_mtime: int | None = None
        self._logs: list[str] = []

    def stamp(self) -> Stamp | None:
        try:
            mtime = os.stat(self.location).st_mtime_ns
            if mtime != self._dir_mtime:
                self._logs = sorted(e.path for e in os.scandir(self.location) if e.name.endswith(".log"))
                self._dir_mtime = mtime
            logs = []
            for path in self._logs:
                st = os.stat(path)
                logs.append((st.st_size, st.st_mtime_ns))
            return (mtime, tuple(logs))
        except OSError:
            self._dir_mtime = None  # a log went away: list the directory again next time
            return None


__all__ = ["DirWatch", "Stamp"]
