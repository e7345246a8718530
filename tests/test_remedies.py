"""Remedies (optimise.remedies, optimise.levers) and causes per station (optimise.causes).

A tiny hall whose single lane binds: the remedies name one more lane, its
changed hall with the re-optimised roster meets every target on seeds that
neither the optimiser nor the remedies used; a hall that meets every target
gets no remedies. The county hall as shipped (slow): the top remedy adds an
inspection lane and meets every target out of sample.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from optimise.causes import binding_lines, correct_bindings, dedupe_notes, station_reasons
from optimise.levers import binding_levers
from optimise.loop import missed, plan_staffing
from optimise.remedies import find_remedies
from optimise.settings import resolve_settings
from sim.experiment import run_experiment
from sim.loading import load_scenario, scenario_from_dict
from tests.test_causes import two_stations

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {"shift_templates": {"D": {"start": {"earliest": "08:00"}, "length_min": 240}},
            "replications": 10, "max_iterations": 4, "verify_replications": 20}


def tiny_hall(lane_windows: int = 1):
    data = two_stations().model_dump(mode="json")
    data["stations"]["lane"]["windows"] = lane_windows
    data["targets"][0]["fraction"] = 0.7          # one lane: far below it; two: well above it
    data["optimise"] = SETTINGS
    return scenario_from_dict(data)


def test_the_single_lane_is_the_remedy_and_it_meets_every_target_on_fresh_seeds():
    s = tiny_hall()
    o = resolve_settings(s)
    plan = plan_staffing(s, o)
    assert not missed(plan.verification).empty
    r = find_remedies(s, o, plan, screen_replications=10, verify_replications=20, budget_s=120)
    top = r.table.iloc[0]
    assert top["lever"] == "windows" and top["station"] == "lane" and top["kept"]
    assert top["verified_replications"] == 20 and top["targets_met"] == top["targets_total"]
    assert top["cost_delta_per_day"] > 0                      # a second lane needs a second person
    changed = scenario_from_dict(r.scenarios[top["change_en"]])
    assert changed.stations["lane"].windows == 2
    fresh = run_experiment(changed, 30, s.experiment.seed + 7_777_777)  # seeds nobody used
    assert fresh.summary()["targets"]["met_confident"].all()


def test_a_hall_that_meets_every_target_gets_no_remedies():
    s = tiny_hall(lane_windows=3)
    o = resolve_settings(s)
    plan = plan_staffing(s, o)
    assert missed(plan.verification).empty
    assert find_remedies(s, o, plan).table.empty


def test_cross_training_makes_a_staff_type_of_the_trained_with_part_of_the_headcount():
    s = load_scenario(ROOT / "scenarios" / "county_hall.yaml")
    o = resolve_settings(s)
    roster = plan_staffing(s, o, max_iterations=0, verify=False).roster
    levers, not_tried = binding_levers(s, o, roster, ["counter"], trainees=2)
    train = [lv for lv in levers if lv.kind == "cross_train"]
    assert train and train[0].staff_type == "auxiliary" and train[0].skill == "VIO"   # police alone do VIO
    data = train[0].apply(s, o)
    hall = scenario_from_dict(data)
    new = hall.staff_types["auxiliary_VIO"]
    assert new.skills["VIO"] == s.costs.trained_speed_factor and new.cost_per_hour == 0.5
    assert hall.optimise.headcount["auxiliary"] == o.headcount["auxiliary"] - 2
    assert hall.optimise.headcount["auxiliary_VIO"] == 2
    assert train[0].one_off_cost == 2 * s.costs.training_per_person_skill
    assert {"opening hours"} <= {limit for limit, _, _ in not_tried}
    assert s.staff_types["auxiliary"].skills.get("VIO") is None      # the planner's hall is untouched


def test_a_station_is_not_short_of_a_headcount_whose_staff_cannot_work_there():
    """Issue 9's wrong note: inspection 'short ... headcount of police used up' though police do not inspect."""
    s = load_scenario(ROOT / "scenarios" / "county_hall.yaml")
    o = resolve_settings(s)
    both = "all 1 windows at 'inspection' are in use; headcount of police (6) is used up"
    assert station_reasons(s, o, "inspection", both) == ["all 1 windows at 'inspection' are in use"]
    assert station_reasons(s, o, "counter", "headcount of police (6) is used up") == ["headcount of police (6) is used up"]
    f = pd.DataFrame([{"kind": "pool", "station": "inspection", "period_start_min": p, "shortfall": 2.0,
                       "binding": both} for p in (510.0, 540.0, 840.0)])
    assert correct_bindings(f, s, o)["binding"].str.contains("police").sum() == 0
    assert binding_lines(f, s, o) == ["inspection: all 1 windows at 'inspection' are in use, 08:30-09:30, "
                                      "14:00-14:30 (short by up to 2 staff)"]


def test_notes_are_one_line_per_station_and_limit():
    notes = ["start: sipp", "counter in 10:00-11:00 could not be staffed further: all 6 windows",
             "counter in 11:00-12:00 could not be staffed further: all 6 windows", "start: sipp"]
    assert dedupe_notes(notes) == ["start: sipp", "counter could not be staffed further in 10:00-11:00, "
                                   "11:00-12:00: all 6 windows"]


