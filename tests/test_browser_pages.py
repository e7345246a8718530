"""The optimise page, the compare verdict, both languages and the print layout, in headless chromium.

Skipped, with the reason, only where no browser is installed
(``.ci/install_browser`` installs it). Print: the page is printed to PDF by
chromium itself (``Page.printToPDF`` honouring the stylesheet's ``@page``):
the paper is A4, and the headline section alone (everything after it
removed) prints on exactly one page.
"""

from __future__ import annotations

import base64
import json
import re
import shutil

import pytest

from study.i18n import EN, ZH
from study.pages.run_report import write_report
from study.runs.write_compare import compare_runs

from .test_browser import _why_no_browser, assert_clean, assert_images_load, driver, key_text, open_page  # noqa: F401
from .test_compare import one_more_police
from .test_pages import PLAN
from .test_report import make_run

pytestmark = pytest.mark.skipif(_why_no_browser() is not None, reason=str(_why_no_browser()))


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser_pages")
    make_run(root / "A", reps=3, events=False)
    make_run(root / "B", one_more_police, reps=3, events=False)
    for lang in ("en", "zh"):
        shutil.copytree(root / "A", root / f"opt_{lang}")
        (root / f"opt_{lang}" / "plan.json").write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
        write_report(root / f"opt_{lang}", lang=lang)
    verdicts = {"en": compare_runs([root / "A", root / "B"], root / "cmp").verdict,
                "zh": compare_runs([root / "A", root / "B"], root / "cmp_zh", lang="zh").verdict}
    (root / "verdicts.json").write_text(json.dumps(verdicts, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_optimise_page_in_the_browser(driver, folders, lang):  # noqa: F811
    from selenium.webdriver.common.by import By

    words = EN if lang == "en" else ZH
    assert_clean(open_page(driver, folders / f"opt_{lang}" / "report.html", f"optimise_{lang}"))
    assert_images_load(driver, 6)
    assert driver.title == f"{words['optimise_title']}: county_hall"
    assert driver.execute_script("return document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
    assert key_text(driver, "page_kind").lower() == words["optimiser_result"].lower()
    assert key_text(driver, "optimiser_verdict") == PLAN["verdict"][lang]
    assert key_text(driver, "not_proven") == words["not_proven"]
    # the verdict is the first thing in the headline, above the remedies and the comparison with the input roster
    y = {k: driver.find_element(By.CSS_SELECTOR, f'[data-key="{k}"]').location["y"]
         for k in ("optimiser_verdict", "remedy:0", "versus_verdict", "verdict")}
    assert y["optimiser_verdict"] < y["remedy:0"] < y["versus_verdict"] < y["verdict"]
    assert PLAN["remedies"][0][f"change_{lang}"] in key_text(driver, "remedy:0")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_page_opens_with_its_verdict(driver, folders, lang):  # noqa: F811
    from selenium.webdriver.common.by import By

    folder = folders / ("cmp" if lang == "en" else "cmp_zh")
    assert_clean(open_page(driver, folder / "compare.html", f"compare_verdict_{lang}"))
    first = driver.find_element(By.CSS_SELECTOR, "h1 + section > *")
    assert first.get_attribute("data-key") == "compare_verdict"
    words = EN if lang == "en" else ZH
    text = first.text
    assert text.startswith(words["verdict"])
    keys = ("cmp_verdict_confident", "cmp_verdict_estimate", "cmp_verdict_none")
    assert any(text.split(":", 1)[-1].strip().startswith(words[k].split("{")[0].strip()) for k in keys), text
    verdict = json.loads((folders / "verdicts.json").read_text(encoding="utf-8"))[lang]
    assert text.endswith(verdict)


def _pdf(driver) -> bytes:
    out = driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})
    return base64.b64decode(out["data"])


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _media_boxes(pdf: bytes) -> set[tuple[int, int]]:
    return {(round(float(w)), round(float(h))) for w, h in
            re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)}


@pytest.mark.parametrize("page", ["opt_en/report.html", "opt_zh/report.html", "A/report.html", "cmp/compare.html"])
def test_print_layout_is_a4_with_the_headline_on_one_page(driver, folders, page):  # noqa: F811
    open_page(driver, folders / page, "print_" + page.replace("/", "_"))
    whole = _pdf(driver)
    assert _media_boxes(whole) == {(595, 842)}  # A4 in points
    assert _pages(whole) >= 2  # the details follow the headline on the next pages
    if page.startswith("cmp"):
        return
    driver.execute_script("""const h = document.querySelector('section.headline');
        let n = h.nextElementSibling; while (n) { const next = n.nextElementSibling; n.remove(); n = next; }""")
    assert _pages(_pdf(driver)) == 1
