"""kg.readers: .txt decoding, HTML and .docx text and tables, merged cells, offsets, refusals."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import docx
import pytest

from kg.errors import KgError
from kg.readers import CELL_SEP, ReadDocument, read_bytes, read_document, sniff_format
from kg.readers.document import RawCell, Table, TextBuilder

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"
SEED = Path(__file__).parents[1] / "data" / "notices" / "xinmi-2021-6.txt"
NOTICE = "新密市人民政府办公室关于认真做好工作的通知\n牵头单位：市 财政局\n成文日期：二〇二一年三月二十六日\n"


def _offsets_hold(doc: ReadDocument) -> None:
    """Every cell and block points at its own characters in doc.text."""
    for table in doc.tables:
        for row in table.cells:
            for cell in row:
                if cell.start is not None:
                    assert doc.text[cell.start : cell.end] == cell.text
    for block in doc.blocks:
        assert doc.text[block.start : block.end].strip()


# --- plain text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (NOTICE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + NOTICE.encode("utf-8"), "utf-8-sig"),
        (NOTICE.encode("gb18030"), "gb18030"),
        (NOTICE.encode("utf-16"), "utf-16"),  # with BOM (native order)
        (codecs.BOM_UTF16_BE + NOTICE.encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF32_LE + NOTICE.encode("utf-32-le"), "utf-32"),
    ],
    ids=["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-be", "utf-32"],
)
def test_text_encodings_are_detected(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "notice.txt"
    path.write_bytes(data)
    doc = read_document(path)
    assert doc.text == NOTICE  # BOM removed, nothing else changed
    assert (doc.format, doc.encoding, doc.source) == ("txt", encoding, "notice.txt")
    assert doc.tables == []


def test_gbk_characters_outside_gb2312_decode() -> None:
    text = "朱镕基 喆 犇\n"  # 镕, 喆, 犇 are in GBK/GB18030 but not in GB2312
    assert read_bytes(text.encode("gb18030"), "old.txt").text == text


def test_text_keeps_the_original_characters_and_offsets() -> None:
    doc = read_document(SEED)
    raw = SEED.read_text(encoding="utf-8")
    assert doc.text == raw  # spans of the parser index exactly the decoded file
    first = doc.blocks[0]
    assert first.locator == "line 1" and doc.text[first.start : first.end].startswith("新密市人民政府办公室")
    line = next(b for b in doc.blocks if "牵头单位:市 城镇化服务中心" in doc.text[b.start : b.end])
    assert doc.line_of(line.start) == int(line.locator.split()[1])


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 40,  # NUL bytes, no BOM, no UTF-16 pattern
        b"\x07\x1b[" + bytes(range(1, 32)) * 50,  # control characters, no NUL
    ],
    ids=["nul-bytes", "control-bytes"],
)
def test_binary_input_is_refused_naming_the_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "scan.txt"
    path.write_bytes(data)
    with pytest.raises(KgError) as info:
        read_document(path)
    assert info.value.file == "scan.txt"
    assert "binary" in info.value.message
    assert info.value.render().startswith("error: scan.txt: ")


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"%PDF-1.7\n%\xe2\xe3", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), ".doc"),
        (b"{\\rtf1\\ansi", "RTF"),
    ],
    ids=["pdf", "doc", "rtf"],
)
def test_formats_kg_cannot_read_are_named(data: bytes, hint: str) -> None:
    with pytest.raises(KgError) as info:
        read_bytes(data, "notice.txt")
    assert hint in info.value.message and info.value.file == "notice.txt"


def test_html_table_caption_is_kept_as_a_paragraph() -> None:
    html = "<table><caption>重点任务分解表</caption><tr><td>序号</td><td>重点任务</td></tr></table>"
    doc = read_bytes(html.encode(), "t.html")
    assert doc.text.split("\n")[:2] == ["重点任务分解表", "序号\t重点任务"]
    assert doc.tables[0].rows == [["序号", "重点任务"]]


def test_utf16_without_bom_is_recognised_by_its_nul_pattern() -> None:
    text = "Notice 2021 No. 6: lead unit, responsible units.\n" * 5
    assert read_bytes(text.encode("utf-16-le"), "a.txt").text == text


def test_empty_file_reads_as_empty_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    doc = read_document(path)
    assert (doc.text, doc.blocks, doc.tables) == ("", [], [])


def test_missing_file_and_directory_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(KgError) as missing:
        read_document(tmp_path / "nope.txt")
    assert missing.value.code == "not-found" and missing.value.file.endswith("nope.txt")
    with pytest.raises(KgError) as directory:
        read_document(tmp_path)
    assert directory.value.code == "unreadable"


# --- HTML ---------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head><meta charset="gb2312"><title>页面标题</title><style>p{color:red}</style>
<script>document.write("脚本")</script></head>
<body>
<div id="top-nav"><a>首页</a><a>政务公开</a></div>
<div class="breadcrumb">当前位置：首页 &gt; 文件</div>
<table class="info"><tr><td>索引号：</td><td>11410000/2022-01</td><td>发布机构：</td><td>某县人民政府</td></tr>
<tr><td>文号：</td><td>某政办〔2022〕1号</td><td>成文日期：</td><td>2022-01-05</td></tr></table>
<div id="zoom">
<p>　　一、稳增长</p>
<p>　　1．城镇新增就业<span>1.2</span>万人。<br>牵头单位：县人社局</p>
<p style="display:none">隐藏文字</p>
<table border="1">
<tr><td colspan="4">重点工作任务分解表</td></tr>
<tr><th rowspan="2">序号</th><th rowspan="2">重点工作</th><th colspan="2">责任分工</th></tr>
<tr><th>牵头单位</th><th>责任单位</th></tr>
<tr><td colspan="4">一、扩大内需</td></tr>
<tr><td>1</td><td>新建学校6所。</td><td rowspan="2">县教育局</td><td>县财政局<br>县住建局</td></tr>
<tr><td>2</td><td>新建幼儿园3所。</td><td>县财政局</td></tr>
<tr><td></td><td></td><td></td><td></td></tr>
</table>
</div>
<div class="bdsharebuttonbox"><a>微信</a></div>
<nav>站点导航</nav><footer>版权所有</footer>
<div class="page-footer">主办单位</div>
</body></html>"""


