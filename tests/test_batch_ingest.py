"""`kg ingest DIR` on a tree of mixed files: good notices, a truncated one and junk (binary, empty,
images, a news article, a broken .docx). The report is right, nothing crashes, the store holds exactly
the good documents, and `--jobs 2` gives the same store."""

from __future__ import annotations

import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg import iris
from kg.cli import cli
from kg.ingest import ingest_many, skipped_files, sync_registry
from kg.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"

TRUNCATED = """新密市人民政府办公室关于做好2022年防汛工作任务分解的通知

  • 索引号:005253533/2022-00102
  • 发布机构:新密市人民政府
  • 成文日期:2022-05-20
  • 文号:新密政办〔2022〕18号

    各乡镇人民政府,各街道办事处,市人民政府各部门:

    现将2022年防汛重点工作任务分解如下:

    1. 完成病险水库除险加固3座。

    牵头单位:市水利局

    责任单位:各乡镇政府

    2. 清理河道障碍物,完成河道清淤
"""

NEWS = """新密：春季植树造林掀热潮

发布时间：2021-03-15 来源：新密市融媒体中心

　　3月12日，新密市在伏羲山风景区组织开展义务植树活动，市直机关干部职工、志愿者等500余人参加。

　　记者在现场看到，大家分工协作，挖坑、扶苗、培土、浇水，干得热火朝天。
"""


def png() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + \
        chunk(b"IEND", b"")


# file (relative to the tree) -> expected status and a piece of the reason
EXPECTED = {
    "binary.txt": ("refused", "binary"),
    "empty.txt": ("refused", "empty file"),
    "news/article.txt": ("refused", "not a task-decomposition notice"),
    "notices/city/zhengzhou-2021-15.txt": ("stored", None),
    "notices/henan-2021-8.txt": ("stored", None),
    "notices/xinmi-2022-5.txt": ("stored", None),
    "notices/xinmi-2022-18-truncated.txt": ("stored", None),
    "scans/broken.docx": ("refused", "not a readable .docx"),
    "scans/photo.docx": ("refused", "image"),
}
GOOD = sorted(
    str(iris.document(*key))
    for key in [("郑政办", 2021, 15), ("豫政办", 2021, 8), ("新密政办", 2022, 5), ("新密政办", 2022, 18)]
)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mixed")
    (root / "notices" / "city").mkdir(parents=True)
    (root / "news").mkdir()
    (root / "scans").mkdir()
    (root / ".cache").mkdir()
    shutil.copy(CORPUS / "henan-2021-8.txt", root / "notices")
    shutil.copy(CORPUS / "xinmi-2022-5.txt", root / "notices")
    shutil.copy(CORPUS / "zhengzhou-2021-15.txt", root / "notices" / "city")
    (root / "notices" / "xinmi-2022-18-truncated.txt").write_text(TRUNCATED, encoding="utf-8")
    (root / "news" / "article.txt").write_text(NEWS, encoding="utf-8")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (root / "empty.txt").write_bytes(b"")
    (root / "scans" / "photo.png").write_bytes(png())  # not a notice format: skipped
    (root / "scans" / "photo.docx").write_bytes(png())  # an image under a notice name: refused
    (root / "scans" / "broken.docx").write_bytes(b"PK\x03\x04 cut off")
    (root / ".cache" / "old.txt").write_text("hidden: never read", encoding="utf-8")
    return root


def report(output: str, root: Path) -> dict[str, tuple[str, str]]:
    """{relative file: (status, document-or-reason cell)} from the table `kg ingest` prints."""
    out = {}
    for line in output.splitlines():
        m = re.match(r"^(stored|unchanged|refused)\s+(\S+)\s+(.*?)\s+(\d+)\s+(\d+)$", line)
        if m:
            out[Path(m[2]).relative_to(root).as_posix()] = (m[1], m[3])
    return out


def summary(output: str) -> str:
    return next(line for line in output.splitlines() if re.match(r"^\d+ files?: ", line))


