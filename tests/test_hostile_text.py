"""Hostile text in scenario labels, file and folder names and ``compare --names`` never runs as script.

Every free-text field a planner can write (description, service, station,
window-group, staff-type, class and shift labels), the scenario file name,
the run folder names and the option names of ``compare`` carry payloads of
several shapes: a table cell opener (``<td><script>``), an attribute breaker
(``"><img src=x onerror=...>``), a style closer (``</style>``), quotes and a
``javascript:`` URL. Each payload, if it ran, would set ``window.__pwned`` or
change ``document.title``. The ticket-log pages (fit report, calibration) carry them in
the scenario name, service and station names. The pages are checked twice:
as text (no payload tag survives unescaped) and in headless chromium
(nothing executed, the title is the expected one).
"""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sim.experiment import run_experiment
from sim.loading import load_scenario, scenario_from_dict
from study.pages.run_report import write_report
from study.runs.write import write_run
from study.runs.write_compare import compare_runs

from .test_browser import _why_no_browser, driver, open_page  # noqa: F401 (driver is a fixture)

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "county_hall.yaml"

PAYLOADS = [
    "<td><script>window.__pwned=1;document.title='pwned'</script>",
    "\"><img src=x onerror=\"window.__pwned=2;document.title='pwned'\">",
    "</style><script>window.__pwned=3</script><style>",
    "' onmouseover='window.__pwned=4' x='",
    "javascript:window.__pwned=5",
    "</title><script>window.__pwned=6</script>",
    "<svg onload=window.__pwned=7>",
]
# Folder and option names cannot hold '/'; these shapes can.
NAME_PAYLOADS = ["<td><img src=x onerror=window.__pwned=8>", "\"><svg onload=window.__pwned=9>"]


def hostile(data: dict) -> None:
    p = iter(PAYLOADS * 10)
    data["description"] = next(p)
    for svc in data["services"].values():
        svc["label"] = next(p)
    for st in data["stations"].values():
        st["label"] = next(p)
        for g in (st.get("window_groups") or {}).values():
            g["label"] = next(p)
    for st in data["staff_types"].values():
        st["label"] = next(p)
    for c in data["classes"].values():
        c["label"] = next(p)
    for sh in data["shift_patterns"].values():
        sh["label"] = next(p)


def _run(folder: Path, scenario_file: Path) -> None:
    scenario = load_scenario(SCENARIO)
    data = scenario.model_dump(mode="json")
    hostile(data)
    scenario = scenario_from_dict(data, source=str(scenario_file))
    result = run_experiment(scenario, replications=2, seed=3, workers=1)
    write_run(result, folder, str(scenario_file), 1, ["queueplan", "run", str(scenario_file)])


def _ticketlog_pages(root: Path) -> list[Path]:
    """The fit report and the calibration page with payloads in the scenario name, services and stations."""
    import numpy as np
    import pandas as pd

    from study.ticketlog.calibrate import Calibration
    from study.ticketlog.fitting import fit_log
    from study.ticketlog.importing import read_logs
    from study.ticketlog.pages import write_calibration_page, write_fit_report

    rows, _ = read_logs([SCENARIO.parent / "logs" / "county_hall_4weeks.csv"])
    rows = rows[rows["date"] == rows["date"].min()].copy()
    services = {s: PAYLOADS[i % len(PAYLOADS)] for i, s in enumerate(sorted(rows["service"].unique()))}
    rows["service"] = rows["service"].map(services)
    rows["station"] = PAYLOADS[1]
    fit = fit_log(rows)
    r = {"verdict": "agree", "n_hall": 10, "mean_hall": 5.0, "mean_model": 5.5, "diff": -0.5, "diff_lo": -1.0,
         "diff_hi": 0.0, "sl_hall": 0.9, "sl_model": 0.8, "ks_p": 0.5, "abandon_hall": 0.01, "abandon_model": 0.02,
         "abandon_diff": -0.01, "abandon_diff_lo": -0.02, "abandon_diff_hi": 0.0, "abandon_verdict": PAYLOADS[2]}
    cal = Calibration(pd.DataFrame([{"interval_min": 540.0, **r}]),
                      pd.DataFrame([{"service": p, **r} for p in PAYLOADS]), r, 20.0, 1, 1)
    assert np.isfinite(cal.overall["diff_lo"])
    name = PAYLOADS[5] + PAYLOADS[0]
    return [write_fit_report(fit, root / "fit", name), write_calibration_page(cal, root / "cal", name)]


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    a = root / f"A{NAME_PAYLOADS[0]}"
    b = root / f"B{NAME_PAYLOADS[1]}"
    _run(a, root / "hall<script>window.__pwned=10</script>.yaml")
    _run(b, root / "hall\"><img src=x onerror=window.__pwned=11>.yaml")
    write_report(b, lang="zh")
    cmp = root / "cmp"
    compare_runs([a, b], cmp, names=NAME_PAYLOADS)
    opt = root / f"opt{NAME_PAYLOADS[0]}"
    shutil.copytree(b, opt)
    p = iter(PAYLOADS * 4)
    plan = {"verdict": {"en": next(p), "zh": next(p)}, "notes": [next(p)], "currency": next(p),
            "cost": {"planned_per_day": 1.0, "with_overtime_per_day": 1.5, "unit": next(p)},
            "remedies": [{"lever": next(p), "change_en": next(p), "change_zh": next(p), "reason_en": next(p),
                          "every_target_met": False, "targets_met": 1, "targets_total": 2, "kept": True}],
            "versus_input": {"input_cost_per_day": 1.0, "optimised_cost_per_day": 2.0, "verdict_en": next(p),
                             "per_target": [{"target": next(p), "input_sl": 0.5, "optimised_sl": 0.6}]},
            "milp": {"status": next(p)}, "search": {"status": "budget", "lower_bound_method": next(p)}}
    (opt / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    write_report(opt)
    return [a / "report.html", b / "report.html", cmp / "compare.html", opt / "report.html",
            *_ticketlog_pages(root)]


class Tags(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_no_payload_survives_as_markup(hostile_pages):
    for page in hostile_pages:
        text = page.read_text(encoding="utf-8")
        tags = Tags(text).tags
        assert not [t for t, _ in tags if t in ("script", "svg", "iframe", "a")], page
        assert not [(t, a) for t, a in tags for k in a if k.lower().startswith("on") or k == "x"], page
        assert all(a.get("src", "").startswith("data:image/png;base64,") for t, a in tags if t == "img"), page
        assert [t for t, _ in tags].count("style") == 1 and text.count("</style>") == 1
        assert "&lt;td&gt;&lt;script&gt;" in text or "&lt;svg" in text  # the text is there, escaped


@pytest.mark.skipif(_why_no_browser() is not None, reason=str(_why_no_browser()))
def test_nothing_executes_in_the_browser(driver, hostile_pages):  # noqa: F811
    titles = []
    for page in hostile_pages:
        open_page(driver, page, "hostile_" + page.parent.name[:1])
        assert driver.execute_script("return window.__pwned === undefined"), page
        titles.append(driver.title)
        assert driver.title != "pwned"          # the payloads set exactly this; a page may show them as text
        assert driver.execute_script("return document.querySelectorAll('script').length") == 0
    assert titles[0].endswith("county_hall") and titles[1].endswith("county_hall") and titles[3].endswith("county_hall")
