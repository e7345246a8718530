"""Pages from templates: target names in both languages, the optimise page from plan.json, the compare verdict.

The optimise page is built from a run folder plus a ``plan.json`` carrying
the keys the optimiser's engineers write (verdict, remedies, versus_input,
milp, search, cost); a time-limited MILP or a search stopped on budget must
say "not proven" and never "optimal"; a plan.json without those keys still
gives a page that says what is missing.
"""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from study.i18n import EN, ZH
from study.names import item_label, share_text, target_name
from study.pages.run_report import write_report

from .test_report import make_run

SL = {"id": "sl20", "kind": "service_level", "fraction": 0.8, "wait_min": 20}


@pytest.fixture(autouse=True)
def _no_figures(request, monkeypatch):
    """These tests read the page's words; drawing its figures (tests/test_report.py) would only cost time."""
    if "figures" not in request.keywords:
        from study.figures.run_figures import RenderedFigures
        monkeypatch.setattr("study.pages.run_report.render_figures", lambda *a, **k: RenderedFigures())


def test_target_names_in_both_languages():
    assert target_name(SL, "en") == "80% called within 20 min"
    assert target_name(SL, "zh") == "20分钟内叫号率≥80%"
    at = dict(SL, station="inspection")
    scenario = {"stations": {"inspection": {"label": "inspection lane", "label_zh": "查验通道"}}}
    assert target_name(at, "en", scenario) == "80% called at inspection lane within 20 min"
    assert target_name(at, "zh", scenario) == "查验通道20分钟内叫号率≥80%"
    assert target_name({"id": "w", "kind": "mean_wait", "max_min": 15}, "en") == "mean wait ≤ 15 min"
    assert target_name({"id": "a", "kind": "max_abandonment", "fraction": 0.05}, "zh") == "放弃率≤5%"
    assert target_name({"id": "u", "kind": "max_unserved", "fraction": 0.005}, "en") == \
        "at most 0.5% still waiting at closing"
    assert target_name({"id": "h", "kind": "time_in_hall", "max_min": 60, "fraction": 0.9}, "zh") == "60分钟内办结率≥90%"
    assert target_name(dict(SL, label="quick calls", label_zh="快速叫号"), "zh") == "快速叫号"
    assert target_name(dict(SL, label="quick calls"), "en") == "quick calls"
    assert share_text(0.125) == "12.5%" and share_text(1) == "100%"


def test_item_labels_fall_back_to_the_other_language_then_the_code():
    assert item_label({"label": "counter", "label_zh": "综合窗口"}, "zh") == "综合窗口"
    assert item_label({"label": "counter"}, "zh") == "counter"
    assert item_label({}, "en", "CTR") == "CTR"
    assert item_label(None, "en", "CTR") == "CTR"


def test_every_shipped_scenario_target_gets_a_name():
    from sim.loading import load_scenario

    for path in sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml")):
        try:
            s = load_scenario(path).model_dump(mode="json")
        except Exception:  # scenarios of other features (weeks) are checked by their own tests
            continue
        for t in s["targets"]:
            for lang in ("en", "zh"):
                name = target_name(t, lang, s)
                assert name and name != t["id"], (path.name, t)


