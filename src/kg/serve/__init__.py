"""`kg serve`: the SPARQL 1.1 endpoint, named queries over HTTP and pages for every minted IRI.

    >>> from kg.serve import run
    >>> run(".kg/store", host="127.0.0.1", port=8000, token=None, timeout=30)   # blocks

`create_app(settings)` gives the FastAPI app (tests); `Settings.build(store, **options)` the settings.
Queries run in worker processes (see `kg.serve.pool`), never on the event loop. docs/http.md is
the user's guide.

The package imports FastAPI only when `run` or `create_app` is used, so `kg.serve.settings` is
cheap to import (the CLI reads its defaults for `kg serve --help`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.serve.settings import Settings

if TYPE_CHECKING:
    from kg.serve.app import create_app


def run(store_location: str | Path, host: str = "127.0.0.1", port: int = 8000, **settings: Any) -> None:
    """Serve the store at `store_location` until interrupted.

    Settings (see `kg.serve.settings.Settings`): token (else $KG_TOKEN), timeout, write_timeout,
    max_rows, max_body, workers, max_pending, memory_limit, result_cache, cors_origins, title;
    `log_level` goes to uvicorn.
    """
    import uvicorn

    from kg.serve.app import create_app

    log_level = settings.pop("log_level", None) or "info"
    app = create_app(Settings.build(store_location, **settings))
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=log_level == "debug",
        # uvicorn would pick uvloop when installed; under it the server died by SIGSEGV within a
        # minute of load with worker kills for runaway queries, never with asyncio's own loop
        loop="asyncio",
        timeout_graceful_shutdown=5,
    )


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from kg.serve.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["run", "create_app", "Settings"]