def test_a_mixed_tree_gives_a_correct_report_and_stores_only_good_notices(tree: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    r = CliRunner().invoke(cli, ["ingest", str(tree), "--store", str(store)])
    assert r.exit_code == 1, r.output  # something was refused
    assert "Traceback" not in r.output + r.stderr
    got = report(r.stdout, tree)
    assert {f: s for f, (s, _) in got.items()} == {f: s for f, (s, _) in EXPECTED.items()}
    for f, (_, why) in EXPECTED.items():
        if why:
            assert why in got[f][1], (f, got[f])
            assert f"error: {tree / f}: " in r.stderr
    assert got["notices/henan-2021-8.txt"][1] == GOOD[2]
    assert summary(r.stdout).startswith("9 files: 4 stored, 0 unchanged, 5 refused; ")
    assert "; 1 other file skipped (.png); " in summary(r.stdout)
    # the table's header, and no progress bar: stderr is not a terminal here
    assert re.match(r"^status\s+file\s+document / reason\s+warnings\s+links$", r.stdout.splitlines()[1])
    assert "file/s" not in r.stderr and "%|" not in r.stderr
    with open_store(store, read_only=True) as st:
        assert st.documents() == GOOD
        truncated = str(iris.document("新密政办", 2022, 18))
        tasks = f"SELECT (COUNT(?t) AS ?n) WHERE {{ GRAPH <{truncated}> {{ ?t a gw:Task }} }}"
        assert next(iter(st.query(tasks)))["n"].value == "2"  # kept, up to where the text stops


def test_the_truncated_notice_is_stored_with_a_warning(tree: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["ingest", str(tree / "notices"), "--store", str(tmp_path / "s"), "-v"])
    assert r.exit_code == 0, r.output
    name = tree / "notices" / "xinmi-2022-18-truncated.txt"
    assert f"warning: {name}: line 18: the text is cut off in task 2: no unit line follows it" in r.stdout


def test_a_second_run_changes_nothing(tree: Path, tmp_path: Path, registry) -> None:
    store = tmp_path / "store"
    runner = CliRunner()
    runner.invoke(cli, ["ingest", str(tree), "--store", str(store)])
    with open_store(store, read_only=True) as st:
        before = st.export("nquads")
    r = runner.invoke(cli, ["ingest", str(tree), "--store", str(store)])
    assert r.exit_code == 1
    assert summary(r.stdout).startswith("9 files: 0 stored, 4 unchanged, 5 refused; ")
    with open_store(store, read_only=True) as st:
        assert st.export("nquads") == before


def test_jobs_give_the_same_store_and_report(tree: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    one, two = tmp_path / "one", tmp_path / "two"
    r1 = runner.invoke(cli, ["ingest", str(tree), "--store", str(one)])
    r2 = runner.invoke(cli, ["ingest", str(tree), "--store", str(two), "--jobs", "2"])
    assert r2.exit_code == 1 and "Traceback" not in r2.output + r2.stderr
    assert report(r2.stdout, tree) == report(r1.stdout, tree)
    with open_store(one, read_only=True) as a, open_store(two, read_only=True) as b:
        assert sorted(a.export("nquads").splitlines()) == sorted(b.export("nquads").splitlines())


def test_one_bad_file_never_stops_the_others(tree: Path, registry, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.graph

    real = kg.graph.build_graph

    def flaky(notice, reg):
        if notice.source_name == "henan-2021-8.txt":
            raise RecursionError("simulated bug")
        return real(notice, reg)

    monkeypatch.setattr(kg.graph, "build_graph", flaky)
    seen = []
    with open_store(":memory:") as st:
        sync_registry(st, registry)
        results = ingest_many([tree], st, registry, on_result=seen.append)
        assert seen == results
        bad = [r for r in results if r.file.endswith("henan-2021-8.txt")]
        assert bad[0].status == "refused" and bad[0].reason == "internal error: RecursionError: simulated bug"
        assert len(st.documents()) == len(GOOD) - 1
        # the city notice implements the missing province notice: nothing to link to, nothing broken
        assert next(r for r in results if r.file.endswith("zhengzhou-2021-15.txt")).links == 0


def test_skipped_files_are_the_formats_kg_does_not_read(tree: Path) -> None:
    assert [p.relative_to(tree).as_posix() for p in skipped_files([tree])] == ["scans/photo.png"]
