"""The query workers' side of the server: the socket protocol, the store snapshot in memory and
its reload when the store changes, the named-query job, and the `kg serve` options."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import load_dataset

from kg.cli import cli
from kg.serve import jobs
from kg.serve.settings import Settings
from kg.serve.worker import Channel, Context
from kg.store import open_store

FUXI = "伏羲山管委会"
G = "http://example.org/kg-test/engine"


def test_channel_carries_large_messages_both_ways() -> None:
    a, b = socket.socketpair()
    left, right = Channel(a), Channel(b)
    big = {"body": "任务" * 200_000, "rows": list(range(1000))}  # > 64 kB: several socket writes
    sender = threading.Thread(target=left.send, args=(("ok", big),))
    sender.start()
    assert right.recv() == ("ok", big)
    sender.join()
    right.send(("named", ("unit-tasks", {"unit": FUXI})))
    assert left.recv() == ("named", ("unit-tasks", {"unit": FUXI}))
    a.close()
    with pytest.raises(EOFError):
        right.recv()
    b.close()


def _named(ctx: Context, fmt: str, bom: bool = False, max_rows: int = 10_000) -> dict:
    return jobs.named(ctx, "unit-tasks", {"unit": FUXI}, fmt, bom, max_rows)


@pytest.mark.parametrize("memory_limit", [1_000_000, 0], ids=["in-memory", "on-disk"])
def test_named_job_answers_the_same_from_memory_and_disk(seed_store_dir: Path, memory_limit: int) -> None:
    ctx = Context(str(seed_store_dir), writable=False, memory_limit=memory_limit)
    try:
        data = json.loads(_named(ctx, "json")["body"])
        assert ctx.in_memory == bool(memory_limit)
        assert data["count"] == len(data["rows"]) == 36
        assert data["query"] == "unit-tasks" and data["params"] == {"unit": FUXI}
        assert data["columns"][:3] == ["notice", "section", "number"]
        assert {r["notice"] for r in data["rows"]} == {"新密政办〔2021〕6号"}
        csv = _named(ctx, "csv", bom=True)["body"].decode("utf-8")
        assert csv.startswith("\ufeffnotice,section,number,role,via,text,path,unit,task\r\n")
        assert len(csv.splitlines()) == 37
        cut = _named(ctx, "json", max_rows=5)
        assert cut["rows"] == 5 and cut["truncated"] is True
        assert json.loads(cut["body"])["truncated"] is True
    finally:
        ctx.release()


def test_store_over_the_memory_limit_is_queried_on_disk(seed_store_dir: Path) -> None:
    ctx = Context(str(seed_store_dir), writable=False, memory_limit=1000)  # the seed has ~14,500 quads
    try:
        assert _named(ctx, "csv")["rows"] == 36
        assert not ctx.in_memory
    finally:
        ctx.release()


@pytest.mark.parametrize("memory_limit", [1_000_000, 0], ids=["in-memory", "on-disk"])
def test_reader_reloads_after_a_write_by_another_process(mini_store_dir: Path, memory_limit: int) -> None:
    """`kg ingest` (here: a plain writer) changes the store while a reader holds its data: the next
    job sees the change, and the label index behind parameter resolution is rebuilt with it."""
    ctx = Context(str(mini_store_dir), writable=False, memory_limit=memory_limit)
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}"
    try:
        assert jobs.select(ctx, query, 10)[0]["n"]["value"] == "0"
        ctx.store_cache["resolver"] = "stale"  # stands for anything cached for this data
        stamp = ctx._dir_stamp()
        assert ctx._dir_stamp() == stamp  # no write, no reload
        with open_store(mini_store_dir) as writer:
            writer.update(f'INSERT DATA {{ GRAPH <{G}> {{ <http://e/s> <http://e/p> "新" }} }}')
        assert jobs.select(ctx, query, 10)[0]["n"]["value"] == "1"
        assert "resolver" not in ctx.store_cache
        assert ctx.in_memory == bool(memory_limit)
    finally:
        ctx.release()


def test_refresh_and_release_jobs_keep_or_drop_the_right_things(mini_store_dir: Path) -> None:
    ctx = Context(str(mini_store_dir), writable=False, memory_limit=1_000_000)
    try:
        snapshot = ctx.store()
        jobs.release(ctx)  # before a write: a snapshot holds no RocksDB handle, so it stays
        assert ctx.store() is snapshot
        jobs.refresh(ctx)  # nothing changed on disk: nothing reloaded
        assert ctx.store() is snapshot
        with open_store(mini_store_dir) as writer:
            load_dataset(writer)  # same content, but written again: a new snapshot is loaded
            writer.update(f"INSERT DATA {{ GRAPH <{G}> {{ <http://e/s> <http://e/p> 1 }} }}")
        jobs.refresh(ctx)
        assert ctx.store() is not snapshot and ctx.in_memory
    finally:
        ctx.release()


def test_serve_options_reach_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    captured: dict = {}

    def fake_run(store: object, host: str, port: int, **settings: object) -> None:
        log_level = settings.pop("log_level")
        captured.update(settings=Settings.build(store, **settings), host=host, port=port, log=log_level)

    monkeypatch.setattr("kg.serve.run", fake_run)
    monkeypatch.setenv("KG_TOKEN", "token-from-the-environment")
    args = [
        "serve", "--store", str(tmp_path), "--port", "8123", "--workers", "3", "--timeout", "5",
        "--max-rows", "100", "--max-body", "2048", "--cors-origin", "https://a.example",
        "--cors-origin", "https://b.example", "--write-timeout", "60", "--memory-limit", "0",
        "--log-level", "warning",
    ]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    s = captured["settings"]
    assert (s.workers, s.timeout, s.max_rows, s.max_body, s.write_timeout) == (3, 5.0, 100, 2048, 60.0)
    assert s.cors_origins == ("https://a.example", "https://b.example")
    assert s.memory_limit == 0 and s.token == "token-from-the-environment" and s.writable
    assert (captured["port"], captured["log"]) == (8123, "warning")


def test_serve_defaults_and_bad_values(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    captured: dict = {}
    monkeypatch.setattr("kg.serve.run", lambda store, host, port, **kw: captured.update(kw))
    monkeypatch.delenv("KG_TOKEN", raising=False)
    assert CliRunner().invoke(cli, ["serve", "--store", str(tmp_path)]).exit_code == 0
    defaults = Settings(store=str(tmp_path))
    assert captured["timeout"] == defaults.timeout and captured["workers"] == defaults.workers
    assert captured["token"] is None and captured["cors_origins"] is None
    bad = CliRunner().invoke(cli, ["serve", "--store", str(tmp_path), "--workers", "0"])
    assert bad.exit_code == 2 and "--workers" in bad.output
    help_text = CliRunner().invoke(cli, ["serve", "--help"]).output
    for option in ("--workers", "--timeout", "--max-rows", "--max-body", "--cors-origin", "--token",
                   "--write-timeout", "--memory-limit", "--log-level", "KG_TOKEN"):  # fmt: skip
        assert option in help_text


def test_reload_inside_a_job_is_announced(mini_store_dir: Path) -> None:
    """The parent does not count a snapshot reload against the job's time limit: the worker tells
    it `("loading", None)` before it loads."""
    a, b = socket.socketpair()
    ctx = Context(str(mini_store_dir), writable=False, memory_limit=1_000_000, channel=Channel(a))
    try:
        ctx.store()  # at start-up, outside a job: nothing is announced
        with open_store(mini_store_dir) as writer:
            writer.update(f"INSERT DATA {{ GRAPH <{G}> {{ <http://e/s> <http://e/p> 2 }} }}")
        ctx.in_job = True
        ctx.store()
        b.settimeout(5)
        assert Channel(b).recv() == ("loading", None)
        b.setblocking(False)
        with pytest.raises(BlockingIOError):
            b.recv(1)  # announced once
    finally:
        ctx.release()
        a.close()
        b.close()
