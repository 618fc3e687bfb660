"""Hostile input for the readers and the parser: mutations of real fixtures (text, HTML, .docx)
never raise anything but KgError (also through build_graph), and adversarial text costs a bounded
time per size (no super-linear pattern).

The default suite runs a derandomised, bounded sample (~60 s at most); `-m slow` runs many more
examples and the 200 KB inputs.
"""

from __future__ import annotations

import contextlib
import io
import random
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import KgError
from kg.model import Notice
from kg.parse import parse_file, parse_text

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "notices" / "xinmi-2021-6.txt"
FIXTURES = sorted(
    p
    for p in [SEED, *(ROOT / "tests" / "fixtures" / "layouts").iterdir()]
    if p.suffix in (".txt", ".html", ".docx")
)
# Pieces of notice structure, inserted where they hurt: numbering, role labels, brackets, dates, units.
TOKENS = [
    "一、", "（一）", "(二)", "1.", "2 .", "1.1.", "责任单位:", "牵头单位：", "配合单位：", "责任领导：",
    "市财政局、", "各乡镇政府（", "除超化镇）", "）", "（", "《", "》", "〔2021〕", "号", "2021年", "3月",
    "底前", "上半年", "完成", "6亿元以上", "8%左右", "3至5个", "每月25日前报送市督查室", "附件：", "\n",
    "\u3000", "\xa0", "\t", "\r\n", "\x00", "\ufeff", "𠀀", "<", ">", "&amp;", "<td>", "</tr>",
]  # fmt: skip


def _registry():  # noqa: ANN202
    from kg.registry import Registry

    if not hasattr(_registry, "value"):
        _registry.value = Registry.load()  # type: ignore[attr-defined]
    return _registry.value  # type: ignore[attr-defined]


def _check(path: Path) -> None:
    """Read, parse and build: a Notice and a graph, or a KgError; nothing else."""
    from kg.graph import build_graph

    try:
        notice = parse_file(path)
    except KgError as e:
        assert e.message and e.code
        return
    assert isinstance(notice, Notice)
    with contextlib.suppress(KgError):
        build_graph(notice, _registry())


# ------------------------------------------------------------------------------ mutations


def _mutate_text(text: str, ops: list[tuple[int, int, int]]) -> str:
    """Apply (kind, position, amount) edits: delete, duplicate, insert a token, swap lines, cut."""
    for kind, pos, amount in ops:
        if not text:
            text = TOKENS[amount % len(TOKENS)]
            continue
        i = pos % len(text)
        j = min(len(text), i + 1 + amount % 400)
        if kind == 0:
            text = text[:i] + text[j:]
        elif kind == 1:
            text = text[:j] + text[i:j] + text[j:]
        elif kind == 2:
            text = text[:i] + TOKENS[amount % len(TOKENS)] + text[i:]
        elif kind == 3:
            lines = text.split("\n")
            a, b = i % len(lines), (i + amount) % len(lines)
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        else:
            text = text[: max(1, i)]
    return text


