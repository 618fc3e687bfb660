"""`python -m kg.serve --store DIR [--host H] [--port P] [--token T] ...`: the server without the kg CLI."""

from __future__ import annotations

import argparse
import sys

from kg.errors import KgError
from kg.paths import default_store


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kg.serve", description="Serve a kg store over HTTP.")
    p.add_argument("--store", default=None, help="store directory (default: $KG_STORE or ./.kg/store)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--token", default=None, help="enables writes (else $KG_TOKEN)")
    p.add_argument("--timeout", type=float, default=None, help="time limit per query, seconds")
    p.add_argument("--max-rows", type=int, default=None)
    p.add_argument("--max-body", type=int, default=None)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--cors", dest="cors_origins", default=None, help="comma-separated allowed origins, or *")
    p.add_argument("--log-level", default="info")
    a = p.parse_args(argv)
    from kg.serve import run

    try:
        run(
            a.store or default_store(),
            a.host,
            a.port,
            token=a.token,
            timeout=a.timeout,
            max_rows=a.max_rows,
            max_body=a.max_body,
            workers=a.workers,
            cors_origins=a.cors_origins,
            log_level=a.log_level,
        )
    except KgError as e:
        print(e.render(), file=sys.stderr)
        return e.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
