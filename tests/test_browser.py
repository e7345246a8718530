"""The report and comparison pages in a real headless browser (Debian's chromium + chromedriver, Selenium).

Checked: the page loads without console errors or warnings, every image
loads (``naturalWidth > 0``), and the headline numbers on the page are the
run's ``summary.json`` (and ``comparison.csv``). Skipped, with the reason,
only where no browser is installed (``.ci/install_browser`` installs it).
Set ``QUEUEPLAN_SCREENSHOTS=DIR`` to keep full-page screenshots.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from study.i18n import EN, ZH
from study.pages.run_report import write_report
from study.runs.write_compare import compare_runs

from .test_compare import one_more_police
from .test_report import make_run

CHROMIUM = Path(os.environ.get("QUEUEPLAN_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("QUEUEPLAN_CHROMEDRIVER", "/usr/bin/chromedriver"))
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1200,900")


def _why_no_browser() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.is_file():
            return f"no browser: {path} is missing (apt-get install {package}, or run .ci/install_browser)"
    return None


@pytest.fixture(scope="module")
def driver():
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="queueplan-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    d.set_page_load_timeout(60)
    try:
        yield d
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    if _why_no_browser():
        pytest.skip(_why_no_browser())
    root = tmp_path_factory.mktemp("browser")
    make_run(root / "A")
    make_run(root / "B", one_more_police, events=False)
    shutil.copytree(root / "A", root / "A_zh")
    write_report(root / "A")
    write_report(root / "A_zh", lang="zh")
    compare_runs([root / "A", root / "B"], root / "cmp")
    return root


def open_page(driver, path: Path, shot: str) -> list[dict]:
    """Load ``path``, wait for it and its images; return the console log entries."""
    driver.get(path.as_uri())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if driver.execute_script("return document.readyState === 'complete' && "
                                 "Array.from(document.images).every(i => i.complete)"):
            break
        time.sleep(0.1)
    folder = os.environ.get("QUEUEPLAN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1200, min(height, 16000))
        driver.save_screenshot(str(Path(folder) / f"{shot}.png"))
        driver.set_window_size(1200, 900)
    return driver.get_log("browser")


def assert_clean(log: list[dict]) -> None:
    problems = [e for e in log if e.get("level") in ("SEVERE", "WARNING")]
    assert problems == [], problems


def assert_images_load(driver, expected: int) -> None:
    images = driver.execute_script("return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
    assert len(images) == expected
    assert all(complete and width > 0 for complete, width, _ in images), images


def number(text: str) -> float:
    return float(re.search(r"-?\d+(\.\d+)?", text.replace(",", "")).group())


def key_text(driver, key: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'[data-key="{key}"]').text


def check_headline(driver, folder: Path) -> None:
    summary = json.loads((folder / "summary.json").read_text())
    day = summary["day"]
    assert number(key_text(driver, "cost")) == pytest.approx(summary["cost"], abs=0.05)
    assert number(key_text(driver, "wait_mean_min")) == pytest.approx(day["wait_mean_min"], abs=0.05)
    assert number(key_text(driver, "wait_p90_min")) == pytest.approx(day["wait_p90_min"], abs=0.05)
    assert number(key_text(driver, "abandon_fraction")) == pytest.approx(100 * day["abandon_fraction"], abs=0.05)
    assert number(key_text(driver, "tickets")) == pytest.approx(day["tickets"], abs=0.05)
    from selenium.webdriver.common.by import By

    for t in summary["targets"]:
        item = driver.find_element(By.CSS_SELECTOR, f'[data-key="target:{t["id"]}"]')
        assert item.get_attribute("data-value") == f"{t['intervals_met']}/{t['intervals']}"
        if t["scope"] == "interval":
            assert f"{t['intervals_met']}" in item.text


def test_report_page_in_the_browser(driver, pages):
    folder = pages / "A"
    assert_clean(open_page(driver, folder / "report.html", "report_en"))
    assert_images_load(driver, 6)
    check_headline(driver, folder)
    assert driver.title == f"{EN['report_title']}: county_hall"
    verdict = key_text(driver, "verdict")
    assert verdict in (EN["verdict_met"], EN["verdict_estimate"], EN["verdict_missed"])


def test_chinese_report_page_in_the_browser(driver, pages):
    folder = pages / "A_zh"
    assert_clean(open_page(driver, folder / "report.html", "report_zh"))
    assert_images_load(driver, 6)
    check_headline(driver, folder)
    assert driver.execute_script("return document.documentElement.lang") == "zh-CN"
    assert driver.title == f"{ZH['report_title']}: county_hall"
    assert ZH["headline"] in driver.page_source


def test_comparison_page_in_the_browser(driver, pages):
    from selenium.webdriver.common.by import By

    folder = pages / "cmp"
    assert_clean(open_page(driver, folder / "compare.html", "compare_en"))
    assert_images_load(driver, 2)  # one figure per hourly service-level target
    table = pd.read_csv(folder / "comparison.csv")
    for _, row in table.iterrows():
        cell = driver.find_element(By.CSS_SELECTOR, f'td[data-option="{row["option"]}"][data-key="cost"]')
        assert number(cell.text) == pytest.approx(row["cost"], abs=0.05)
        wait = driver.find_element(By.CSS_SELECTOR, f'td[data-option="{row["option"]}"][data-key="wait_mean_min"]')
        assert number(wait.text) == pytest.approx(row["wait_mean_min"], abs=0.05)
    sentences = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "li[data-option]")]
    assert sentences == list(table["summary"])
    diff = driver.find_element(By.CSS_SELECTOR, 'td[data-option="B"][data-key="diff_wait_mean_min"]').text
    assert "(paired)" in diff
