"""kg.parse on bad, odd and broken input: only KgError ever escapes, and what can be read is read."""

from __future__ import annotations

import hashlib
import random
import tempfile
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg.parse.parser as parser_module
from kg.errors import KgError
from kg.model import Notice
from kg.parse import parse_file, parse_text

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "notices" / "xinmi-2021-6.txt"
SEED_TEXT = SEED.read_text("utf-8")
SEED_LINES = SEED_TEXT.splitlines()
FIXTURES = ROOT / "tests" / "fixtures" / "parse"


def _rules(notice: Notice) -> list[str | None]:
    return [p.rule for p in notice.problems]


def _summary(notice: Notice) -> list[tuple]:
    return [(t.path, t.text, [(a.role, a.unit.label) for a in t.assignments]) for t in notice.tasks]


@pytest.fixture(scope="module")
def seed() -> Notice:
    return parse_file(SEED)


# ---------------------------------------------------------------- files


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    notice = parse_file(path)
    assert notice.tasks == [] and notice.text == ""
    assert _rules(notice) == ["no-tasks"]
    assert notice.problems[0].severity == "warning"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        bytes(range(256)) * 4,
        random.Random(7).randbytes(4096),
        bytes(range(1, 32)) * 50,
    ],
    ids=["png", "all-bytes", "random", "control-characters"],
)
def test_binary_is_refused(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "notice.txt"
    path.write_bytes(data)
    with pytest.raises(KgError) as err:
        parse_file(path)
    assert err.value.code == "refused"
    assert err.value.file == str(path) and err.value.message


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_other_encodings_read_the_same(tmp_path: Path, seed: Notice, encoding: str) -> None:
    # GBK has no "•" and no no-break space: a GBK page writes "·" and a full-width space instead
    text = SEED_TEXT.replace("•", "·").replace("\xa0", "\u3000") if encoding == "gbk" else SEED_TEXT
    path = tmp_path / f"seed-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    notice = parse_file(path)
    assert notice.text == text
    assert _summary(notice) == _summary(seed)
    assert notice.number == seed.number and notice.reporting == seed.reporting
    assert notice.index_number == seed.index_number and notice.problems == []


def test_windows_line_endings(tmp_path: Path, seed: Notice) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(SEED_TEXT.replace("\n", "\r\n").encode("utf-8"))
    notice = parse_file(path)
    assert _summary(notice) == _summary(seed)
    task = notice.tasks[5]
    assert notice.text[task.span.start : task.span.end] == task.span.quote
    assert task.span.line == seed.tasks[5].span.line


def test_missing_file_directory_and_unsupported_format(tmp_path: Path) -> None:
    with pytest.raises(KgError) as err:
        parse_file(tmp_path / "nope.txt")
    assert err.value.code == "not-found"
    with pytest.raises(KgError) as err:
        parse_file(tmp_path)
    assert err.value.code == "refused"
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\nx\x9c\x00\x01\x02\x03"
    )
    broken_docx = tmp_path / "notice.docx"
    broken_docx.write_bytes(b"PK\x03\x04" + bytes(40))
    for path in (pdf, broken_docx):
        with pytest.raises(KgError) as err:
            parse_file(path)
        assert err.value.code == "refused" and err.value.file == str(path)


def _docx_with_grid_span(path: Path, span: int) -> None:
    document = docx.Document()
    document.add_paragraph("一、重点任务")
    cell = document.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "市财政局"
    grid_span = OxmlElement("w:gridSpan")
    grid_span.set(qn("w:val"), str(span))
    cell._tc.get_or_add_tcPr().append(grid_span)
    document.save(str(path))


def test_tables_whose_merged_cells_blow_up_are_refused(tmp_path: Path) -> None:
    """A few hundred bytes of rowspan/colspan (or a Word gridSpan) would ask for hundreds of millions of
    grid cells: refused, naming the file, instead of filling the memory."""
    html = tmp_path / "spans.html"
    html.write_text("<table>" + "<tr><td rowspan=1000 colspan=1000>x</td></tr>" * 50 + "</table>", "utf-8")
    word = tmp_path / "spans.docx"
    _docx_with_grid_span(word, 10**9)
    for path in (html, word):
        with pytest.raises(KgError) as err:
            parse_file(path)
        assert err.value.code == "refused" and err.value.file == str(path)
        assert "too large" in err.value.message
    sane = tmp_path / "sane.docx"
    _docx_with_grid_span(sane, 3)
    assert "市财政局" in parse_file(sane).text


def test_unknown_suffix_is_read_as_text(tmp_path: Path, seed: Notice) -> None:
    path = tmp_path / "notice"
    path.write_bytes(SEED.read_bytes())
    assert _summary(parse_file(path)) == _summary(seed)


# ---------------------------------------------------------------- texts that are not (whole) notices


def test_a_news_article_is_not_a_notice() -> None:
    notice = parse_file(FIXTURES / "news-article.txt")
    assert notice.tasks == [] and notice.sections == [] and notice.reporting == []
    assert _rules(notice) == ["no-tasks"]
    assert notice.date_published == "2021-03-15"


