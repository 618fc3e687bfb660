"""Schemathesis against a real `kg serve` (its /openapi.json): generated requests for every
operation; no 5xx (but time-limit answers), every response of the documented content type and
matching its documented schema.

The default suite runs a few examples per operation on a read-only server; `-m slow` many more,
with the write token (uploads, Graph Store writes and updates on a scratch copy of the store).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from kg.serve import Settings, create_app
from kg.serve.testing import LiveServer

TOKEN = "schemathesis-token-0123"
CHECKS = (not_a_server_error, content_type_conformance, response_schema_conformance)


def _server(seed_store_dir: Path, tmp: Path, token: str | None) -> Iterator[LiveServer]:
    store = tmp / "store"
    shutil.copytree(seed_store_dir, store)
    with LiveServer(store, token=token, workers=2, timeout=5, log=tmp / "serve.log") as server:
        yield server


# The operations, from the app's own OpenAPI document (building the app starts no worker).
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings.build("/nonexistent/kg-store")).openapi())
OPERATIONS = {r.ok().label: r.ok() for r in SCHEMA.get_all_operations()}


@pytest.fixture(scope="module")
def read_only_server(seed_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from _server(seed_store_dir, tmp_path_factory.mktemp("st-ro"), None)


@pytest.fixture(scope="module")
def writable_server(seed_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from _server(seed_store_dir, tmp_path_factory.mktemp("st-rw"), TOKEN)


def _time_limit(response) -> bool:  # noqa: ANN001
    return response.status_code == 503 and "time limit" in response.text


def _run(
    label: str, base_url: str, examples: int, derandomize: bool, headers: dict[str, str] | None = None
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=OPERATIONS[label].as_strategy())
    def check(case) -> None:  # noqa: ANN001
        response = case.call(base_url=base_url, headers=headers, timeout=60)
        if _time_limit(response):  # a generated query that runs too long is stopped: allowed
            return
        case.validate_response(response, checks=CHECKS)

    check()


# Findings not fixed yet (kg.serve's OpenAPI document), kept visible as expected failures.
KNOWN: dict[str, str] = {}


def _labels() -> list:
    return [
        pytest.param(label, marks=pytest.mark.xfail(reason=KNOWN[label], strict=False))
        if label in KNOWN
        else label
        for label in sorted(OPERATIONS)
    ]


def test_the_api_is_documented() -> None:
    assert {"GET /sparql", "POST /sparql", "PUT /store", "POST /documents", "GET /queries/unit-tasks"} <= set(
        OPERATIONS
    )


@pytest.mark.parametrize("label", _labels())
def test_operation_read_only(read_only_server: LiveServer, label: str) -> None:
    _run(label, read_only_server.url, examples=3, derandomize=True)


@pytest.mark.slow
@pytest.mark.parametrize("label", _labels())
def test_operation_with_writes(writable_server: LiveServer, label: str) -> None:
    _run(
        label,
        writable_server.url,
        examples=60,
        derandomize=False,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