@pytest.fixture(scope="module")
def page() -> ReadDocument:
    return read_bytes(PAGE.encode("gb18030"), "page.html")


def test_html_drops_furniture_and_keeps_the_notice(page: ReadDocument) -> None:
    for furniture in (
        "页面标题",
        "color",
        "脚本",
        "首页",
        "当前位置",
        "隐藏文字",
        "微信",
        "站点导航",
        "版权所有",
        "主办单位",
    ):
        assert furniture not in page.text
    assert page.format == "html" and page.encoding == "gb18030"
    lines = page.text.split("\n")
    assert "一、稳增长" in lines  # indentation (U+3000) stripped
    assert "1．城镇新增就业1.2万人。" in lines  # inline tags joined, <br> breaks the line
    assert "牵头单位：县人社局" in lines
    _offsets_hold(page)


def test_html_key_value_table_is_recognised(page: ReadDocument) -> None:
    info = page.tables[0]
    assert info.is_key_value() and info.header_rows() == 0
    assert info.key_values() == {
        "索引号": "11410000/2022-01",
        "发布机构": "某县人民政府",
        "文号": "某政办〔2022〕1号",
        "成文日期": "2022-01-05",
    }


def test_html_table_merges_headers_and_rows(page: ReadDocument) -> None:
    table = page.tables[1]
    assert not table.is_key_value()
    assert table.width == 4 and len(table) == 6  # the empty row is dropped
    assert table.caption_rows() == 1 and table.header_rows() == 3
    assert table.columns() == ["序号", "重点工作", "责任分工/牵头单位", "责任分工/责任单位"]
    assert table.find_column("牵头") == 2 and table.find_column("完成时限") is None
    body = table.body()
    assert [c.text for c in body[0]] == ["一、扩大内需"] * 4 and table.is_spanning_row(body[0][0].row)
    assert [c.text for c in body[1]] == ["1", "新建学校6所。", "县教育局", "县财政局\n县住建局"]
    assert [c.text for c in body[2]] == ["2", "新建幼儿园3所。", "县教育局", "县财政局"]
    lead_1, lead_2 = body[1][2], body[2][2]
    assert not lead_1.merged and lead_2.merged and lead_2.origin == (lead_1.row, lead_1.col)
    assert (lead_2.start, lead_2.end) == (lead_1.start, lead_1.end)  # one source, written once
    assert page.text.count("县教育局") == 1
    assert table.records()[1]["责任分工/牵头单位"] == "县教育局"
    assert all(c.header for c in table.cells[1])  # <th>
    rows = [b for b in page.blocks if b.kind == "row" and b.locator and b.locator.startswith("table 2")]
    assert page.text[rows[4].start : rows[4].end] == CELL_SEP.join(
        ["1", "新建学校6所。", "县教育局", "县财政局\n县住建局"]
    )


def test_html_layout_tables_are_read_as_blocks() -> None:
    html = (
        "<html><body><table><tr><td><div class='menu'>菜单</div></td></tr><tr><td>"
        "<p>正文第一段</p><table><tr><td>序号</td><td>重点工作</td></tr><tr><td>1</td><td>任务</td></tr></table>"
        "</td></tr></table></body></html>"
    )
    doc = read_bytes(html.encode(), "layout.htm")
    assert [t.rows for t in doc.tables] == [[["序号", "重点工作"], ["1", "任务"]]]
    assert doc.text.split("\n")[0] == "正文第一段" and "菜单" not in doc.text


def test_html_is_sniffed_from_content_and_txt_from_suffix() -> None:
    assert sniff_format("page.txt", b"<!DOCTYPE html><html>") == "html"
    assert sniff_format("page", b"\xef\xbb\xbf  <html lang='zh'>") == "html"
    assert sniff_format("notice.txt", "一、<b>".encode()) == "txt"
    assert sniff_format("x.htm", b"plain") == "html"
    assert sniff_format("x.docx", b"PK\x03\x04") == "docx"


