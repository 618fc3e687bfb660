"""`python -m kg.serve --store DIR [--port P] [--token T] ...`: `kg serve` (same options, see
`kg serve --help`), runnable without the `kg` entry point."""

from __future__ import annotations

import sys

from kg.errors import KgError


def main(argv: list[str] | None = None) -> int:
    from kg.cli import serve

    try:
        serve.main(args=argv, prog_name="python -m kg.serve", standalone_mode=False)
    except KgError as e:
        print(e.render(), file=sys.stderr)
        return e.exit_code
    except SystemExit as e:
        return int(e.code or 0)
    except Exception as e:  # click usage errors (standalone_mode=False hands them to us)
        from click import ClickException

        if isinstance(e, ClickException):
            e.show()
            return 2
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
