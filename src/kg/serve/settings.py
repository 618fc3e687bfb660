"""Server settings: one frozen object built from `kg serve` options and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from kg.errors import KgError


@dataclass(frozen=True)
class Settings:
    """Everything `kg serve` can be told. Times are seconds, sizes bytes.

    `timeout` is the server's time limit per query; a request may lower it (`timeout=` parameter)
    but never raise it. A query that overruns is stopped by killing the worker process running it.
    """

    store: str
    token: str | None = None  # enables SPARQL Update, the Graph Store Protocol writes and POST /documents
    timeout: float = 30.0
    write_timeout: float = 300.0  # updates and uploads (SHACL validation of a large notice takes a while)
    max_rows: int = 10_000  # rows (or triples) per answer; more are cut and the answer says so
    max_body: int = 8 * 1024 * 1024  # request body cap (413 above)
    workers: int = 2  # query worker processes = queries evaluated at once
    max_pending: int = 32  # requests allowed to wait for a free worker (503 above)
    memory_limit: int = 1_000_000  # readers query a snapshot in memory up to this many quads (0: never)
    result_cache: int = 64 * 1024 * 1024  # bytes of named-query answers kept until the data changes (0: off)
    cors_origins: tuple[str, ...] = field(default_factory=tuple)  # e.g. ("*",) or ("https://a.example",)
    title: str = "kg: 重点工作任务分解 knowledge graph"

    @classmethod
    def build(cls, store: str | Path, **options: Any) -> Settings:
        """Settings from keyword options (None = default); the token also comes from $KG_TOKEN."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise KgError(f"unknown server setting(s): {', '.join(unknown)}", code="bad-parameter")
        values = {k: v for k, v in options.items() if v is not None}
        values.setdefault("token", os.environ.get("KG_TOKEN") or None)
        if isinstance(values.get("cors_origins"), str):
            values["cors_origins"] = tuple(o.strip() for o in values["cors_origins"].split(",") if o.strip())
        elif values.get("cors_origins") is not None:
            values["cors_origins"] = tuple(values["cors_origins"])
        settings = cls(store=str(store), **values)
        settings.check()
        return settings

    def check(self) -> None:
        if self.timeout <= 0 or self.write_timeout <= 0:
            raise KgError("time limits must be positive", code="bad-parameter")
        if self.workers < 1 or self.max_rows < 1 or self.max_body < 1 or self.max_pending < 0:
            raise KgError("workers, max_rows and max_body must be at least 1", code="bad-parameter")
        if self.result_cache < 0:
            raise KgError("result_cache must be 0 (off) or a number of bytes", code="bad-parameter")
        if self.memory_limit < 0:
            raise KgError("memory_limit must be 0 (never) or a number of quads", code="bad-parameter")
        if self.token is not None and len(self.token) < 8:
            raise KgError("the write token must have at least 8 characters", code="bad-parameter")

    @property
    def writable(self) -> bool:
        return bool(self.token)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)
