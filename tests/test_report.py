"""The HTML run report: headline numbers from summary.json, self-contained, both languages, bad input."""

from __future__ import annotations

import base64
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment import run_experiment
from sim.loading import load_scenario, scenario_from_dict
from study import figures as plots
from study.figures.run_figures import roster_on_duty
from study.i18n import EN, ZH
from study.pages.run_report import headline, write_report
from study.runs.folders import run_folder
from study.runs.load import NotARunError, load_run
from study.runs.write import write_run

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "county_hall.yaml"


def make_run(folder: Path, changes=None, reps: int = 5, seed: int | None = None, events: bool = True):
    """Simulate the county hall (optionally changed: ``changes(dict)`` edits the scenario dict) into ``folder``."""
    scenario = load_scenario(SCENARIO)
    if changes is not None:
        data = scenario.model_dump(mode="json")
        changes(data)
        scenario = scenario_from_dict(data, source="<test>")
    result = run_experiment(scenario, replications=reps, seed=seed, keep_logs=events)
    write_run(result, folder, str(SCENARIO), 1, ["test"])
    return result


class Page(HTMLParser):
    """Collects tags, attributes and text of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self._key = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "data-key" in attrs:
            self._key = attrs["data-key"]
            self.text.setdefault(self._key, "")

    def handle_endtag(self, tag):
        if tag in ("div", "li", "td"):
            self._key = None

    def handle_data(self, data):
        if self._key:
            self.text[self._key] += data

    def attrs(self, tag):
        return [a for t, a in self.tags if t == tag]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    make_run(root / "events")
    make_run(root / "no_events", events=False)
    return root


@pytest.fixture(scope="module")
def english(runs):
    report = write_report(runs / "events")
    return report, (runs / "events" / "report.html").read_text(encoding="utf-8")


def first_number(text: str) -> float:
    return float(re.search(r"-?\d+(\.\d+)?", text).group())


def test_headline_numbers_match_summary_json(english, runs):
    report, text = english
    summary = json.loads((runs / "events" / "summary.json").read_text())
    page = Page(text)
    day = summary["day"]
    assert first_number(page.text["cost"]) == pytest.approx(summary["cost"], abs=0.05)
    assert first_number(page.text["wait_mean_min"]) == pytest.approx(day["wait_mean_min"], abs=0.05)
    assert first_number(page.text["wait_p90_min"]) == pytest.approx(day["wait_p90_min"], abs=0.05)
    assert first_number(page.text["abandon_fraction"]) / 100 == pytest.approx(day["abandon_fraction"], abs=0.0005)
    assert first_number(page.text["tickets"]) == pytest.approx(day["tickets"], abs=0.05)
    for t in summary["targets"]:
        li = next(a for a in page.attrs("li") if a.get("data-key") == f"target:{t['id']}")
        assert li["data-value"] == f"{t['intervals_met']}/{t['intervals']}"
    all_met = all(t["met_all_confident"] for t in summary["targets"])
    assert page.text["verdict"] == (EN["verdict_met"] if all_met else EN["verdict_missed"]) or \
        page.text["verdict"] == EN["verdict_estimate"]
    assert report.warnings == []


def test_interval_table_is_coloured_by_target_status(english, runs):
    _, text = english
    summary = json.loads((runs / "events" / "summary.json").read_text())
    cells = [a for a in Page(text).attrs("td") if "data-status" in a]
    expected = [r["status"] for t in summary["targets"] if t["scope"] == "interval" for r in t["results"]]
    assert sorted(c["data-status"] for c in cells) == sorted(expected)
    css = {"ok": "ok", "~": "close", "MISS": "miss"}
    assert all(c["class"] == css[c["data-status"]] for c in cells)
    assert text.count('<td class="l nw">') == len(summary["intervals"])


def test_report_is_self_contained_with_every_section(english, runs):
    report, text = english
    page = Page(text)
    images = page.attrs("img")
    assert len(images) == len(report.figures.files) == 6
    for img in images:
        assert img["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(img["src"].split(",", 1)[1])[:4] == b"\x89PNG"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing fetched from the network
    assert "<script" not in text and "<link" not in text
    for section in ("headline", "intervals", "roster", "figures", "assumptions", "reproducibility"):
        assert f'id="{section}"' in text
    manifest = json.loads((runs / "events" / "manifest.json").read_text())
    assert manifest["scenario_sha256"] in text and str(manifest["seed"]) in text
    assert "County vehicle and driver administration hall" in text  # the scenario description
    assert "Business counters (综合窗口)" in text  # station labels from the scenario
    figures = {p.name for p in (runs / "events" / "figures").iterdir()}
    assert figures == {f"{n}.png" for n in report.figures.files}   # PNG only unless `queueplan report --svg`
    assert not [p for p in (runs / "events").rglob("*") if p.name.endswith(".tmp")]


def test_chinese_report_without_cjk_font_inside_the_atomic_run_write(runs, tmp_path, monkeypatch):
    """As ``queueplan run`` does: the report is written into the temporary folder before it is renamed."""
    final = tmp_path / "run"
    monkeypatch.setattr(plots.style, "cjk_fonts", lambda: [])
    with run_folder(final) as tmp:
        for p in (runs / "no_events").iterdir():
            if p.is_file():  # the run's own figures/ are drawn again below
                shutil.copy(p, tmp / p.name)
        summary = json.loads((tmp / "summary.json").read_text())
        (tmp / "summary.json").write_text(json.dumps(dict(summary, run_dir=str(final))))
        pd.DataFrame({"iteration": [0, 1], "cost": [50.0, 46.0], "targets_met": [15, 18], "targets_total": [18, 18]}
                     ).to_csv(tmp / "iterations.csv", index=False)
        pd.DataFrame({"interval_start_min": [540.0, 600.0], "station": ["counter", "counter"], "required": [7, 5]}
                     ).to_csv(tmp / "requirements.csv", index=False)
        report = write_report(tmp, lang="zh")
    text = (final / "report.html").read_text(encoding="utf-8")
    assert "根据运行目录 run 生成" in text  # the final folder name, not the temporary one
    assert len(report.warnings) == 1 and "no CJK font is installed" in report.warnings[0]
    assert '<div class="warn">' in text and "no CJK font is installed" in text
    assert '<html lang="zh-CN">' in text and ZH["report_title"] in text and ZH["per_interval"] in text
    # no citizens.parquet: the wait distribution is drawn from the pooled histogram (wait_histogram.csv)
    assert report.figures.titles["wait_cdf"] == ZH["fig_wait_cdf"]
    assert "iterations" in report.figures.files  # optimisation runs get the iterations figure
    assert (final / "figures" / "staffing.png").is_file() and (final / "figures" / "iterations.png").is_file()
    assert not (final / "figures" / "staffing.svg").exists()       # SVG only with `queueplan report --svg`


def test_not_a_run_is_refused_and_nothing_is_written(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NotARunError, match="is not a run folder: manifest.json is missing"):
        write_report(empty)
    assert list(empty.iterdir()) == []
    with pytest.raises(NotARunError, match="does not exist"):
        write_report(tmp_path / "nowhere")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    (broken / "summary.json").write_text("{}")
    with pytest.raises(NotARunError, match="cannot be read as JSON"):
        write_report(broken)
    assert sorted(p.name for p in broken.iterdir()) == ["manifest.json", "summary.json"]
    partial = tmp_path / ".run.abc.partial"
    partial.mkdir()
    with pytest.raises(NotARunError, match="unfinished or interrupted"):
        load_run(partial)


def test_unknown_language(runs):
    with pytest.raises(ValueError, match="unknown language"):
        write_report(runs / "events", lang="de")


def test_roster_on_duty_counts_scheduled_staff_per_station():
    scenario = load_scenario(SCENARIO).model_dump(mode="json")
    on = roster_on_duty(scenario, 60, 480, 1080).set_index(["station", "interval_start_min"])["staff_on_duty"]
    assert on[("counter", 480.0)] == pytest.approx(3.0)  # 6 staff from 08:30: half of 08:00-09:00
    assert on[("counter", 540.0)] == pytest.approx(6.0)
    assert on[("counter", 720.0)] == pytest.approx(0.0)  # lunch break
    assert on[("inspection", 1020.0)] == pytest.approx(0.5)  # until 17:30


def test_label_dictionaries_have_the_same_keys():
    assert set(EN) == set(ZH)


def test_a_scenario_without_targets_claims_nothing():
    summary = {"day": {"wait_mean_min": 1.0}, "targets": [], "cost": 1.0}
    shown = headline(summary, {}, "en")
    assert shown["verdict"]["text"] == EN["no_targets"] and shown["targets"] == []



def test_report_command_adds_svg_only_when_asked(runs, tmp_path):
    from study.cli import main

    folder = tmp_path / "run"
    shutil.copytree(runs / "no_events", folder)
    shutil.rmtree(folder / "figures", ignore_errors=True)
    assert main(["report", str(folder), "--svg"]) == 0      # without --svg: test_report_is_self_contained...
    assert (folder / "figures" / "queue.svg").is_file()
    assert "figures/queue.svg" in (folder / "report.html").read_text(encoding="utf-8")


def test_every_target_kind_is_named_for_what_it_is_on_both_pages(tmp_path):
    """Time in the hall (share and mean), waits at a station or over all steps: each defined as itself."""
    def targets(data):
        data["targets"] = [
            {"id": "mwc", "kind": "mean_wait", "max_min": 30, "station": "counter", "scope": "day"},
            {"id": "tih", "kind": "time_in_hall", "max_min": 90, "fraction": 0.8, "scope": "day"},
            {"id": "tim", "kind": "time_in_hall", "max_min": 60, "scope": "day"},
            {"id": "slany", "kind": "service_level", "wait_min": 60, "fraction": 0.7, "step": "any", "scope": "day"},
            {"id": "gone", "kind": "max_unserved", "fraction": 0.01, "scope": "day"}]
    folder = tmp_path / "run"
    make_run(folder, targets, reps=3, events=False)
    expected = {"en": {"tih": "80% done within 90 min in the hall", "tim": "mean time in the hall ≤ 60 min",
                       "gone": "at most 1% still waiting at closing", "slany": "at every step"},
                "zh": {"tih": "90分钟内办结率≥80%", "tim": "平均在厅时间≤60分钟", "gone": "闭厅时未办结≤1%",
                       "slany": "每个环节"}}
    for lang, names in expected.items():
        write_report(folder, lang)
        text = (folder / "report.html").read_text(encoding="utf-8")
        items = dict(re.findall(r"<code>([a-z]+)</code>: ([^<]*)</li>", text))
        assert set(items) >= {"mwc", "tih", "tim", "slany", "gone"}
        for tid, words in names.items():
            assert words in items[tid], (lang, tid, items[tid])
        assert not any(w in items["tih"] + items["tim"] for w in ("abandon", "放弃"))
    assert not (folder / "figures" / "service_level.png").exists()   # no per-interval service level to draw
