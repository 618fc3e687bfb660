"""The `kg` command line.

\b
    kg ingest FILE_OR_DIR... [--jobs N] [-v] [--store DIR]
    kg query NAME [-p NAME VALUE]... [--format table|csv|tsv|json] [--bom] [--store DIR]
    kg queries [--format table|json]
    kg validate [--store DIR]
    kg export [--format turtle|ntriples|nquads|trig|jsonld] [--store DIR]
    kg sparql QUERY_OR_- [--format ...] [--store DIR]
    kg serve [--store DIR] [--host 127.0.0.1] [--port 8000] [--workers N] [--timeout S] [--token T] ...

The store is --store DIR (or a SPARQL server URL, docs/engines.md), else $KG_STORE, else ./.kg/store. Exit status: 0 fine; 1 something was
refused, a query failed on bad input, or validation found violations; 2 usage or internal error.
Errors are printed as `error: file:line: message` (no traceback unless --debug).
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kg.errors import KgError

STORE_HELP = (
    "store directory, or the URL of a SPARQL 1.1 server (see docs/engines.md); "
    "default: $KG_STORE, else ./.kg/store"
)
TABLE_FORMATS = ("table", "csv", "tsv", "json")
GRAPH_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld")
TEXT_CELL_WIDTH = 48  # terminal tables cut long cells (task texts) to this many columns


def _debug_enabled(ctx: click.Context | None = None) -> bool:
    ctx = ctx or click.get_current_context(silent=True)
    return bool(ctx is not None and isinstance(ctx.obj, dict) and ctx.obj.get("debug"))


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # ctx.obj is the dict the group created, shared with every subcommand context
    if value:
        ctx.ensure_object(dict)["debug"] = True


class KgGroup(click.Group):
    """Renders KgError (and unexpected exceptions) as `error: …` lines with the right exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KgError as e:
            if _debug_enabled(ctx):
                traceback.print_exc()
            click.echo(e.render(), err=True)
            sys.exit(e.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except BrokenPipeError:
            sys.exit(1)
        except Exception as e:
            if _debug_enabled(ctx):
                traceback.print_exc()
            else:
                click.echo(
                    f"error: internal error: {type(e).__name__}: {e} (run with --debug for the traceback)",
                    err=True,
                )
            sys.exit(2)


def debug_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        callback=_set_debug,
        is_eager=True,
        help="show tracebacks",
    )(f)


def store_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--store", "store", type=click.Path(path_type=Path), default=None, help=STORE_HELP)(f)


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg", prog_name="kg")
@click.option("--debug", is_flag=True, help="show tracebacks on errors")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """kg: a knowledge graph of government task-decomposition notices (重点工作任务分解)."""
    ctx.ensure_object(dict)["debug"] = debug


def main() -> None:
    """Console-script entry point (`kg`)."""
    cli(prog_name="kg")


def _write(text: str | bytes) -> None:
    if isinstance(text, bytes):
        stream = click.get_binary_stream("stdout")
        stream.write(text)
        stream.flush()
    else:
        click.echo(text, nl=False)


def _open(store: Path | None, *, read_only: bool) -> Any:
    from kg.store import open_store

    return open_store(store, read_only=read_only)


# ----------------------------------------------------------------------------------------------- ingest


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="processes that parse, build and validate (0: one per CPU); writes stay in one process",
)
@click.option("-v", "--verbose", is_flag=True, help="list every warning after the table")
@store_option
@debug_option
def ingest(paths: tuple[Path, ...], jobs: int, verbose: bool, store: Path | None) -> None:
    """Parse, validate, link and store notices (files, or directories walked for .txt/.html/.htm/.docx).

    Each document replaces its previous version in one atomic write; a refused file writes nothing,
    and the other files go on. Tasks are linked to those of the stored notices they implement or
    continue (kg.lineage). Also loads data/registry into the store so that queries resolve unit
    names. Prints one line per file (status, file, document or reason, warnings, task links) and a
    summary; a progress bar goes to stderr when it is a terminal. Exit 1 if any file was refused.
    """
    import time

    from kg.ingest import default_jobs, expand_paths, ingest_many, skipped_files, sync_registry
    from kg.registry import Registry

    started = time.monotonic()
    registry = Registry.load()
    files = expand_paths(paths)
    if not files:
        raise KgError(
            "no notice files found (looked for " + ", ".join(_suffixes()) + ")",
            file=" ".join(map(str, paths)) or None,
        )
    with _open(store, read_only=False) as st:
        if sync_registry(st, registry):
            click.echo(f"registry  updated ({len(registry.graph)} triples)")
        with _progress(len(files)) as bar:
            results = ingest_many(files, st, registry, jobs=jobs or default_jobs(), on_result=bar)
    _ingest_table(results)
    for r in results:
        if verbose:
            for w in r.warnings:
                click.echo(f"warning: {r.file}: {w}")
        if r.status == "refused":
            click.echo(r.error().render(), err=True)
            if _debug_enabled() and r.debug:
                click.echo(r.debug, err=True)
    click.echo(_ingest_summary(results, skipped_files(paths), time.monotonic() - started))
    sys.exit(1 if any(r.status == "refused" for r in results) else 0)


