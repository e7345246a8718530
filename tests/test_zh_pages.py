"""Chinese pages read Chinese: no visible line of the county hall's run and optimise pages is English.

The pages are rendered in Chinese from a small county-hall run folder (two
replications, no event log, no figures), part of its roster on a shift
pattern generated from an optimiser template, and, for the optimise page, a
``plan.json`` whose remedy texts come from the optimiser's own levers. Tags,
``<style>``, ``<script>`` and ``<code>`` (scenario codes, file names, the
command line) are stripped; what is left is split into lines. A line fails
when it holds an English word of five letters or more and no Chinese
character, unless the word is a distribution name or the line is a file name.
The same check on the English page must find many lines (it can fail), and no
English label of an item that has a Chinese one may show on the Chinese page.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from optimise.levers import combine, windows_lever
from optimise.lower_bound import METHOD
from optimise.settings import generate_patterns
from sim.loading import load_scenario
from study.pages.run_report import write_report

from .test_report import SCENARIO, make_run

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z]{5,}")
ALLOWED_WORDS = {"lognormal", "triangular", "exponential", "gamma", "deterministic", "empirical"}
FILE_NAME = re.compile(r"^[\w./-]+\.(yaml|yml|csv|json|png|svg|html|xlsx|parquet)$")
VOID = {"br", "img", "meta", "link", "input", "hr", "wbr"}


class VisibleText(HTMLParser):
    """The visible text of a page, line by line, without ``<style>``, ``<script>``, ``<title>`` and ``<code>``."""

    def __init__(self, html: str):
        super().__init__()
        self.open: list[str] = []
        self.lines: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data):
        if not {"style", "script", "title", "code"} & set(self.open):
            self.lines += [line.strip() for line in data.splitlines() if line.strip()]


def english_lines(html: str) -> list[str]:
    """Visible lines with an English word of 5+ letters (not a distribution name) and no Chinese character."""
    def english(line: str) -> bool:
        if CJK.search(line) or FILE_NAME.match(line):
            return False
        return any(w.lower() not in ALLOWED_WORDS for w in WORD.findall(line))
    return [line for line in VisibleText(html).lines if english(line)]


@pytest.fixture(autouse=True)
def _no_figures(monkeypatch):
    """The words are what is checked; drawing the figures (tests/test_report.py) would only cost time."""
    from study.figures.run_figures import RenderedFigures
    monkeypatch.setattr("study.pages.run_report.render_figures", lambda *a, **k: RenderedFigures())


def _on_template_shifts(data: dict) -> None:
    """The auxiliaries at the counter on a pattern the optimiser generates from its DRAIN template."""
    sc = load_scenario(SCENARIO)
    option = next(o for o in generate_patterns(sc, sc.optimise) if o.name.startswith("DRAIN"))
    data["shift_patterns"][option.name] = option.pattern.model_dump(mode="json")
    for entry in data["roster"]:
        if entry["staff_type"] == "auxiliary" and entry["station"] == "counter":
            entry["shift"] = option.name


def _plan(sc) -> dict:
    """A ``plan.json`` with the keys the optimiser writes; the remedy texts from its own levers."""
    both = combine(windows_lever(sc, "inspection"), windows_lever(sc, "counter"))
    one = windows_lever(sc, "inspection")
    remedy = lambda lever, rank, kept: {  # noqa: E731
        "rank": rank, "lever": lever.kind, "change_en": lever.change_en, "change_zh": lever.change_zh,
        "station": lever.station, "targets_met": 18 if kept else 15, "targets_total": 18, "every_target_met": kept,
        "cost_delta_per_day": 11.25, "cost_delta_pct": 22.0, "verified_replications": 100, "kept": kept,
        "reason_en": "kept", "reason_zh": "保留", "cost_basis": "repair_loop"}
    return {"scenario": "county_hall", "currency": "cost units",
            "cost": {"planned_per_day": 51.0, "with_overtime_per_day": 52.98, "unit": "cost units/day"},
            "verdict": {"en": f"to meet every target: {both.change_en}", "zh": f"全部达标的办法：{both.change_zh}"},
            "remedies": [remedy(both, 1, True), remedy(one, 2, False)],
            "versus_input": {"input_cost_per_day": 45.5, "optimised_cost_per_day": 51.0, "replications": 100,
                             "verdict_en": "The optimised roster costs 12% more.", "verdict_zh": "优化排班成本增加12%。",
                             "per_target": [{"target": "sl20", "input_sl": 0.83, "optimised_sl": 0.91,
                                             "difference": 0.08, "difference_ci95": [0.06, 0.11]}]},
            "milp": {"status": "optimal", "gap": 0.0, "time_s": 0.2, "variables": 507, "constraints": 438},
            "search": {"status": "no start holds", "lower_bound": 17.0, "lower_bound_optimal": True,
                       "lower_bound_method": METHOD.text("en"), "moves_tried": 0, "moves_keeping_every_target": 0},
            "verification": {"seed": 7, "replications": 2, "target_intervals": 18, "met": 15, "met_confident": 12},
            "notes": [], "notes_zh": []}


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("zh")
    make_run(root / "run", _on_template_shifts, reps=2, events=False)
    shutil.copytree(root / "run", root / "opt")
    plan = _plan(load_scenario(SCENARIO))
    (root / "opt" / "plan.json").write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return {"run": root / "run", "optimise": root / "opt"}


def _page(folder: Path, lang: str) -> str:
    return write_report(folder, lang=lang).path.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", ["run", "optimise"])
def test_chinese_pages_have_no_english_line(folders, page):
    assert english_lines(_page(folders[page], "zh")) == []
    assert len(english_lines(_page(folders[page], "en"))) > 20  # the check finds English where there is some


def _english_labels(node) -> set[str]:
    """Every ``label`` of a scenario item that also has a ``label_zh``, anywhere in the scenario."""
    out = set()
    if isinstance(node, dict):
        if isinstance(node.get("label"), str) and node.get("label_zh"):
            out.add(node["label"])
        for v in node.values():
            out |= _english_labels(v)
    elif isinstance(node, list):
        for v in node:
            out |= _english_labels(v)
    return out


@pytest.mark.parametrize("page", ["run", "optimise"])
def test_chinese_pages_use_the_chinese_labels_of_the_scenario(folders, page):
    scenario = json.loads((folders[page] / "manifest.json").read_text(encoding="utf-8"))["scenario"]
    english = _english_labels(scenario)
    assert len(english) > 10 and scenario.get("description_zh")
    text = " ".join(VisibleText(_page(folders[page], "zh")).lines)
    assert [x for x in english if x in text] == []
    assert scenario["description_zh"].split()[0] in text and scenario["description"].split(",")[0] not in text


def test_chinese_compare_page_has_no_english_line_and_names_the_targets(folders, tmp_path):
    from study.names import target_names
    from study.runs.write_compare import compare_runs

    c = compare_runs([folders["run"], folders["run"]], tmp_path / "cmp", lang="zh")
    text = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert english_lines(text) == []
    scenario = json.loads((folders["run"] / "manifest.json").read_text(encoding="utf-8"))["scenario"]
    missed = [s for s in c.sentences if "未达标" in s]
    assert missed  # the hall as shipped misses sl40 in the morning (docs/remedies.md)
    for sentence in missed:  # a missed target is named, not given by its id
        assert any(name in sentence for name in target_names(scenario, "zh").values())
        assert not re.search(r"(^|[：、])sl\d", sentence)


SHIPPED = sorted((SCENARIO.parent).glob("*.yaml")) + sorted((SCENARIO.parent / "examples").glob("*.yaml"))


def _labelled(node, path="") -> list[tuple[str, dict]]:
    """``(path, item)`` for every mapping of the scenario that has a ``label``."""
    out = []
    if isinstance(node, dict):
        if node.get("label"):
            out.append((path, node))
        for k, v in node.items():
            out += _labelled(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _labelled(v, f"{path}[{i}]")
    return out


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenarios_give_their_description_and_labels_in_chinese(path):
    data = load_scenario(path).model_dump(mode="json")
    assert CJK.search(data.get("description_zh") or ""), f"{path.name}: no description_zh"
    items = _labelled(data)
    assert len(items) > 10
    assert [p for p, item in items if not CJK.search(item.get("label_zh") or "")] == []