class Page(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.keyed: dict[str, str] = {}
        self.order: list[str] = []
        self._key: list[str | None] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        key = dict(attrs).get("data-key")
        if key:
            self.order.append(key)
            self.keyed.setdefault(key, "")
        self._key.append(key)

    def handle_endtag(self, tag):
        if self._key:
            self._key.pop()

    def handle_data(self, data):
        for key in self._key:
            if key:
                self.keyed[key] += data


PLAN = {
    "scenario": "county_hall", "cost": {"planned_per_day": 58.5, "with_overtime_per_day": 60.25, "unit": "元/day"},
    "currency": "元",
    "verdict": {"en": "Add one inspection lane: every target met for 4.5 more per day.",
                "zh": "增加一条查验通道：全部目标达标，每天多花4.5。"},
    "remedies": [
        {"lever": "windows:inspection", "change_en": "add one inspection lane", "change_zh": "增加一条查验通道",
         "targets_met": 5, "targets_total": 5, "every_target_met": True, "cost_delta_per_day": 4.5,
         "cost_delta_pct": 8.0, "verified_replications": 40, "kept": True, "reason_en": "cheapest that meets all",
         "reason_zh": "达标中最便宜"},
        {"lever": "train:auxiliary:INSPECT", "change_en": "train 2 auxiliaries in INSPECT <b>",
         "change_zh": "培训2名辅警查验业务", "targets_met": 4, "targets_total": 5, "every_target_met": False,
         "cost_delta_per_day": 1.0, "cost_delta_pct": 1.7, "verified_replications": 40, "kept": False,
         "reason_en": "misses sl40 at 09:00", "reason_zh": "09:00 sl40 未达标"}],
    "versus_input": {"input_cost_per_day": 53.0, "optimised_cost_per_day": 58.5, "replications": 40,
                     "verdict_en": "The optimised roster costs 5.5 more and meets sl40, which yours misses.",
                     "verdict_zh": "优化后的排班每天多花5.5，达成了您的排班未达成的sl40。",
                     "per_target": [{"target": "sl20", "input_sl": 0.81, "optimised_sl": 0.9, "difference": 0.09,
                                     "difference_ci95": [0.05, 0.13]}]},
    "milp": {"status": "time_limited", "objective": 58.5, "best_bound": 52.0, "gap": 0.111, "time_s": 10.0,
             "variables": 1200, "constraints": 900},
    "search": {"status": "budget", "lower_bound": 50.0, "lower_bound_optimal": False, "moves_tried": 12,
               "moves_keeping_every_target": 0},
    "verification": {"seed": 7, "replications": 40, "target_intervals": 30, "met": 29, "met_confident": 27},
    "notes": ["counter: short of windows at 09:00"],
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    make_run(root / "run", reps=2, events=False)
    return root / "run"


def _optimise_folder(run_dir: Path, tmp: Path, plan: dict) -> Path:
    folder = tmp / "opt"
    shutil.copytree(run_dir, folder)
    (folder / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_optimise_page_leads_with_verdict_remedies_and_input_roster(run_dir, tmp_path, lang):
    folder = _optimise_folder(run_dir, tmp_path, PLAN)
    text = write_report(folder, lang=lang).path.read_text(encoding="utf-8")
    words = EN if lang == "en" else ZH
    page = Page(text)
    assert page.keyed["page_kind"] == words["optimiser_result"]
    assert f"<title>{words['optimise_title']}: county_hall</title>" in text
    assert page.keyed["optimiser_verdict"] == PLAN["verdict"][lang]
    # the optimiser's findings come before the run's own verdict and the per-interval details
    order = page.order
    assert order.index("optimiser_verdict") < order.index("remedy:0") < order.index("versus_verdict") \
        < order.index("verdict") < order.index("cost")
    assert page.keyed["remedy:0"].endswith(PLAN["remedies"][0][f"change_{lang}"])
    assert order.index("remedy:0") < order.index("remedy:1")
    assert page.keyed["versus_verdict"].startswith(PLAN["versus_input"][f"verdict_{lang}"])
    assert "&lt;b&gt;" in text or lang == "zh"  # remedy text is escaped
    # a time-limited MILP and a search stopped on budget are never called optimal
    assert page.keyed["milp_status"].startswith(words["milp_time_limited"].split("{")[0].strip())
    assert not page.keyed["milp_status"].startswith(words["milp_optimal"])
    assert "11.1%" in page.keyed["milp_status"] and "52.00" in page.keyed["milp_status"]
    assert page.keyed["search_status"] == words["search_budget"]
    assert page.keyed["not_proven"] == words["not_proven"]
    assert f"58.5 元/{'日' if lang == 'zh' else 'day'}" in page.keyed["planned_per_day"] and "60.2" in page.keyed["with_overtime_per_day"]
    target = "20分钟内叫号率≥80%" if lang == "zh" else "80% called within 20 min"
    assert target in page.keyed["vs:sl20"]


def test_an_optimal_milp_is_called_optimal_and_nothing_says_not_proven(run_dir, tmp_path):
    plan = dict(PLAN, milp=dict(PLAN["milp"], status="optimal", gap=0.0),
                search=dict(PLAN["search"], status="done", lower_bound_optimal=True))
    page = Page(write_report(_optimise_folder(run_dir, tmp_path, plan)).path.read_text(encoding="utf-8"))
    assert page.keyed["milp_status"].startswith(EN["milp_optimal"])
    assert "not_proven" not in page.keyed


def test_optimise_page_degrades_without_the_new_keys(run_dir, tmp_path):
    old = {"scenario": "county_hall", "cost": 53.0, "paid_hours": 60.0, "notes": [],
           "search": {"status": "budget", "lower_bound": None, "lower_bound_optimal": True}}
    page = Page(write_report(_optimise_folder(run_dir, tmp_path, old), lang="zh").path.read_text(encoding="utf-8"))
    assert page.keyed["page_kind"] == ZH["optimiser_result"]
    assert "optimiser_verdict" not in page.keyed
    assert page.keyed["remedies_note"] == ZH["no_remedies_data"]
    assert page.keyed["versus_verdict"] == ZH["versus_input_missing"]
    assert page.keyed["milp_status"] == ZH["milp_unknown"]
    assert page.keyed["not_proven"] == ZH["not_proven"]  # stopped on budget


def test_all_targets_met_shows_no_remedies(run_dir, tmp_path):
    page = Page(write_report(_optimise_folder(run_dir, tmp_path, dict(PLAN, remedies=[]))).path
                .read_text(encoding="utf-8"))
    assert page.keyed["remedies_note"] == EN["no_remedies"] and "remedy:0" not in page.keyed


def test_chinese_labels_of_the_scenario_are_used_on_chinese_pages(tmp_path):
    def bilingual(d):
        d["description_zh"] = "县车管所业务大厅"
        d["stations"]["counter"]["label_zh"] = "综合业务窗口"
        d["targets"][0]["label_zh"] = "快速叫号目标"
    make_run(tmp_path / "zh", bilingual, reps=2, events=False)
    text = write_report(tmp_path / "zh", lang="zh").path.read_text(encoding="utf-8")
    assert "县车管所业务大厅" in text and "综合业务窗口" in text and "快速叫号目标" in text
    english = write_report(tmp_path / "zh", lang="en").path.read_text(encoding="utf-8")
    assert "县车管所业务大厅" not in english and "快速叫号目标" not in english


@pytest.mark.figures
def test_report_progress_follows_every_figure(run_dir, tmp_path):
    folder = tmp_path / "progress"
    shutil.copytree(run_dir, folder)
    calls = []
    report = write_report(folder, progress=lambda done, total, name: calls.append((done, total, name)))
    total = calls[-1][1]
    assert [c[0] for c in calls] == list(range(total + 1)) and calls[-1] == (total, total, "")
    assert {c[2] for c in calls[:-1]} >= set(report.figures.files)
