"""The IRI scheme: stable, readable, and safe for any key."""

from kg import iris
from kg.errors import KgError, NotFound


def test_document_iri_from_docno_parts_is_readable_and_stable():
    a = iris.document("新密政办", 2021, 6)
    assert str(a) == "https://w3id.org/govwork/eli/cn/新密政办/2021/6"
    assert a == iris.document("新密政办", 2021, 6)


def test_task_and_children_hang_off_the_document():
    doc = iris.document("郑政办", 2021, 15)
    t = iris.task(doc, (2, 23))
    assert str(t).endswith("/eli/cn/郑政办/2021/15/task/2/23")
    assert str(iris.child(t, "target", 1)).endswith("/task/2/23/target/1")
    assert str(iris.source(t)).endswith("/task/2/23/source")


def test_unsafe_characters_are_percent_encoded_not_dropped():
    u = iris.unit("新密市", "发改局/粮食局 (x)")
    assert " " not in str(u) and str(u).count("/") == str(iris.unit("新密市", "x")).count("/")
    assert "%2F" in str(u)


def test_error_shape_is_shared():
    e = NotFound("no such notice", file="a.txt", line=3)
    d = e.to_dict()
    assert d == {"ok": False, "status": 404, "code": "not-found", "error": "no such notice",
                 "file": "a.txt", "line": 3, "details": []}
    assert e.render() == "error: a.txt:3: no such notice"
    assert isinstance(e, KgError)