def _mutate_bytes(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    """Byte-level damage: flipped bytes, invalid UTF-8, a BOM or NUL bytes in odd places."""
    out = bytearray(data)
    junk = [b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"\xc3\x28", b"\xe4\xb8", b"\xf0\x9f\x98", b"\x1b[0m"]
    for kind, pos, amount in ops:
        if not out:
            out += junk[amount % len(junk)]
            continue
        i = pos % len(out)
        if kind % 2 == 0:
            out[i] ^= 1 + amount % 255
        else:
            out[i:i] = junk[amount % len(junk)]
    return bytes(out)


def _mutate_docx(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    """Edit the text of word/document.xml (a damaged but still zipped .docx)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "word/document.xml":
                content = _mutate_text(content.decode("utf-8"), ops).encode("utf-8")
            dst.writestr(item, content)
    return buf.getvalue()


_ops = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 10**6), st.integers(0, 10**4)), min_size=1, max_size=12
)


def _fuzz_one(tmp: Path, fixture: Path, layer: str, ops: list[tuple[int, int, int]]) -> None:
    data = fixture.read_bytes()
    if fixture.suffix == ".docx":
        data = _mutate_docx(data, ops) if layer == "text" else _mutate_bytes(data, ops)
    elif layer == "text":
        # surrogateescape: a fixture in another encoding (GBK) keeps its bytes around the edits
        data = _mutate_text(data.decode("utf-8", "surrogateescape"), ops).encode("utf-8", "surrogateescape")
    else:
        data = _mutate_bytes(data, ops)
    path = tmp / f"mutant{fixture.suffix}"
    path.write_bytes(data)
    _check(path)


FAST = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)


@FAST
@given(st.sampled_from(FIXTURES), st.sampled_from(["text", "bytes"]), _ops)
def test_mutated_fixtures_give_a_notice_or_a_kg_error(
    tmp_path_factory: pytest.TempPathFactory, fixture: Path, layer: str, ops: list[tuple[int, int, int]]
) -> None:
    _fuzz_one(tmp_path_factory.mktemp("fuzz"), fixture, layer, ops)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(FIXTURES), st.sampled_from(["text", "bytes"]), _ops)
def test_mutated_fixtures_many(
    tmp_path_factory: pytest.TempPathFactory, fixture: Path, layer: str, ops: list[tuple[int, int, int]]
) -> None:
    _fuzz_one(tmp_path_factory.mktemp("fuzz"), fixture, layer, ops)


@FAST
@given(st.lists(st.sampled_from(TOKENS) | st.text(max_size=8), max_size=200))
def test_token_soup(pieces: list[str]) -> None:
    """Structure tokens in any order: parse_text returns a Notice whose spans index the text."""
    text = "".join(pieces)
    notice = parse_text(text, "soup.txt")
    for task in notice.tasks:
        assert text[task.span.start : task.span.end] == task.span.quote


# ------------------------------------------------------------------------- time per size

# The goal: 100 KB of adversarial text in < 2.5 s of CPU time (a linear parser takes well under
# 1 s per 100 KB; a quadratic one takes seconds at 50 KB and minutes at 200 KB). CPU time, not wall
# time, so a loaded 2-core machine or an xdist neighbour does not count against the parser.
SECONDS_PER_100KB = 2.5
SLACK = 2.0  # the bound is generous, not a benchmark


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _soup(size: int) -> str:
    rng = random.Random(7)
    out, n = [], 0
    while n < size:
        t = rng.choice(TOKENS)
        out.append(t)
        n += len(t)
    return "".join(out)


SEED_TEXT = SEED.read_text("utf-8")
TASK = "一、重点任务\n1. "
ADVERSARIAL: dict[str, Callable[[int], tuple[str, str]]] = {
    "seed-repeated": lambda n: ("txt", _fill(SEED_TEXT + "\n", n)),
    "one-long-line": lambda n: ("txt", _fill("严格管控地方政府债务切实保障三保支出", n)),
    "units-list": lambda n: ("txt", TASK + "任务。\n责任单位：" + _fill("市财政局、住建局，", n)),
    "exclusions": lambda n: ("txt", TASK + "任务。\n责任单位：各乡镇政府" + _fill("（除超化镇、", n)),
    "numbering": lambda n: ("txt", _fill("1.1.1.1.1.", n)),
    "open-brackets": lambda n: ("txt", _fill("《（〔【", n)),
    "targets": lambda n: ("txt", TASK + _fill("完成投资6亿元以上、增长8%左右、新增3至5个，", n)),
    "dates": lambda n: ("txt", TASK + _fill("2021年3月底前、6月30日前、第三季度，", n)),
    "blank-lines": lambda n: ("txt", _fill("\n \n\u3000\n", n)),
    "token-soup": lambda n: ("txt", _soup(n)),
    "html-table": lambda n: (
        "html",
        "<table>" + _fill("<tr>" + "<td>市财政局</td>" * 10 + "</tr>", n) + "</table>",
    ),
    "html-nested": lambda n: ("html", "<html><body>" + "<div>" * (n // 11) + "x" + "</div>" * (n // 11)),
}
# Cases known to be super-linear, kept visible as expected failures until fixed: name -> reason.
SLOW_CASES: dict[str, str] = {}


def _cases(size: int) -> list:
    return [
        pytest.param(name, size, marks=pytest.mark.xfail(reason=SLOW_CASES[name], strict=False))
        if name in SLOW_CASES
        else pytest.param(name, size)
        for name in ADVERSARIAL
    ]


def _bound(size: int) -> float:
    return max(1.0, SECONDS_PER_100KB * size / 100_000) * SLACK


def _time_one(tmp_path: Path, name: str, size: int) -> None:
    suffix, text = ADVERSARIAL[name](size)
    path = tmp_path / f"{name}.{suffix}"
    path.write_text(text, "utf-8")
    started = time.process_time()
    with contextlib.suppress(KgError):
        parse_file(path)
    elapsed = time.process_time() - started
    assert elapsed <= _bound(size), (
        f"{name}: {len(text):,} chars took {elapsed:.1f} s of CPU (bound {_bound(size):.1f} s)"
    )


@pytest.mark.parametrize("name, size", _cases(50_000))
def test_adversarial_50kb_in_bounded_time(tmp_path: Path, name: str, size: int) -> None:
    if name in SLOW_CASES:  # do not spend the known quadratic minutes in the default suite
        pytest.xfail(SLOW_CASES[name])
    _time_one(tmp_path, name, size)


@pytest.mark.slow
@pytest.mark.parametrize("name, size", _cases(200_000))
def test_adversarial_200kb_in_bounded_time(tmp_path: Path, name: str, size: int) -> None:
    if name in SLOW_CASES:  # minutes when quadratic: in a process stopped at the bound
        suffix, text = ADVERSARIAL[name](size)
        path = tmp_path / f"{name}.{suffix}"
        path.write_text(text, "utf-8")
        code = "import sys\nfrom kg.parse import parse_file\ntry:\n parse_file(sys.argv[1])\nexcept Exception: pass"
        try:
            subprocess.run([sys.executable, "-c", code, str(path)], timeout=_bound(size) + 3, check=True)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name}: {size:,} chars not parsed within {_bound(size):.0f} s")
        return
    _time_one(tmp_path, name, size)
