"""Simulate and repair, out-of-sample verification, and the ``queueplan optimise`` command.

The toy hall: one desk, exponential work of 10 minutes, walk-ins at 0.3 a
minute except a burst of 2 a minute from 09:30 to 10:00, target 80% called
within 5 minutes every hour, shifts of 30 or 60 minutes on a 30-minute grid.
SIPP staffs 09:00-10:00 for the hour's average rate, so a queue builds in the
burst and the hour after it (10:00-11:00) misses badly; the loop repairs it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from optimise.loop import evaluate, plan_staffing
from optimise.settings import settings_from_dict
from optimise.shifts import InfeasiblePlan
from sim.experiment import run_experiment
from sim.loading import ScenarioError, load_scenario, scenario_from_dict
from study.commands import optimise as optimise_cmd
from tests.builders import mmc_dict

ROOT = Path(__file__).resolve().parents[1]


def burst_dict() -> dict:
    data = mmc_dict(0.3, 10.0, 40, open_min=480, close_min=720, replications=20, seed=7)
    data["arrivals"]["daily_volume"] = 123
    data["arrivals"]["profile"] = [{"start": "08:00", "end": "09:30", "share": 27 / 123},
                                   {"start": "09:30", "end": "10:00", "share": 60 / 123},
                                   {"start": "10:00", "end": "12:00", "share": 36 / 123}]
    data["targets"] = [{"id": "sl", "kind": "service_level", "wait_min": 5, "fraction": 0.8}]
    return data


SETTINGS = {"shift_templates": {"H": {"start": {"earliest": "08:00", "latest": "11:30", "step_min": 30},
                                      "length_min": [30, 60]}},
            "grid_min": 30, "replications": 20, "max_iterations": 8, "verify_replications": 40}


@pytest.fixture(scope="module")
def burst():
    return scenario_from_dict(burst_dict())


def _by_interval(plan):
    v = plan.verified_targets()
    return dict(zip(v["interval"], zip(v["estimate"], v["met"], v["met_confident"])))


def test_sipp_roster_misses_the_hour_after_the_burst(burst):
    plan = plan_staffing(burst, settings_from_dict(SETTINGS), requirements="sipp", max_iterations=0)
    assert plan.evaluation is None and list(plan.iterations["phase"]) == ["analytic"]
    v = _by_interval(plan)
    assert not v["10:00-11:00"][1] and v["10:00-11:00"][0] < 0.7
    assert v["08:00-09:00"][2]


def test_loop_repairs_sipp_and_holds_every_hour_out_of_sample(burst):
    plan = plan_staffing(burst, settings_from_dict(SETTINGS), requirements="sipp")
    log = plan.iterations
    assert log["phase"].iloc[0] == "initial" and "repair" in set(log["phase"])
    assert log["targets_met"].iloc[0] < log["targets"].iloc[0]          # the SIPP roster missed in sample
    assert plan.targets_held                                             # ... the repaired one holds them all
    assert plan.cost > log["cost"].iloc[0]
    assert len(log) <= SETTINGS["max_iterations"]
    v = _by_interval(plan)
    assert set(v) == {"08:00-09:00", "09:00-10:00", "10:00-11:00", "11:00-12:00", "day"}  # day: the unserved limit
    assert all(met for _, met, _ in v.values())                          # out of sample, fresh seeds
    assert plan.verification.seed == burst.experiment.seed + 1_000_003
    assert plan.scenario.experiment.seed == plan.verification.seed      # the scenario reproduces it


def test_time_varying_start_is_cheaper_after_trimming(burst):
    o = settings_from_dict(SETTINGS)
    analytic = plan_staffing(burst, o, max_iterations=0)
    assert all(met for _, met, _ in _by_interval(analytic).values())     # time-varying needs no repair here
    plan = plan_staffing(burst, o, verify=False)
    assert plan.targets_held and plan.cost < analytic.cost
    assert set(plan.iterations["phase"]) <= {"initial", "trim"}
    kept = plan.iterations[plan.iterations["accepted"]]
    assert kept["cost"].is_monotonic_decreasing


def test_common_random_numbers(burst):
    plan = plan_staffing(burst, settings_from_dict(SETTINGS), max_iterations=0, verify=False)
    a = evaluate(burst, plan.roster, 3, 11)
    b = evaluate(burst, plan.roster, 3, 11)
    assert a.tables["citizens"].equals(b.tables["citizens"])
    # the same citizens under another roster: arrivals identical, waits differ
    c = run_experiment(burst, 3, 11)
    day = lambda r: r.tables["citizens"].query("interval == 'day' and service_type == '*' and `class` == '*'")
    assert day(a)["arrivals"].tolist() == day(c)["arrivals"].tolist()


def test_stops_at_the_limit_and_reports_what_binds():
    data = burst_dict()
    data["stations"]["desk"]["windows"] = 6                              # the burst cannot be served in time
    data["roster"][0]["count"] = 6
    s = scenario_from_dict(data)
    o = settings_from_dict({**SETTINGS, "max_iterations": 3})
    plan = plan_staffing(s, o, verify=False)
    assert not plan.targets_held and len(plan.iterations) <= 3
    assert any("windows" in n for n in plan.notes)
    assert not plan.shortfalls.empty and plan.shortfalls["binding"].str.contains("windows").all()
    with pytest.raises(InfeasiblePlan, match="windows"):
        plan_staffing(s, settings_from_dict({**SETTINGS, "beyond_limits": "error"}), verify=False)


def test_day_scope_and_mean_wait_targets():
    data = burst_dict()
    data["targets"] = [{"id": "wait", "kind": "mean_wait", "max_min": 2.0, "scope": "day"}]
    s = scenario_from_dict(data)
    plan = plan_staffing(s, settings_from_dict({**SETTINGS, "max_iterations": 4}), requirements="sipp",
                         verify=False)
    assert plan.iterations["targets"].iloc[0] == 2         # the day mean wait, and the implicit unserved limit
    assert plan.targets_held


# ---- the command line ----------------------------------------------------------------------------------------

def _args(scenario: Path, out: Path, settings: Path | None, *extra) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    optimise_cmd.add_parser(parser.add_subparsers(dest="command"))
    argv = ["optimise", str(scenario), "--out", str(out), "--workers", "1"]
    argv += ["--settings", str(settings)] if settings else []
    return parser.parse_args(argv + list(extra))


@pytest.fixture()
def files(tmp_path):
    scenario = tmp_path / "burst.yaml"
    scenario.write_text(yaml.safe_dump(burst_dict()), encoding="utf-8")
    settings = tmp_path / "settings.yaml"
    settings.write_text(yaml.safe_dump({"optimise": {**SETTINGS, "max_iterations": 3, "verify_replications": 10}}),
                        encoding="utf-8")
    return scenario, settings


def test_cli_writes_the_results_folder_and_a_reproducible_scenario(files, tmp_path, capsys):
    scenario, settings = files
    out = tmp_path / "run"
    assert optimise_cmd.run(_args(scenario, out, settings, "--reps", "10", "--budget-s", "20")) == 0
    printed = capsys.readouterr().out
    assert "iteration   0" in printed and "Roster" in printed and "lower bound" in printed and "Verification on fresh seeds" in printed
    for name in ("roster.csv", "iterations.csv", "targets.csv", "intervals.csv", "requirements.csv",
                 "shortfalls.csv", "manifest.json", "plan.json", "scenario_optimised.yaml", "moves.csv", "starts.csv"):
        assert (out / name).exists(), name
    import json
    info = json.loads((out / "plan.json").read_text(encoding="utf-8"))      # what the MILP and the search proved
    assert info["milp"]["status"] in ("optimal", "time_limited") and info["milp"]["variables"] > 0
    assert info["search"]["lower_bound_method"] and info["search"]["headline"].startswith("best found")
    assert "milp_status" in (out / "iterations.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "MILP of this roster's requirements" in printed
    again = load_scenario(out / "scenario_optimised.yaml")
    assert again.roster and again.experiment.replications == 10
    reproduced = run_experiment(again).summary()["targets"]
    import pandas as pd
    written = pd.read_csv(out / "targets.csv")
    assert reproduced["estimate"].round(5).tolist() == written["estimate"].round(5).tolist()


def test_cli_bad_input_and_infeasible(files, tmp_path, capsys):
    scenario, settings = files
    assert optimise_cmd.run(_args(scenario, tmp_path / "a", None)) == 2           # no optimise: block
    assert "no optimise: block" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("optimise: {shift_templates: {T: {start: {earliest: '08:00'}, length_min: 60, "
                   "staff_types: [chief]}}}\n", encoding="utf-8")
    assert optimise_cmd.run(_args(scenario, tmp_path / "b", bad)) == 2
    assert "unknown staff type 'chief'" in capsys.readouterr().err
    strict = tmp_path / "strict.yaml"
    strict.write_text(yaml.safe_dump({"optimise": {**SETTINGS, "headcount": {"clerk": 1},
                                                   "beyond_limits": "error"}}), encoding="utf-8")
    out = tmp_path / "c"
    assert optimise_cmd.run(_args(scenario, out, strict)) == 3
    assert "headcount of clerk" in capsys.readouterr().err
    assert (out / "infeasible.txt").exists() and list(out.glob("*.lp"))
    import json
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["milp"]["status"] == "infeasible"
    with pytest.raises(ScenarioError):
        optimise_cmd.load_settings(tmp_path / "missing.yaml")


@pytest.mark.slow
def test_county_hall_end_to_end():
    from optimise.settings import load_settings
    s = load_scenario(ROOT / "scenarios" / "county_hall.yaml")
    plan = plan_staffing(s, load_settings(ROOT / "tests" / "data" / "county_hall_optimise.yaml"))
    v = plan.verified_targets()
    assert len(v) and v["met"].mean() > 0.8
    assert plan.roster.apply(s).roster