@pytest.mark.slow
def test_county_hall_top_remedy_adds_an_inspection_lane_and_meets_every_target_out_of_sample():
    s = load_scenario(ROOT / "scenarios" / "county_hall.yaml")
    o = resolve_settings(s)
    plan = plan_staffing(s, o)
    assert not missed(plan.verification).empty
    r = find_remedies(s, o, plan, budget_s=900)
    top = r.table.iloc[0]
    assert top["kept"] and "windows" in top["lever"]
    changed = scenario_from_dict(r.scenarios[top["change_en"]])
    assert changed.stations["inspection"].windows == 2
    fresh = run_experiment(changed, 100, s.experiment.seed + 7_777_777)
    assert fresh.summary()["targets"]["met_confident"].all()


CONTRACT = {"lever", "change_en", "change_zh", "targets_met", "targets_total", "every_target_met",
            "cost_delta_per_day", "cost_delta_pct", "verified_replications", "kept", "reason_en", "reason_zh"}


def test_optimise_writes_the_ranked_remedies_and_the_top_one_as_a_scenario(tmp_path):
    import json
    import subprocess
    import sys

    import yaml

    path = tmp_path / "lane.yaml"
    path.write_text(yaml.safe_dump(tiny_hall().model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "study.cli", "optimise", str(path), "--out", str(out), "--no-report",
                        "--no-search"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    top = plan["remedies"][0]
    assert CONTRACT <= set(top) and top["lever"] == "windows" and top["kept"] and top["every_target_met"]
    assert "add one window at lane" in plan["verdict"]["en"] and "lane增加一个窗口" in plan["verdict"]["zh"]
    assert "1. add one window at lane" in r.stdout
    assert len(pd.read_csv(out / "remedies.csv")) == len(plan["remedies"])
    assert load_scenario(out / "remedy_1_scenario.yaml").stations["lane"].windows == 2
    # the cost is labelled for what it is: one run of the repair loop, not searched, an upper bound
    assert top["cost_basis"] == "repair_loop"
    assert "not searched: an upper bound on the changed hall's cheapest roster" in top["cost_note_en"]
    assert "未经局部搜索" in top["cost_note_zh"] and "上界" in top["cost_note_zh"]
    assert set(pd.read_csv(out / "remedies.csv")["cost_basis"]) == {"repair_loop"}
    assert "costs: cost from the repair loop; not searched" in r.stdout
    assert "at most: not searched" in plan["verdict"]["en"] and "未经局部搜索" in plan["verdict"]["zh"]


def test_no_remedies_switch():
    from study.commands.optimise_advice import advice_json, advise

    s = tiny_hall()
    o = resolve_settings(s)
    plan = plan_staffing(s, o)
    a = advise(s, o, plan, remedies="off")
    assert a.remedies is None and advice_json(a)["remedies"] is None
    assert a.versus is not None and a.versus.replications == plan.verification.replications


def test_the_optimise_page_labels_remedy_costs_in_both_languages():
    from study.pages.optimise_page import remedies_view

    row = {"lever": "windows", "change_en": "add one window at lane", "change_zh": "lane增加一个窗口",
           "every_target_met": True, "cost_delta_per_day": 4.5, "cost_delta_pct": 8.0, "kept": True,
           "reason_en": "kept", "reason_zh": "采纳", "verified_replications": 100}
    for remedies in ([row], [{**row, "cost_basis": "repair_loop", "cost_note_en": "cost from the repair loop; not "
                                                                               "searched: an upper bound on the "
                                                                               "changed hall's cheapest roster",
                              "cost_note_zh": "成本来自修复循环，未经局部搜索：是调整后大厅最便宜排班成本的上界"}]):
        en = remedies_view({"remedies": remedies}, "en")["remedies_cost_note"]
        zh = remedies_view({"remedies": remedies}, "zh")["remedies_cost_note"]
        assert "not searched" in en and "upper bound" in en, en
        assert "未经局部搜索" in zh and "上界" in zh and "searched" not in zh, zh
    assert remedies_view({"remedies": []}, "en")["remedies_cost_note"] == ""


def test_the_local_search_on_the_top_remedy_says_how_far_its_cost_is_proven():
    from study.commands.optimise_advice import advice_json, advise, format_advice

    s = tiny_hall()
    o = resolve_settings(s)
    plan = plan_staffing(s, o)
    a = advise(s, o, plan, remedies_search_budget_s=60)
    rs, top = a.remedy_search, a.remedies.kept.iloc[0]
    assert rs is not None and rs.verified and rs.status == "local optimum"
    assert rs.cost_basis == top["cost_basis"] == "search" and rs.cost_after <= rs.cost_before + 1e-9
    assert "a local optimum of the search, still an upper bound" in top["cost_note_en"]
    assert "局部最优" in top["cost_note_zh"] and "上界" in top["cost_note_zh"]
    j = advice_json(a)
    assert j["remedies_search"]["cost_basis"] == "search" and j["remedies"][0]["cost_basis"] == "search"
    assert "at most: searched to a local optimum" in j["verdict"]["en"]
    text = format_advice(a, "zh")
    assert "local search on 'add one window at lane" in text and "局部最优" in text
    changed = scenario_from_dict(a.remedies.scenarios[top["change_en"]])
    assert changed.stations["lane"].windows == 2
