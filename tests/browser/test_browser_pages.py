"""Headless Chromium (Debian's chromium + chromium-driver, driven by Selenium) walks the pages a
researcher uses: a unit page, one of its tasks, a named query run from its form, the result table.
A screenshot of each page is kept under tests/artifacts/."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import load_dataset

from kg.serve.testing import LiveServer
from kg.serve.web import local_path
from kg.store import open_store

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
UNIT = "https://w3id.org/govwork/id/org/新密市/超化镇政府"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and DRIVER.exists()),
        reason="needs /usr/bin/chromium and /usr/bin/chromedriver (scripts/install-debian-packages.sh, run by scripts/test.sh)",
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    location = tmp_path_factory.mktemp("browser") / "store"
    with open_store(location) as store:
        load_dataset(store)
    with LiveServer(location, log=location.parent / "serve.log") as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not try to download anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shot(driver: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"browser-{name}.png"))  # type: ignore[attr-defined]


def test_unit_task_and_named_query(server: LiveServer, browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    d.get(server.url + local_path(UNIT))  # type: ignore[attr-defined]
    assert d.find_element(By.TAG_NAME, "h1").text.startswith("超化镇政府")  # type: ignore[attr-defined]
    tasks = d.find_elements(By.CSS_SELECTOR, "ul.tasks li")  # type: ignore[attr-defined]
    assert len(tasks) == 4
    assert any("各乡镇政府" in t.text for t in tasks)
    shot(d, "1-unit")

    link = next(t for t in tasks if "2.2" in t.text).find_element(By.CSS_SELECTOR, "a.task")
    link.click()
    assert "上半年新建美丽乡村示范村3至5个左右" in d.find_element(By.CSS_SELECTOR, ".tasktext").text  # type: ignore[attr-defined]
    source = d.find_element(By.ID, "source").text  # type: ignore[attr-defined]
    assert source.startswith("2.上半年新建美丽乡村示范村")
    shot(d, "2-task")

    d.get(server.url + "/queries")  # type: ignore[attr-defined]  (a browser's Accept gets the HTML list)
    form = d.find_element(By.CSS_SELECTOR, "form[data-query='unit-tasks']")  # type: ignore[attr-defined]
    field = form.find_element(By.NAME, "unit")
    field.clear()
    field.send_keys("伏羲山管委会")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(d, 20).until(lambda drv: drv.find_elements(By.ID, "results"))
    rows = d.find_elements(By.CSS_SELECTOR, "#results tbody tr")  # type: ignore[attr-defined]
    cells = [c.text for c in rows[0].find_elements(By.TAG_NAME, "td")]
    assert len(rows) == int(d.find_element(By.ID, "row-count").text) == 1  # type: ignore[attr-defined]
    assert cells[:4] == ["新密政办〔2021〕6号", "1", "2", "responsible"]
    assert "bom=1" in d.find_element(By.ID, "csv-link").get_attribute("href")  # type: ignore[attr-defined]
    shot(d, "3-named-query")