@pytest.mark.parametrize(
    ("marker", "last", "rule", "reason"),
    [
        ("23 . 实施国土绿化 5300", (2, 23), "cut-off", "no unit line"),
        ("牵头单位:市 公安 局\n\n    责任单位:各乡镇政府、", (1, 13), "cut-off", "middle of a list"),
        ("责任单位:市 财政 局 , 各 相关 乡镇政府、街道办事处", (1, 12), "no-closing", "may be cut off"),
    ],
)
def test_seed_cut_off(seed: Notice, marker: str, last: tuple[int, int], rule: str, reason: str) -> None:
    cut = SEED_TEXT.index(marker) + len(marker)
    notice = parse_text(SEED_TEXT[:cut], "cut.txt")
    assert notice.tasks[-1].path == last
    assert _summary(notice)[:-1] == _summary(seed)[: len(notice.tasks) - 1]
    problem = next(p for p in notice.problems if p.rule == rule)
    assert reason in problem.message and "cut off" in problem.message
    assert problem.line == SEED_TEXT[:cut].rstrip().count("\n") + 1
    assert problem.focus == ".".join(map(str, last))


def test_seed_cut_mid_task_keeps_the_text_read_so_far() -> None:
    cut = SEED_TEXT.index("23 . 实施国土绿化 5300") + len("23 . 实施国土绿化 5300")
    notice = parse_text(SEED_TEXT[:cut], "cut.txt")
    assert len(notice.tasks) == 14 + 23
    assert notice.tasks[-1].text == "实施国土绿化5300"
    assert [s.number for s in notice.sections] == [1, 2]
    assert notice.reporting == []


def test_garbage_lines_mixed_into_the_seed(seed: Notice) -> None:
    rng = random.Random(3)
    junk = [
        "●●●",
        "1.",
        "一、",
        "(一)",
        "责任单位:",
        "牵头单位:、、,",
        "《",
        "》(〔2021〕号)",
        "%%%",
        "2021年13月45日",
        "\x00\x07",
    ]
    lines = list(SEED_LINES)
    for _ in range(40):
        lines.insert(rng.randrange(len(lines)), rng.choice(junk))
    notice = parse_text("\n".join(lines), "junk.txt")
    assert isinstance(notice, Notice)
    assert notice.number == seed.number
    assert "internal-error" not in _rules(notice)


@pytest.mark.parametrize(
    "text",
    [
        "1" * 20000,
        "、" * 20000,
        "(" * 5000 + ")" * 5000,
        "责任单位:" + "市财政局和" * 3000,
        "责任单位:" + "(除外)" * 3000,
        "《" * 5000,
        "一、\n" * 3000,
        "2021年底前" * 2000,
        "1个" * 5000,
        "省政府工作报告分别于" + "3月、" * 3000 + "报送市督查室。",
    ],
    ids=[
        "digits",
        "commas",
        "parens",
        "conjunctions",
        "exclusions",
        "brackets",
        "sections",
        "deadlines",
        "targets",
        "dates",
    ],
)
def test_pathological_lines_finish(text: str) -> None:
    """Inputs that would hang a parser with super-linear patterns (no timing asserted)."""
    assert isinstance(parse_text("一、重点任务\n1.任务。\n" + text, "p.txt"), Notice)


def test_an_extractor_failure_costs_one_item_not_the_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> list:
        raise ValueError("boom")

    monkeypatch.setattr(parser_module, "find_targets", broken)
    notice = parse_text(SEED_TEXT, "seed.txt")
    assert len(notice.tasks) == 52
    assert sum(1 for p in notice.problems if p.rule == "internal-error") == 52


def test_a_parser_bug_surfaces_as_kg_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(parser_module, "outline", broken)
    with pytest.raises(KgError) as err:
        parse_text(SEED_TEXT, "seed.txt")
    assert err.value.code == "internal" and err.value.file == "seed.txt"


# ---------------------------------------------------------------- property-based


def _check(notice: Notice, text: str) -> None:
    assert notice.text == text
    assert "internal-error" not in _rules(notice)
    for task in notice.tasks:
        assert text[task.span.start : task.span.end] == task.span.quote
        for a in task.assignments:
            assert a.unit.label and a.unit.span is not None
            assert text[a.unit.span.start : a.unit.span.end] == a.unit.span.quote
        for t in task.targets:
            assert t.low is not None or t.high is not None


_fragments = st.sampled_from(
    SEED_LINES
    + [
        "责任单位:市财政局、住建局",
        "牵头单位:",
        "(一)",
        "1.",
        "一、",
        "《》",
        "〔2021〕",
        "“",
        "”",
        "2021年3月26日",
        "每月25日前报送市督查室",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_any_text(text: str) -> None:
    _check(parse_text(text, "any.txt"), text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_fragments, max_size=40), st.integers(min_value=0, max_value=200))
def test_recombined_notice_lines(lines: list[str], cut: int) -> None:
    text = "\n".join(lines)
    text = text[: max(0, len(text) - cut)]
    _check(parse_text(text, "mix.txt"), text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_any_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.txt"
        path.write_bytes(data)
        try:
            notice = parse_file(path)
        except KgError as err:
            assert err.code == "refused"
            return
        assert notice.source_sha256 == hashlib.sha256(data).hexdigest()
        _check(notice, notice.text)
