"""The worker process: holds a store handle and runs jobs sent over a pipe.

Query evaluation in pyoxigraph releases the GIL and cannot be interrupted, so every query runs
in one of these processes; the server kills a worker whose job overruns its time limit and starts
a new one. Readers hold a read-only handle and reopen it when the store directory changed (a write
by the server's writer or by `kg ingest`); the writer opens the store read-write for one job at a
time and closes it afterwards, so no writer handle lives while readers read (pyoxigraph documents
a read-only handle next to a live writer as undefined behaviour).

Protocol: the parent sends `(job_name, args)`; the worker answers `("ok", value)` or
`("error", fields_of_a_KgError)`. The first message a worker sends is `("ready", pid)`.
"""

from __future__ import annotations

import gc
import os
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg.errors import KgError


class Context:
    """What a job may use: the store (opened lazily) and per-process caches."""

    def __init__(self, location: str, writable: bool) -> None:
        self.location = location
        self.writable = writable
        self.cache: dict[str, Any] = {}  # per process (catalogue, registry)
        self.store_cache: dict[str, Any] = {}  # per open store handle: emptied when the data may have changed
        self._store: Any = None
        self._stamp: tuple[int, int] | None = None

    def _dir_stamp(self) -> tuple[int, int] | None:
        """Changes when a write happened: files added or removed (directory mtime), or the
        write-ahead log appended to (newest *.log mtime)."""
        try:
            logs = [e.stat().st_mtime_ns for e in os.scandir(self.location) if e.name.endswith(".log")]
            return os.stat(self.location).st_mtime_ns, max(logs, default=0)
        except OSError:
            return None

    def store(self) -> Any:
        """The kg store: read-only for readers (reopened when the directory changed), read-write
        for the writer (open until `release()`)."""
        from kg.store import open_store

        if self._store is not None and not self.writable and self._dir_stamp() != self._stamp:
            self.release()  # RocksDB files were added or removed: a write happened since we opened
        if self._store is None:
            self._stamp = self._dir_stamp()
            self._store = open_store(self.location, read_only=not self.writable)
        return self._store

    def raw(self) -> Any:
        """The underlying pyoxigraph.Store (dataset arguments, base IRI, ...)."""
        return self.store().raw

    def release(self) -> None:
        self.store_cache.clear()
        if self._store is not None:
            self._store.close()
            self._store = None
            gc.collect()  # RocksDB closes when the pyoxigraph object is collected


def error_fields(exc: KgError) -> dict[str, Any]:
    return {
        "message": exc.message,
        "code": exc.code,
        "file": exc.file,
        "line": exc.line,
        "status": exc.status,
        "details": list(exc.details),
    }


def main(conn: Connection, location: str, writable: bool) -> None:
    """Worker loop (runs in the child process)."""
    from kg.serve import jobs

    ctx = Context(location, writable)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            name, args = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            break
        try:
            reply: tuple[str, Any] = ("ok", jobs.JOBS[name](ctx, *args))
        except KgError as e:
            reply = ("error", error_fields(e))
        except Exception as e:  # a bug, or the store failing: report it, keep serving
            detail = traceback.format_exc(limit=8).splitlines()
            reply = (
                "error",
                {
                    "message": f"internal error: {type(e).__name__}: {e}",
                    "code": "internal",
                    "status": 500,
                    "details": detail[-6:],
                },
            )
        finally:
            if writable:
                ctx.release()  # never keep a writer handle open between jobs
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            break
    ctx.release()


def store_exists(location: str | Path) -> bool:
    return (Path(location) / "CURRENT").exists()