class _progress:
    """A tqdm bar on stderr, only when stderr is a terminal; called with each result."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Callable[[Any], None]:
        if sys.stderr.isatty() and self.total > 1:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, unit="file", file=sys.stderr, leave=False)
        return self

    def __call__(self, result: Any) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(Path(result.file).name[:30], refresh=False)
            self.bar.update(1)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


REASON_WIDTH = 60  # refusal reasons are cut in the table; stderr has them in full


def _ingest_table(results: list[Any]) -> None:
    """status | file | document (or reason) | warnings | task links, aligned for CJK."""
    from kg.queries import display_width

    def cut(text: str) -> str:
        if display_width(text) <= REASON_WIDTH:
            return text
        while display_width(text + "…") > REASON_WIDTH:
            text = text[:-1]
        return text + "…"

    rows = [
        (
            r.status,
            r.file,
            r.iri if r.status != "refused" else cut(r.reason or ""),
            str(len(r.warnings)),
            str(r.links),
        )
        for r in results
    ]
    header = ("status", "file", "document / reason", "warnings", "links")
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(3)]

    def pad(text: str, width: int) -> str:
        return text + " " * (width - display_width(text))

    for row in [header, *rows]:
        click.echo(
            f"{pad(row[0], 9)} {pad(row[1], widths[1])}  {pad(row[2] or '', widths[2])}  {row[3]:>8}  {row[4]:>5}"
        )


def _ingest_summary(results: list[Any], skipped: list[Path], seconds: float) -> str:
    counts = {"stored": 0, "unchanged": 0, "refused": 0}
    for r in results:
        counts[r.status] += 1
    parts = [
        f"{len(results)} file{'s' if len(results) != 1 else ''}: "
        + ", ".join(f"{n} {k}" for k, n in counts.items()),
        f"{sum(len(r.warnings) for r in results)} warnings",
        f"{sum(r.links for r in results)} task links",
    ]
    if skipped:
        kinds = ", ".join(sorted({f.suffix.lower() or "no suffix" for f in skipped}))
        parts.append(f"{len(skipped)} other file{'s' if len(skipped) != 1 else ''} skipped ({kinds})")
    parts.append(f"{seconds:.1f} s")
    return "; ".join(parts)


def _suffixes() -> list[str]:
    from kg.ingest import SUFFIXES

    return sorted(SUFFIXES)


# ----------------------------------------------------------------------------------------------- query


def _emit_table(table: Any, fmt: str, bom: bool = False) -> None:
    if fmt == "csv":
        _write(table.to_csv(bom=bom))
    elif fmt == "tsv":
        _write(table.to_tsv())
    elif fmt == "json":
        _write(table.to_json())
    else:
        _write(table.to_text(max_width=TEXT_CELL_WIDTH))


@cli.command()
@click.argument("name")
@click.option(
    "-p",
    "--param",
    "params",
    type=(str, str),
    multiple=True,
    metavar="NAME VALUE",
    help="a parameter value (repeatable), e.g. -p unit 市财政局",
)
@click.option("--format", "fmt", type=click.Choice(TABLE_FORMATS), default="table", show_default=True)
@click.option("--bom", is_flag=True, help="start CSV output with a UTF-8 BOM (for Excel)")
@store_option
@debug_option
def query(name: str, params: tuple[tuple[str, str], ...], fmt: str, bom: bool, store: Path | None) -> None:
    """Run the named query NAME (see `kg queries`).

    \b
    Examples:
      kg query unit-tasks -p unit 伏羲山管委会
      kg query targets -p notice 新密政办〔2021〕6号 --format csv --bom > targets.csv
    """
    from kg.queries import Catalog, run_named

    values: dict[str, str] = {}
    for k, v in params:
        if k in values:
            raise KgError(f"parameter {k} given twice", code="bad-parameter")
        values[k] = v
    nq = Catalog.load().get(name)
    with _open(store, read_only=True) as st:
        table = run_named(st, nq, values)
    _emit_table(table, fmt, bom)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True)
@debug_option
def queries(fmt: str) -> None:
    """List the named queries with their parameters and columns."""
    from kg.queries import Catalog

    catalog = Catalog.load()
    if fmt == "json":
        _write(json.dumps([q.to_dict() for q in catalog], ensure_ascii=False, indent=2) + "\n")
        return
    for q in catalog:
        click.echo(f"{q.name}  —  {q.title.get('zh', '')} / {q.title.get('en', '')}")
        for p in q.params:
            flag = "required" if p.required else f"optional, default {p.default}" if p.default else "optional"
            click.echo(f"    -p {p.name} ({p.type}, {flag}): {p.description}")
        click.echo(f"    columns ({q.kind}): {', '.join(q.column_names)}")


# ----------------------------------------------------------------------------------------------- validate


@cli.command()
@store_option
@debug_option
def validate(store: Path | None) -> None:
    """SHACL-validate every stored document (its graph + the registry).

    Exit 0 when everything conforms, 1 when there are violations, 2 on error.
    """
    try:
        bad, total = _validate_store(store)
    except KgError as e:
        e.exit_code = 2
        raise
    click.echo(f"{total} document{'s' if total != 1 else ''} checked, {bad} with violations")
    sys.exit(1 if bad else 0)


def _validate_store(store: Path | None) -> tuple[int, int]:
    from kg.iris import REGISTRY_GRAPH
    from kg.registry import Registry
    from kg.validate import iter_store

    with _open(store, read_only=True) as st:
        stored = st.document_graph(str(REGISTRY_GRAPH))
        registry = Registry.from_graph(stored) if len(stored) else Registry.load()
        docs = 0
        bad = 0
        for iri, report in iter_store(st, registry):
            docs += 1
            state = "ok" if report.conforms else "VIOLATIONS"
            click.echo(
                f"{state:<10} {iri}  ({len(report.violations)} violations, {len(report.warnings)} warnings)"
            )
            for v in report.violations:
                click.echo(f"  - {v.render()}")
            bad += not report.conforms
    return bad, docs


# ----------------------------------------------------------------------------------------------- compact


@cli.command()
@store_option
@debug_option
def compact(store: Path | None) -> None:
    """Merge the store's table files, so that reads are as fast as after a first load.

    `kg ingest` compacts after a batch that is large next to the store, not after a small one
    (compacting costs time in proportion to the whole store: about 8 s per GB); after many small
    batches reads can be up to ~1.3x slower until RocksDB has merged the files on its own.
    """
    import time

    _open(store, read_only=True).close()  # "no store here" rather than creating an empty one
    with _open(store, read_only=False) as st:
        optimize = getattr(st, "optimize", None)
        if optimize is None:
            click.echo(f"{st.location}: a remote store manages its own storage; nothing to do")
            return
        start = time.perf_counter()
        optimize()
        click.echo(f"{st.location}: compacted in {time.perf_counter() - start:.1f} s")


# ----------------------------------------------------------------------------------------------- export


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(GRAPH_FORMATS),
    default="turtle",
    show_default=True,
    help="turtle/ntriples/jsonld: all graphs merged; nquads/trig: with the named graphs",
)
@store_option
@debug_option
def export(fmt: str, store: Path | None) -> None:
    """Write the whole store to stdout."""
    with _open(store, read_only=True) as st:
        data = st.export(fmt)
    _write(data)


# ----------------------------------------------------------------------------------------------- sparql


def _read_query(text: str) -> str:
    if text == "-":
        return sys.stdin.read()
    p = Path(text)
    if len(text) < 4096 and "\n" not in text and p.suffix in (".rq", ".sparql") and p.is_file():
        return p.read_text(encoding="utf-8")
    return text


@cli.command()
@click.argument("query_text", metavar="QUERY_OR_-")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(TABLE_FORMATS + GRAPH_FORMATS),
    default=None,
    help="SELECT: table (default), csv, tsv, json; CONSTRUCT/DESCRIBE: turtle (default), ntriples, jsonld",
)
@click.option("--bom", is_flag=True, help="start CSV output with a UTF-8 BOM")
@store_option
@debug_option
def sparql(query_text: str, fmt: str | None, bom: bool, store: Path | None) -> None:
    """Run a raw, read-only SPARQL query (text, a .rq file, or - for stdin).

    The default graph is the union of all graphs; the kg prefixes (gw:, eli:, skos:, ...) are predeclared.
    """
    import pyoxigraph as ox

    from kg.iris import PREFIXES
    from kg.queries import Table

    text = _read_query(query_text)
    with _open(store, read_only=True) as st:
        result = st.query(text)
        if isinstance(result, ox.QuerySolutions):
            if fmt in GRAPH_FORMATS:
                raise KgError(
                    f"--format {fmt} is for CONSTRUCT/DESCRIBE; a SELECT gives table, csv, tsv or json",
                    code="bad-parameter",
                )
            _emit_table(Table.from_solutions(result), fmt or "table", bom)
        elif isinstance(result, ox.QueryBoolean):
            value = bool(result)
            _write(json.dumps({"boolean": value}) + "\n" if fmt == "json" else f"{str(value).lower()}\n")
        else:
            graph_fmt = {"json": "jsonld", None: "turtle", "table": "turtle"}.get(fmt, fmt)
            if graph_fmt not in ("turtle", "ntriples", "jsonld"):
                raise KgError(
                    f"--format {fmt} cannot hold CONSTRUCT results; use turtle, ntriples or jsonld",
                    code="bad-parameter",
                )
            rdf = {
                "turtle": ox.RdfFormat.TURTLE,
                "ntriples": ox.RdfFormat.N_TRIPLES,
                "jsonld": ox.RdfFormat.JSON_LD,
            }[graph_fmt]
            _write(ox.serialize(result, format=rdf, prefixes=PREFIXES) or b"")


# ----------------------------------------------------------------------------------------------- serve


def _serve_default(name: str) -> Any:
    """A default of `kg.serve.settings.Settings` (one source for the server and its --help)."""
    from kg.serve.settings import Settings

    return Settings.__dataclass_fields__[name].default


@cli.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8000, show_default=True, type=int, help="port to listen on")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=_serve_default("workers"),
    show_default=True,
    help="query worker processes: how many queries run at once",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=_serve_default("timeout"),
    show_default=True,
    help="time limit per query, seconds; a query past it is stopped (its worker process is "
    "killed and replaced); a request may lower it with ?timeout=",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=_serve_default("max_rows"),
    show_default=True,
    help="rows (or triples) per answer; longer answers are cut and say so",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1),
    default=_serve_default("max_body"),
    show_default=True,
    help="largest request body in bytes (queries, updates, uploads); 413 above",
)
@click.option(
    "--cors-origin",
    "--cors",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="allow browser pages from ORIGIN to call the server (repeat for several; * for any)",
)
@click.option(
    "--token",
    envvar="KG_TOKEN",
    show_envvar=True,
    default=None,
    help="enables writes (SPARQL Update, Graph Store, POST /documents) for requests with "
    "'Authorization: Bearer TOKEN'; at least 8 characters. Without it the server is read-only",
)
@click.option(
    "--write-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=_serve_default("write_timeout"),
    show_default=True,
    help="time limit per write (update, upload), seconds",
)
@click.option(
    "--memory-limit",
    type=click.IntRange(min=0),
    default=_serve_default("memory_limit"),
    show_default=True,
    help="query workers load the store into memory (faster queries, reloaded after writes) when "
    "it holds at most this many quads; 0 = always query on disk",
)
@click.option(
    "--result-cache",
    type=click.IntRange(min=0),
    default=_serve_default("result_cache"),
    show_default=True,
    help="bytes of named-query answers kept in the server until the data changes (any write, "
    "also by `kg ingest` in another process); 0 = off",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    help="server log level (debug also logs every request)",
)
@debug_option
def serve(
    store: Path | None,
    host: str,
    port: int,
    workers: int,
    timeout: float,
    max_rows: int,
    max_body: int,
    cors_origins: tuple[str, ...],
    token: str | None,
    write_timeout: float,
    memory_limit: int,
    result_cache: int,
    log_level: str,
) -> None:
    """Serve the store over HTTP: SPARQL endpoint, named queries, pages (blocks until interrupted).

    \b
    Read-only unless --token (or $KG_TOKEN) is given. docs/http.md describes the routes, formats,
    limits and how to point SPARQLWrapper, YASGUI, Excel, R and pandas at it, e.g.
      kg serve --store .kg/store --port 8000 --timeout 10 --cors-origin '*'
    """
    from kg.paths import default_store

    try:
        from kg.serve import run
    except ImportError as e:
        raise KgError(
            f"the HTTP server (kg.serve) is not available: {e}", code="no-serve", exit_code=2
        ) from e
    run(
        store or default_store(),
        host,
        port,
        workers=workers,
        timeout=timeout,
        max_rows=max_rows,
        max_body=max_body,
        cors_origins=cors_origins or None,
        token=token or None,
        write_timeout=write_timeout,
        memory_limit=memory_limit,
        result_cache=result_cache,
        log_level=log_level,
    )


if __name__ == "__main__":
    main()
