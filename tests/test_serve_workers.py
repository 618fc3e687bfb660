"""Worker processes that die outside a job are replaced: a worker killed from outside (SIGKILL, as
the OOM killer does) costs no failed query, the pool gets back to its size, /healthz says how many
workers run; and a replacement that fails to start is retried until one starts."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest

from kg.serve import pool as pool_module
from kg.serve.pool import Pool
from kg.serve.testing import LiveServer

FUXI = {"unit": "伏羲山管委会", "format": "json"}
FUXI_TASKS = 36


def _wait_for(check, seconds: float = 60.0):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds:g} s")


def test_a_worker_killed_from_outside_is_replaced(seed_store_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(seed_store_dir, store)
    with (
        LiveServer(store, workers=2, result_cache=0, log=tmp_path / "serve.log") as server,  # every query to a worker
        httpx.Client(base_url=server.url, timeout=60) as http,
    ):
        health = http.get("/healthz").json()
        assert health["worker_count"] == 2 and health["workers_configured"] == 2
        before = health["workers"]
        os.kill(before[0], signal.SIGKILL)
        _wait_for(lambda: not os.path.exists(f"/proc/{before[0]}/cmdline") or _zombie(before[0]))
        for _ in range(6):  # every query lands, whichever worker it is given
            r = http.get("/queries/unit-tasks", params=FUXI)
            assert r.status_code == 200, r.text
            assert len(r.json()["rows"]) == FUXI_TASKS
        after = _wait_for(lambda: (h := http.get("/healthz").json())["worker_count"] == 2 and h)
        assert before[0] not in after["workers"] and before[1] in after["workers"]
        assert len(after["workers"]) == 2
        assert http.get("/queries/units", params={"format": "csv"}).status_code == 200


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_failing_replacement_is_retried(
    seed_store_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Starting the replacement fails twice (as when a new process closed its channel at once): the
    pool retries with backoff, and the job waiting for a worker runs on the third one."""
    monkeypatch.setattr(pool_module, "RETRY_FIRST", 0.05)

    async def scenario() -> tuple[int, int, list[int]]:
        pool = Pool(str(seed_store_dir), 1, memory_limit=0)
        await pool.start()
        try:
            [first] = list(pool.workers)
            real = pool._start_one
            failures = [RuntimeError("worker process did not start: the other end closed the channel")] * 2

            async def flaky() -> pool_module.Worker:
                if failures:
                    raise failures.pop()
                return await real()

            monkeypatch.setattr(pool, "_start_one", flaky)
            os.kill(first.pid, signal.SIGKILL)
            await asyncio.to_thread(first.process.join, 10)
            pid = await pool.run("ping", (), timeout=30)
            return first.pid, pid, pool.pids()
        finally:
            pool.close()

    with caplog.at_level("WARNING", logger="kg.serve"):
        dead, answered_by, pids = asyncio.run(scenario())
    assert answered_by != dead and pids == [answered_by]
    attempts = [r.getMessage() for r in caplog.records if "could not start a replacement" in r.getMessage()]
    assert len(attempts) == 2 and "attempt 1" in attempts[0] and "attempt 2" in attempts[1]
