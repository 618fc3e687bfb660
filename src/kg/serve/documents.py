"""POST /documents: upload a notice file; it goes through the same path as `kg ingest`
(parse → build → validate → replace the document graph atomically) in the writer process."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kg.errors import KgError
from kg.serve.protocol import media_type
from kg.serve.web import json_response, read_body, require_token

router = APIRouter()
_SAFE_NAME = re.compile(r"[^\w.\-\u3000-\u9fff\uff00-\uffef〔〕（）]+")


def _filename(name: str | None) -> str:
    """A file name safe to write (the name is kept: ingest records it as gw:sourceName)."""
    base = Path((name or "").replace("\\", "/")).name
    base = _SAFE_NAME.sub("_", base).strip("._")
    return base or "upload.txt"


async def _upload(request: Request) -> tuple[str, bytes]:
    """(file name, bytes) from a multipart form (field `file`) or a raw body (`?name=`)."""
    body = await read_body(request)
    if media_type(request.headers.get("content-type")) == "multipart/form-data":
        from starlette.datastructures import UploadFile

        form = await request.form()  # parses the body read (and size-checked) above
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise KgError("the form has no file field named 'file'", code="bad-request")
        return _filename(upload.filename), await upload.read()
    return _filename(request.query_params.get("name")), body


@router.post(
    "/documents",
    tags=["documents"],
    summary="Upload a notice (token)",
    description="Multipart field `file`, or the raw file as body with `?name=FILE`. Same parse, "
    "validation and atomic replace as `kg ingest`; a refused notice changes nothing.",
)
async def upload(request: Request) -> Response:
    require_token(request)
    name, data = await _upload(request)
    if not data:
        raise KgError("the uploaded file is empty", code="refused", status=422, file=name)
    settings = request.app.state.settings
    with tempfile.TemporaryDirectory(prefix="kg-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        result = await request.app.state.engine.write("ingest", str(path), timeout=settings.write_timeout)
    if result["status"] == "refused":
        raise KgError(
            result["reason"] or f"{name} was refused",
            code="refused",
            status=422,
            file=name,
            line=result["line"],
            details=result["details"],
        )
    return json_response(
        {"ok": True, "file": name, **result}, status=201 if result["status"] == "stored" else 200
    )
