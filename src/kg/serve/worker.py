"""The worker process: holds the data and runs jobs sent over a socket.

Query evaluation in pyoxigraph releases the GIL and cannot be interrupted, so every query runs
in one of these processes; the server kills a worker whose job overruns its time limit and starts
a new one.

Readers answer from one of two views of the on-disk store, chosen when the data is (re)loaded:

* a **snapshot in memory** (a pyoxigraph in-memory store filled from the on-disk one) when the
  store holds at most `memory_limit` quads: named queries run 2-3x faster than on RocksDB, at
  about 0.4 kB of memory per quad in every reader;
* a **read-only handle** on the store otherwise.

Either way the reader notices a write (by the server's writer or by `kg ingest` in another
process) before its next job, by two `stat` calls (the store directory, and the write-ahead
log it knows), and then reloads. The writer opens the store read-write for one job at a time and
closes it afterwards, so no writer handle lives while readers read (pyoxigraph documents a
read-only handle next to a live writer as undefined behaviour).

Protocol: length-prefixed pickles on a Unix socket (`Channel`). The parent sends
`(job_name, args)`; the worker answers `("ok", value)` or `("error", fields_of_a_KgError)`, and may
first send `("loading", None)` when the job has to wait for a reload (the parent then allows the
reload time on top of the job's time limit). The first message a worker sends is `("ready", pid)`.
"""

from __future__ import annotations

import gc
import os
import pickle
import socket
import struct
import sys
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.store.endpoints import is_remote
from kg.store.watch import DirWatch, Stamp

FRAME = struct.Struct("!Q")  # length of the pickle that follows
REMOTE_CACHE_TTL = 5.0  # seconds a remote store's parameter resolutions are trusted (others may write)


class Channel:
    """Blocking, length-prefixed pickles over a socket (the worker's end)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def send(self, message: Any) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) < 1 << 16:
            self.sock.sendall(FRAME.pack(len(data)) + data)
        else:  # no copy of a large answer just to prepend 8 bytes
            self.sock.sendall(FRAME.pack(len(data)))
            self.sock.sendall(data)

    def recv(self) -> Any:
        (size,) = FRAME.unpack(self._exactly(FRAME.size))
        return pickle.loads(self._exactly(size))

    def _exactly(self, n: int) -> bytes:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self.sock.recv_into(view[got:])
            if k == 0:
                raise EOFError("the other end closed the channel")
            got += k
        return bytes(buf)


def socket_of(conn: Connection) -> socket.socket:
    """The Unix socket under a `multiprocessing.Pipe` end (which is how it crosses into the child)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=os.dup(conn.fileno()))
    conn.close()
    return sock


class Context:
    """What a job may use: the store (opened or loaded lazily) and per-process caches."""

    def __init__(
        self, location: str, writable: bool, memory_limit: int = 0, channel: Channel | None = None
    ) -> None:
        self.location = location
        self.writable = writable
        self.memory_limit = memory_limit
        self.channel = channel
        self.remote = is_remote(location)
        self.cache: dict[str, Any] = {}  # per process (catalogue, registry)
        self.store_cache: dict[str, Any] = {}  # per loaded data: emptied when the data may have changed
        self._cache_born = time.monotonic()
        self.in_memory = False
        self.in_job = False  # set by the worker loop: a reload inside a job is announced to the parent
        self._store: Any = None
        self._stamp: Stamp | None = None
        self._watch = None if self.remote else DirWatch(location)

    def _dir_stamp(self) -> Stamp | None:
        """Changes when the store was written to (see kg.store.watch); None for a remote store."""
        return None if self._watch is None else self._watch.stamp()

    def store(self) -> Any:
        """The kg store: a snapshot or read-only handle for readers (reloaded when the store
        changed), read-write for the writer (open until `release()`)."""
        if self._store is not None and not self.writable and self._dir_stamp() != self._stamp:
            self.release()
        if self._store is None:
            self._open()
        elif self.remote and time.monotonic() - self._cache_born > REMOTE_CACHE_TTL:
            # others write to a remote server unseen: what was derived from its data ages out
            self.store_cache.clear()
            self._cache_born = time.monotonic()
        return self._store

    def _open(self) -> None:
        from kg.store import open_store

        self._stamp = self._dir_stamp()
        self._cache_born = time.monotonic()
        if self.writable:
            self._store = open_store(self.location)
            return
        disk = open_store(self.location, read_only=True)
        if not self.memory_limit or self.remote:  # a copy of a server's data would go stale
            self._store = disk
            return
        raw = disk.raw
        if len(raw) > self.memory_limit:
            self._store = disk
            return
        import pyoxigraph as ox

        from kg.store.oxigraph import OxigraphStore

        if self.in_job and self.channel is not None:
            self.channel.send(("loading", None))  # loading is not part of the job's time limit
        snapshot = OxigraphStore(None)
        snapshot.raw.bulk_load(raw.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
        disk.close()
        del disk, raw
        gc.collect()  # RocksDB closes when the pyoxigraph object is collected
        self._store = snapshot
        self.in_memory = True

    def refresh(self) -> None:
        """Reload now when the store changed (after a write, before reads resume)."""
        if self._store is None or self._dir_stamp() != self._stamp:
            self.release()
            self._open()

    def raw(self) -> Any:
        """The underlying pyoxigraph.Store (dataset arguments, base IRI, ...)."""
        return self.store().raw

    def release(self) -> None:
        """Close the store handle, or drop the snapshot."""
        self.store_cache.clear()
        self.in_memory = False
        if self._store is not None:
            self._store.close()
            self._store = None
            gc.collect()  # RocksDB closes when the pyoxigraph object is collected

    def release_disk(self) -> None:
        """Before a write: let go of a RocksDB handle; a snapshot in memory is kept."""
        if not self.in_memory:
            self.release()


def error_fields(exc: KgError) -> dict[str, Any]:
    return {
        "message": exc.message,
        "code": exc.code,
        "file": exc.file,
        "line": exc.line,
        "status": exc.status,
        "details": list(exc.details),
    }


def _internal(e: Exception) -> dict[str, Any]:
    """A bug or a store failure: the traceback goes to the server's log, never into a response."""
    traceback.print_exc(file=sys.stderr)
    return {
        "message": f"internal error: {type(e).__name__}: {e}",
        "code": "internal",
        "status": 500,
        "details": [],
    }


def main(conn: Connection, location: str, writable: bool, memory_limit: int = 0) -> None:
    """Worker loop (runs in the child process)."""
    from kg.serve import jobs

    channel = Channel(socket_of(conn))
    ctx = Context(location, writable, memory_limit, channel)
    if not writable:
        try:
            ctx.store()  # load before saying ready: the first query does not pay for it
        except KgError:
            ctx.release()  # reported to the job that needs the store
    channel.send(("ready", os.getpid()))
    while True:
        try:
            name, args = channel.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            break
        ctx.in_job = True
        try:
            reply: tuple[str, Any] = ("ok", jobs.JOBS[name](ctx, *args))
        except KgError as e:
            reply = ("error", error_fields(e))
        except Exception as e:  # a bug, or the store failing: report it, keep serving
            reply = ("error", _internal(e))
        finally:
            ctx.in_job = False
            if writable:
                ctx.release()  # never keep a writer handle open between jobs
        try:
            channel.send(reply)
        except (BrokenPipeError, OSError):
            break
    ctx.release()


def store_exists(location: str | Path) -> bool:
    """A store directory with data files; a remote store always exists (its server says otherwise)."""
    return is_remote(location) or (Path(location) / "CURRENT").exists()
