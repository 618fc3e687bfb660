"""Worker processes and the scheduling of jobs on them (main-process side).

`Engine.read` runs a job on one of N reader processes (bounded concurrency, a bounded waiting
line, a time limit that kills the process that overran). `Engine.write` waits until no read is
running, tells the readers to close their store handles, runs the job on the single writer
process, and lets reads resume (readers reopen the store on their next job).

Nothing here blocks the event loop: a call waits for its worker's answer in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import threading
import time
from typing import Any

import anyio

from kg.errors import KgError
from kg.serve import worker as worker_module

log = logging.getLogger("kg.serve")
_SPAWN = multiprocessing.get_context("spawn")  # no fork of a process with threads and an event loop
_START_TIMEOUT = 60.0


class Overrun(Exception):
    """The job did not finish within its time limit."""


class Worker:
    """One worker process and the pipe to it. `call` blocks: run it in a thread."""

    def __init__(self, location: str, writable: bool) -> None:
        self.conn, child = _SPAWN.Pipe(duplex=True)
        self.process = _SPAWN.Process(
            target=worker_module.main,
            args=(child, location, writable),
            name="kg-writer" if writable else "kg-reader",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.pid: int = self.process.pid or 0
        self.jobs = 0

    def wait_ready(self) -> None:
        if not self.conn.poll(_START_TIMEOUT):
            self.kill()
            raise RuntimeError("worker process did not start")
        tag, _ = self.conn.recv()
        if tag != "ready":
            raise RuntimeError(f"unexpected first message from worker: {tag}")

    def call(self, job: tuple[str, tuple[Any, ...]], timeout: float) -> Any:
        self.jobs += 1
        self.conn.send(job)
        if not self.conn.poll(timeout):
            raise Overrun
        status, value = self.conn.recv()
        if status == "error":
            raise KgError(**value)
        return value

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.join(timeout=10)
        with contextlib.suppress(Exception):
            self.conn.close()

    @property
    def alive(self) -> bool:
        return self.process.is_alive()


def _spawn_ready(location: str, writable: bool) -> Worker:
    w = Worker(location, writable)
    w.wait_ready()
    return w


class Pool:
    """N workers of one kind; a job waits (up to `max_pending` jobs) for a free worker."""

    def __init__(
        self,
        location: str,
        size: int,
        *,
        writable: bool = False,
        max_pending: int = 32,
        queue_timeout: float = 60.0,
    ) -> None:
        self.location = location
        self.size = size
        self.writable = writable
        self.max_pending = max_pending
        self.queue_timeout = queue_timeout
        self.workers: set[Worker] = set()
        self.killed: list[int] = []  # pids of workers stopped for overrunning (most recent last)
        self._idle: asyncio.Queue[Worker] = asyncio.Queue()
        self._waiting = 0
        self._lock = threading.Lock()
        self._closed = False

    async def start(self) -> None:
        workers = await asyncio.gather(
            *(anyio.to_thread.run_sync(_spawn_ready, self.location, self.writable) for _ in range(self.size))
        )
        for w in workers:
            self.workers.add(w)
            self._idle.put_nowait(w)

    async def _acquire(self) -> Worker:
        if self._idle.empty() and self._waiting >= self.max_pending:
            raise KgError(
                f"the server is busy ({self.size} queries running, {self._waiting} waiting); "
                "try again shortly",
                code="busy",
                status=503,
            )
        self._waiting += 1
        try:
            return await asyncio.wait_for(self._idle.get(), self.queue_timeout)
        except TimeoutError as e:
            raise KgError(
                f"no query worker became free within {self.queue_timeout:g} s", code="busy", status=503
            ) from e
        finally:
            self._waiting -= 1

    async def run(self, name: str, args: tuple[Any, ...], timeout: float) -> Any:
        w = await self._acquire()
        started = time.monotonic()
        try:
            result = await anyio.to_thread.run_sync(w.call, (name, args), timeout)
        except Overrun:
            self._replace(w, overran=True)
            elapsed = time.monotonic() - started
            raise KgError(
                f"the query was stopped after {elapsed:.1f} s: it exceeded the time limit of "
                f"{timeout:g} s (server setting --timeout, or the request's timeout parameter)",
                code="time-limit",
                status=503,
                details=[f"worker process {w.pid} was stopped and replaced"],
            ) from None
        except (EOFError, OSError) as e:
            self._replace(w, overran=False)
            raise KgError(
                f"the query worker process {w.pid} died ({type(e).__name__}); it was replaced",
                code="worker-died",
                status=500,
            ) from None
        except BaseException:
            self._idle.put_nowait(w)  # a KgError from the job, or our caller was cancelled mid-wait
            raise
        self._idle.put_nowait(w)
        return result

    def _replace(self, w: Worker, *, overran: bool) -> None:
        """Kill `w` now and start a replacement in the background."""
        w.kill()
        self.workers.discard(w)
        if overran:
            self.killed.append(w.pid)
            del self.killed[:-50]
        log.warning(
            "worker %s stopped (%s); starting a replacement", w.pid, "time limit" if overran else "died"
        )
        loop = asyncio.get_running_loop()

        def spawn() -> None:
            try:
                new = _spawn_ready(self.location, self.writable)
            except Exception:  # keep serving with one worker fewer rather than crash
                log.exception("could not start a replacement worker")
                return
            if self._closed:
                new.kill()
                return
            loop.call_soon_threadsafe(self._adopt, new)

        threading.Thread(target=spawn, daemon=True).start()

    def _adopt(self, w: Worker) -> None:
        self.workers.add(w)
        self._idle.put_nowait(w)

    async def broadcast(self, name: str, timeout: float = 30.0) -> None:
        """Run a job on every worker; call only when no job is running (all workers are idle)."""
        taken: list[Worker] = []
        while not self._idle.empty():
            taken.append(self._idle.get_nowait())
        try:
            for w in taken:
                await anyio.to_thread.run_sync(w.call, (name, ()), timeout)
        finally:
            for w in taken:
                self._idle.put_nowait(w)

    def pids(self) -> list[int]:
        return sorted(w.pid for w in self.workers)

    def close(self) -> None:
        self._closed = True
        for w in list(self.workers):
            w.kill()
        self.workers.clear()


class Engine:
    """Readers and (when writes are enabled) one writer over the same on-disk store."""

    def __init__(self, location: str, *, readers: int, writable: bool, max_pending: int) -> None:
        self.readers = Pool(location, readers, max_pending=max_pending)
        self.writer = Pool(location, 1, writable=True, max_pending=max_pending) if writable else None
        self.generation = 0  # bumped by every write: caches keyed by it stay correct
        self._active_reads = 0
        self._writing = False
        self._cond = asyncio.Condition()
        self._write_lock = asyncio.Lock()

    async def start(self) -> None:
        await self.readers.start()
        if self.writer:
            await self.writer.start()

    async def read(self, name: str, *args: Any, timeout: float) -> Any:
        async with self._cond:
            await self._cond.wait_for(lambda: not self._writing)
            self._active_reads += 1
        try:
            return await self.readers.run(name, args, timeout)
        finally:
            async with self._cond:
                self._active_reads -= 1
                self._cond.notify_all()

    async def write(self, name: str, *args: Any, timeout: float) -> Any:
        if self.writer is None:
            raise KgError(
                "writes are disabled on this server (start it with --token or KG_TOKEN)",
                code="read-only",
                status=403,
            )
        async with self._write_lock:
            async with self._cond:
                self._writing = True
                await self._cond.wait_for(lambda: self._active_reads == 0)
            try:
                await self.readers.broadcast("release")
                return await self.writer.run(name, args, timeout)
            finally:
                self.generation += 1
                async with self._cond:
                    self._writing = False
                    self._cond.notify_all()

    def close(self) -> None:
        self.readers.close()
        if self.writer:
            self.writer.close()
