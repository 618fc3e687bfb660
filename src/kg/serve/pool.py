"""Worker processes and the scheduling of jobs on them (main-process side).

`Engine.read` runs a job on one of N reader processes (bounded concurrency, a bounded waiting
line, a time limit that kills the process that overran). `Engine.write` waits until no read is
running, tells the readers to let go of their store handles, runs the job on the single writer
process, has the readers reload, and lets reads resume.

Nothing here blocks the event loop: a job goes to its worker as a length-prefixed pickle on a Unix
socket and the answer is awaited on the loop itself (asyncio streams), so a request costs no
thread hand-off. Starting and stopping processes happens in threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import pickle
import time
from collections.abc import Hashable
from typing import Any

import anyio

from kg.errors import KgError
from kg.serve import worker as worker_module
from kg.store.endpoints import is_remote
from kg.store.watch import DirWatch

log = logging.getLogger("kg.serve")
_SPAWN = multiprocessing.get_context("spawn")  # no fork of a process with threads and an event loop
_START_TIMEOUT = 600.0  # a reader loads its snapshot before it says it is ready
FRAME = worker_module.FRAME
RETRY_FIRST, RETRY_MAX = 0.5, 30.0  # backoff between attempts to start a replacement worker (seconds)


class Overrun(Exception):
    """The job did not finish within its time limit."""


class WorkerDied(KgError):
    """The worker process died under a job (not the job's own error)."""


class Worker:
    """One worker process and the socket to it.

    `spawn()` (blocking: run it in a thread) starts the process and waits for its first message;
    `attach()` then moves the socket onto the event loop, where `call` sends jobs."""

    def __init__(self, location: str, writable: bool, memory_limit: int) -> None:
        conn, child = _SPAWN.Pipe(duplex=True)
        self.process = _SPAWN.Process(
            target=worker_module.main,
            args=(child, location, writable, memory_limit),
            name="kg-writer" if writable else "kg-reader",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.sock = worker_module.socket_of(conn)
        self.pid: int = self.process.pid or 0
        self.jobs = 0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    def wait_ready(self) -> None:
        self.sock.settimeout(_START_TIMEOUT)
        try:
            tag, _ = worker_module.Channel(self.sock).recv()
        except (OSError, EOFError) as e:
            self.kill()
            raise RuntimeError(f"worker process did not start: {e}") from e
        if tag != "ready":
            self.kill()
            raise RuntimeError(f"unexpected first message from worker: {tag}")
        self.sock.setblocking(False)

    async def attach(self) -> None:
        self._reader, self._writer = await asyncio.open_unix_connection(sock=self.sock, limit=1 << 20)

    async def _recv(self) -> Any:
        assert self._reader is not None
        (size,) = FRAME.unpack(await self._reader.readexactly(FRAME.size))
        return pickle.loads(await self._reader.readexactly(size))

    async def call(self, job: tuple[str, tuple[Any, ...]], timeout: float, grace: float = 0.0) -> Any:
        """Send `job` and await its answer; Overrun past `timeout` (plus `grace` when the worker
        says it is reloading the data first). EOFError/OSError when the process died."""
        assert self._writer is not None
        self.jobs += 1
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        self._writer.write(FRAME.pack(len(data)) + data)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    await self._writer.drain()
                    status, value = await self._recv()
            except TimeoutError:
                raise Overrun from None
            except asyncio.IncompleteReadError as e:
                raise EOFError("the worker process closed its socket") from e
            if status == "loading":
                deadline += grace
                continue
            if status == "error":
                raise KgError(**value)
            return value

    def stop(self) -> None:
        """Kill the process at once and drop the socket (on the event loop, once attached).

        Once attached, the transport owns the socket and closes it itself (on the loop's next turn):
        the descriptor is closed exactly once, by whoever still uses it."""
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            if self._writer is not None:
                self._writer.transport.abort()
            else:
                self.sock.close()

    def reap(self) -> None:
        """Wait until the killed process is gone (blocks: call it in a thread)."""
        self.process.join(timeout=10)

    def kill(self) -> None:
        """`stop` and `reap`, for a worker not attached to a loop (blocks)."""
        self.stop()
        self.reap()

    @property
    def alive(self) -> bool:
        return self.process.is_alive()


def _spawn_ready(location: str, writable: bool, memory_limit: int) -> Worker:
    w = Worker(location, writable, memory_limit)
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
        memory_limit: int = 0,
        reload_grace: float = 300.0,
    ) -> None:
        self.location = location
        self.size = size
        self.writable = writable
        self.max_pending = max_pending
        self.queue_timeout = queue_timeout
        self.memory_limit = memory_limit
        self.reload_grace = reload_grace
        self.workers: set[Worker] = set()
        self.killed: list[int] = []  # pids of workers stopped for overrunning (most recent last)
        self._idle: asyncio.Queue[Worker] = asyncio.Queue()
        self._busy = 0  # workers taken out for a job (also one whose caller went away)
        self._quiet = asyncio.Event()  # set while no worker is busy
        self._quiet.set()
        self._waiting = 0
        self._closed = False
        self._tasks: set[asyncio.Task[Any]] = set()

    async def _start_one(self) -> Worker:
        w = await anyio.to_thread.run_sync(_spawn_ready, self.location, self.writable, self.memory_limit)
        try:
            await w.attach()
        except BaseException:
            await anyio.to_thread.run_sync(w.kill)
            raise
        return w

    async def start(self) -> None:
        for w in await asyncio.gather(*(self._start_one() for _ in range(self.size))):
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
        if self._idle.empty():
            self._waiting += 1
            try:
                w = await asyncio.wait_for(self._idle.get(), self.queue_timeout)
            except TimeoutError as e:
                raise KgError(
                    f"no query worker became free within {self.queue_timeout:g} s", code="busy", status=503
                ) from e
            finally:
                self._waiting -= 1
        else:
            w = self._idle.get_nowait()
        if not w.alive:  # killed from outside (OOM killer, an operator) while idle: replace it
            self._replace(w, overran=False)
            return await self._acquire()
        self._busy += 1
        self._quiet.clear()
        return w

    def _checkin(self, w: Worker | None) -> None:
        """The job on `w` is over: back to the idle workers (None: it was replaced)."""
        if w is not None:
            self._idle.put_nowait(w)
        self._busy -= 1
        if self._busy == 0:
            self._quiet.set()

    async def quiet(self) -> None:
        """Return once no job runs on any worker."""
        await self._quiet.wait()

    async def run(self, name: str, args: tuple[Any, ...], timeout: float) -> Any:
        try:
            return await self._run_once(name, args, timeout)
        except WorkerDied:
            if self.writable:  # a write may have happened before the process died: never repeat it
                raise
            log.warning("query worker died under a job; running the job once more on another worker")
            return await self._run_once(name, args, timeout)

    async def _run_once(self, name: str, args: tuple[Any, ...], timeout: float) -> Any:
        w = await self._acquire()
        started = time.monotonic()
        call = asyncio.ensure_future(w.call((name, args), timeout, self.reload_grace))
        try:
            result = await asyncio.shield(call)
        except Overrun:
            self._replace(w, overran=True)
            self._checkin(None)
            await anyio.to_thread.run_sync(w.reap)  # gone before we answer: the query is stopped
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
            self._checkin(None)
            raise WorkerDied(
                f"the query worker process {w.pid} died ({type(e).__name__}); it was replaced",
                code="worker-died",
                status=500,
            ) from None
        except KgError:
            self._checkin(w)  # the job's own error: the worker is fine
            raise
        except asyncio.CancelledError:
            # Our caller went away; the job still runs (it keeps its time limit). The worker goes back
            # to the pool once its answer has been read, or is replaced if it overruns.
            self._keep(self._settle(w, call))
            raise
        self._checkin(w)
        return result

    async def _settle(self, w: Worker, call: asyncio.Future[Any]) -> None:
        try:
            await call
        except KgError:
            pass
        except Overrun:
            self._replace(w, overran=True)
            self._checkin(None)
            return
        except BaseException:
            self._replace(w, overran=False)
            self._checkin(None)
            return
        self._checkin(w)

    def _keep(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _replace(self, w: Worker, *, overran: bool) -> None:
        """Kill `w` now and start a replacement in the background."""
        w.stop()  # at once: a runaway query stops now; the process is reaped in the background
        self.workers.discard(w)
        if overran:
            self.killed.append(w.pid)
            del self.killed[:-50]
        log.warning(
            "worker %s stopped (%s); starting a replacement", w.pid, "time limit" if overran else "died"
        )
        self._keep(self._respawn(w))

    async def _respawn(self, dead: Worker) -> None:
        """Start a replacement for `dead`, retrying with backoff until one starts (or the pool closes):
        a start can fail for a passing reason (memory, the store busy), and the pool must get back to
        its size rather than serve on with a worker fewer for good."""
        await anyio.to_thread.run_sync(dead.reap)
        delay = RETRY_FIRST
        attempt = 1
        while True:
            if self._closed:
                return
            try:
                new = await self._start_one()
                break
            except Exception as e:
                log.warning(
                    "could not start a replacement worker (attempt %d): %s; retrying in %.1f s",
                    attempt,
                    e,
                    delay,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)
            attempt += 1
        if self._closed:
            new.stop()
            await anyio.to_thread.run_sync(new.reap)
            return
        self.workers.add(new)
        self._idle.put_nowait(new)

    async def broadcast(self, name: str, timeout: float = 30.0) -> None:
        """Run a job on every idle worker at once; call only when no job is running (`quiet`)."""
        taken: list[Worker] = []
        while not self._idle.empty():
            taken.append(self._idle.get_nowait())
        outcomes = await asyncio.gather(
            *(w.call((name, ()), timeout, self.reload_grace) for w in taken), return_exceptions=True
        )
        for w, outcome in zip(taken, outcomes, strict=True):
            if isinstance(outcome, Overrun | EOFError | OSError):
                self._replace(w, overran=False)
            else:
                self._idle.put_nowait(w)

    def pids(self) -> list[int]:
        return sorted(w.pid for w in self.workers)

    def close(self) -> None:
        self._closed = True
        workers = list(self.workers)
        self.workers.clear()
        for w in workers:
            w.stop()
        for w in workers:
            w.reap()


class Engine:
    """Readers and (when writes are enabled) one writer over the same on-disk store."""

    def __init__(
        self,
        location: str,
        *,
        readers: int,
        writable: bool,
        max_pending: int,
        memory_limit: int = 0,
        reload_grace: float = 300.0,
    ) -> None:
        self.readers = Pool(
            location, readers, max_pending=max_pending, memory_limit=memory_limit, reload_grace=reload_grace
        )
        self.writer = Pool(location, 1, writable=True, max_pending=max_pending) if writable else None
        self.generation = 0  # bumped by every write: caches keyed by it stay correct
        self._watch = None if is_remote(location) else DirWatch(location)
        self._active_reads = 0  # reads admitted (waiting for a worker or running)
        self._no_reads = asyncio.Event()  # set while no read is admitted
        self._no_reads.set()
        self._no_write = asyncio.Event()  # set while no write runs or waits
        self._no_write.set()
        self._write_lock = asyncio.Lock()

    def data_stamp(self) -> Hashable | None:
        """The data's version: changes with every write, through this server (the generation) or
        by another process (the store directory's file stamp). None when it cannot be known (a
        remote store that others write to unseen, or an unreadable directory): cache nothing then."""
        if self._watch is None:
            return None
        files = self._watch.stamp()
        return None if files is None else (self.generation, files)

    async def start(self) -> None:
        await self.readers.start()
        if self.writer:
            await self.writer.start()

    async def read(self, name: str, *args: Any, timeout: float) -> Any:
        while not self._no_write.is_set():
            await self._no_write.wait()
        self._active_reads += 1
        self._no_reads.clear()
        try:
            return await self.readers.run(name, args, timeout)
        finally:
            self._active_reads -= 1
            if self._active_reads == 0:
                self._no_reads.set()

    async def write(self, name: str, *args: Any, timeout: float) -> Any:
        if self.writer is None:
            raise KgError(
                "writes are disabled on this server (start it with --token or KG_TOKEN)",
                code="read-only",
                status=403,
            )
        async with self._write_lock:
            self._no_write.clear()
            try:
                await self._no_reads.wait()
                await self.readers.quiet()  # also a job whose caller went away
                await self.readers.broadcast("release")
                try:
                    return await self.writer.run(name, args, timeout)
                finally:
                    self.generation += 1
                    await self.readers.broadcast("refresh", timeout)  # readers see the write at once
            finally:
                self._no_write.set()

    def close(self) -> None:
        self.readers.close()
        if self.writer:
            self.writer.close()