def test_html_fixture_in_gb2312_with_layout_table() -> None:
    doc = read_document(LAYOUTS / "table-html-basic.html")
    assert doc.encoding == "gb18030"
    assert "网站首页" not in doc.text and "版权所有" not in doc.text
    assert [t.columns() for t in doc.tables] == [
        ["序号", "重点工作", "牵头单位", "责任单位", "完成时限", "责任领导"]
    ] * 2
    assert doc.tables[1].body()[1][4].text == "长期坚持"
    _offsets_hold(doc)


# --- docx ---------------------------------------------------------------------------------------


def test_docx_paragraphs_and_merged_table() -> None:
    doc = read_document(LAYOUTS / "table-docx-merged.docx")
    assert doc.format == "docx"
    lines = doc.text.split("\n")
    assert lines[:3] == [
        "莘县人民政府",
        "关于印发2024年县政府工作报告重点任务分解的通知",
        "莘政字〔2024〕6号",
    ]
    (table,) = doc.tables
    assert table.caption_rows() == 1 and table.header_rows() == 2
    assert all(c.header for c in table.cells[1])  # Word's "repeat as header row"
    assert table.columns() == [
        "序号",
        "类别",
        "任务内容",
        "牵头领导",
        "牵头单位",
        "配合（责任）单位",
        "完成时限",
    ]
    body = table.body()
    assert [row[1].text for row in body] == ["工业经济", "工业经济", "农业农村", "农业农村", "社会民生"]
    assert [row[3].text for row in body] == ["张建华", "张建华", "刘振宇", "刘振宇", "王晓燕"]
    assert body[1][3].merged and body[1][3].origin == (body[0][3].row, 3)
    assert doc.text.count("张建华") == 1
    assert [b.locator for b in doc.blocks[:2]] == ["paragraph 1", "paragraph 2"]
    _offsets_hold(doc)


def test_docx_cell_paragraphs_become_lines_and_deleted_text_is_skipped(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("第一段")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "牵头单位"
    table.cell(0, 1).text = "责任单位"
    table.cell(1, 0).text = "市财政局"
    cell = table.cell(1, 1)
    cell.text = "市商务局"
    cell.add_paragraph("市税务局")
    paragraph = document.add_paragraph("保留")
    deleted = paragraph._p.makeelement(docx.oxml.ns.qn("w:del"), {})
    run = paragraph.add_run("删除")._r
    run.addprevious(deleted)
    deleted.append(run)
    buffer = io.BytesIO()
    document.save(buffer)
    doc = read_bytes(buffer.getvalue(), "t.docx")
    assert doc.tables[0].rows == [["牵头单位", "责任单位"], ["市财政局", "市商务局\n市税务局"]]
    assert doc.text.split("\n")[-2] == "保留"
    assert "删除" not in doc.text


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"not a zip at all", "broken.docx"), (b"PK\x03\x04 truncated", "cut.docx")],
    ids=["not-zip", "truncated-zip"],
)
def test_broken_docx_is_a_user_error(data: bytes, name: str) -> None:
    with pytest.raises(KgError) as info:
        read_bytes(data, name)
    assert info.value.file == name


def test_zip_that_is_not_a_word_document_is_a_user_error() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(KgError) as info:
        read_bytes(buffer.getvalue(), "archive.docx")
    assert "docx" in info.value.message


# --- grid resolution ----------------------------------------------------------------------------


def _grid(rows: list[list[RawCell]]) -> tuple[str, Table]:
    out = TextBuilder()
    table = out.table(rows)
    assert table is not None
    return out.text(), table


def test_word_continue_cells_and_grid_before() -> None:
    text, table = _grid(
        [
            [RawCell("序号"), RawCell("任务"), RawCell("牵头单位")],
            [RawCell("1"), RawCell("甲"), RawCell("市发改委")],
            [RawCell("2"), RawCell("乙"), RawCell("", continues_above=True)],
            [RawCell("丙", skip_before=1), RawCell("市财政局")],
        ]
    )
    assert table.rows == [
        ["序号", "任务", "牵头单位"],
        ["1", "甲", "市发改委"],
        ["2", "乙", "市发改委"],
        ["", "丙", "市财政局"],
    ]
    assert table.cells[3][0].start is None  # padding, not text
    assert text.count("市发改委") == 1


def test_rowspan_past_the_end_and_ragged_rows() -> None:
    _, table = _grid([[RawCell("a", rowspan=5), RawCell("b")], [RawCell("c"), RawCell("d"), RawCell("e")]])
    assert table.rows == [["a", "b", "", ""], ["a", "c", "d", "e"]]  # short rows padded, the span cut
    assert table.cells[0][2].start is None and not table.cells[1][0].header


def test_table_without_header() -> None:
    _, table = _grid([[RawCell("1"), RawCell("新增就业1000人。")], [RawCell("2"), RawCell("新建学校2所。")]])
    assert table.header_rows() == 0 and table.columns() == ["", ""]
    assert len(table.body()) == 2 and table.records()[0] == {"0": "1", "1": "新增就业1000人。"}
