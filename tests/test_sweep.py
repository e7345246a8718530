"""``queueplan sweep`` (a scenario over a grid, common random numbers) and ``queueplan frontier``.

The sweep runs a small M/M/c desk (tests.builders) at two headcounts with 2
replications; the frontier re-optimises the toy burst hall of test_loop at
three service levels.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from optimise.frontier import check_levels, frontier, non_monotone, with_target_level
from sim.loading import ScenarioError, scenario_from_dict
from study.analysis.sweep import SweepError, apply_change, build_points, locate, parse_vary, split_values
from study.commands import sweep as sweep_cmd
from tests.builders import mmc_dict
from tests.test_loop import SETTINGS, burst_dict


def desk_dict() -> dict:
    """A 4-hour desk: 0.5 citizens a minute, 10 minutes each, 8 windows, 6 staff; an hourly target."""
    data = mmc_dict(0.5, 10.0, 8, open_min=480, close_min=720, replications=2, seed=5)
    data["roster"][0]["count"] = 6
    data["targets"] = [{"id": "sl", "kind": "service_level", "wait_min": 5, "fraction": 0.8}]
    return data


@pytest.fixture()
def desk(tmp_path) -> Path:
    path = tmp_path / "desk.yaml"
    path.write_text(yaml.safe_dump(desk_dict()), encoding="utf-8")
    return path


def _args(*argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    sweep_cmd.add_parser(sub)
    sweep_cmd.add_frontier_parser(sub)
    argv = [str(a) for a in argv]
    return parser.parse_args(argv if "--workers" in argv else argv + ["--workers", "1"])  # small halls: one process


# ---- the grammar -----------------------------------------------------------------------------------------------

def test_parse_vary_forms():
    v = parse_vary("arrivals.daily_volume*=0.8,1,1.2")
    assert v.multiply and v.path == "arrivals.daily_volume" and v.values == (0.8, 1, 1.2)
    assert parse_vary("calling.rule=fcfs,primary_skill_first").values == ("fcfs", "primary_skill_first")
    assert parse_vary("hours.last_ticket=17:00,'17:30'").values == ("17:00", "17:30")   # clock strings stay strings
    assert parse_vary("scenario=a.yaml,b.yaml").values == ("a.yaml", "b.yaml")
    assert split_values("[1, 2],'a,b', 3") == ["[1, 2]", "'a,b'", "3"]
    for bad, says in [("arrivals.daily_volume", "PATH=V1"), ("x=1,,2", "empty value"), ("x*=a,2", "numbers"),
                      ("scenario*=a.yaml", "cannot be multiplied"), ("a..b=1", "dotted path"), ("x=1,1", "twice")]:
        with pytest.raises(SweepError, match=says):
            parse_vary(bad)


def test_locate_and_change():
    doc = desk_dict()
    assert locate(doc, "targets.sl.fraction") == (doc["targets"][0], "fraction")      # list item by id
    assert apply_change(doc, parse_vary("roster.0.count*=1.5"), 1.5) == 9 and doc["roster"][0]["count"] == 9
    assert isinstance(doc["roster"][0]["count"], int)                                  # 6 x 1.5 stays a whole number
    for path, says in [("roster.3.count", "has 1 item"), ("targets.nope.fraction", "no item with id 'nope'"),
                       ("arrivals.daily_volume.x", "single value"), ("hourz.interval_min", "'hourz' is not in")]:
        with pytest.raises(ValueError, match=says):
            locate(doc, path)


def test_grid_is_the_product_in_order(desk):
    points = build_points(desk, [parse_vary("roster.0.count=5,7"), parse_vary("arrivals.daily_volume*=0.8,1")],
                          seed=9, replications=3)
    assert [p.name for p in points] == ["count=5_daily_volumex0.8", "count=5_daily_volumex1",
                                        "count=7_daily_volumex0.8", "count=7_daily_volumex1"]
    assert [p.scenario.roster[0].count for p in points] == [5, 5, 7, 7]
    assert [p.scenario.arrivals.daily_volume for p in points] == [96, 120, 96, 120]
    assert points[0].values == {"roster.0.count": 5, "arrivals.daily_volume*": 0.8, "arrivals.daily_volume": 96}
    assert {(p.scenario.experiment.seed, p.scenario.experiment.replications) for p in points} == {(9, 3)}


def test_list_values_and_new_keys(desk):
    points = build_points(desk, [parse_vary("arrivals.multipliers=[],[{name: monday, factor: 1.5}]")])
    assert [len(p.scenario.arrivals.multipliers) for p in points] == [0, 1]
    assert [p.scenario.arrivals.multipliers[0].factor for p in points[1:]] == [1.5]
    with pytest.raises(SweepError, match=r"staff_types.clerk.skills.T: skill 'T' is not needed"):
        build_points(desk, [parse_vary("staff_types.clerk.skills.T=1.0")])    # a new key, judged by validation


def test_scenario_files_are_points(desk, tmp_path):
    other = tmp_path / "sub" / "desk.yaml"                       # same stem: labelled by the scenario's name
    other.parent.mkdir()
    other.write_text(yaml.safe_dump({**desk_dict(), "name": "bigger_desk"}), encoding="utf-8")
    points = build_points(desk, [parse_vary(f"scenario={desk},{other}"), parse_vary("roster.0.count=7")])
    assert [p.name for p in points] == ["mmc_count=7", "bigger_desk_count=7"]
    assert [p.scenario.name for p in points] == ["mmc", "bigger_desk"]
    assert points[1].values["scenario"] == str(other)


# ---- running a sweep -------------------------------------------------------------------------------------------

def test_sweep_writes_points_comparison_and_sweep_csv(desk, tmp_path, capsys):
    out = tmp_path / "sweep"
    assert sweep_cmd.run(_args("sweep", desk, "--vary", "roster.0.count=5,7", "--reps", 2, "--workers", 1,
                               "--out", out, "--no-report")) == 0
    assert sorted(p.name for p in (out / "points").iterdir()) == ["count=5", "count=7"]
    for name in ("sweep.csv", "sweep.json", "comparison.csv", "compare.html"):
        assert (out / name).is_file(), name
    assert not list(tmp_path.glob(".*partial")) and not list(out.rglob("*.partial"))
    sweep = pd.read_csv(out / "sweep.csv")
    assert sweep["point"].tolist() == ["count=5", "count=7"] and sweep["roster.0.count"].tolist() == [5, 7]
    assert (sweep["seed"] == 5).all() and (sweep["replications"] == 2).all()
    for count in (5, 7):                                         # the varied parameter really changed
        point = out / "points" / f"count={count}"
        manifest = json.loads((point / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["scenario"]["roster"][0]["count"] == count and manifest["seed"] == 5
        assert json.loads((point / "summary.json").read_text(encoding="utf-8"))["run_dir"] == str(point)
    five, seven = sweep["wait_mean_min"]
    assert seven < five                                          # more staff, shorter waits on the same citizens
    comparison = pd.read_csv(out / "comparison.csv")
    assert comparison["option"].tolist() == ["count=5", "count=7"]
    assert comparison["run_dir"].tolist() == [str(out / "points" / "count=5"), str(out / "points" / "count=7")]
    assert comparison["paired_with_count=5"].iloc[1]             # same seed: paired differences
    assert comparison["diff_wait_mean_min"].iloc[1] < 0
    assert comparison["tickets"].iloc[0] == comparison["tickets"].iloc[1]   # common random numbers
    printed = capsys.readouterr().out
    assert "count=7: mean wait" in printed and "compare.html" in printed


@pytest.mark.parametrize("vary, says", [
    ("roster.0.cuont=5,7", "roster[0].cuont: unknown key"),
    ("roster.0.count=5,-1", "roster[0].count"),
    ("targets.nope.fraction=0.9", "targets has no item with id 'nope'"),
    ("arrivals.mix*=2", "not a number"),
    ("hours.interval_min=30,60", "cannot be compared"),
    ("scenario=missing.yaml", "missing.yaml: no such file"),
])
def test_bad_path_or_value_exits_2_and_writes_nothing(desk, tmp_path, capsys, vary, says):
    out = tmp_path / "results" / "sweep"
    assert sweep_cmd.run(_args("sweep", desk, "--vary", vary, "--out", out, "--workers", 1)) == 2
    err = capsys.readouterr().err
    assert says in err and "nothing was run or written" in err
    assert not (tmp_path / "results").exists()


def test_existing_output_folder_is_refused(desk, tmp_path, capsys):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert sweep_cmd.run(_args("sweep", desk, "--vary", "roster.0.count=5", "--out", out, "--workers", 1)) == 2
    assert "already exists" in capsys.readouterr().err and sorted(p.name for p in out.iterdir()) == ["keep.txt"]


# ---- the frontier ----------------------------------------------------------------------------------------------

FRONTIER_SETTINGS = {**SETTINGS, "replications": 10, "max_iterations": 6, "verify_replications": 10}


@pytest.fixture(scope="module")
def burst_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("frontier") / "burst.yaml"
    path.write_text(yaml.safe_dump({**burst_dict(), "optimise": FRONTIER_SETTINGS}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def frontier_out(burst_file) -> Path:
    out = burst_file.parent / "out"
    assert sweep_cmd.run_frontier(_args("frontier", burst_file, "--levels", "0.95,0.6,0.8", "--out", out)) == 0
    return out


def test_frontier_cost_rises_with_the_target_level(frontier_out):
    f = pd.read_csv(frontier_out / "frontier.csv")
    assert f["level"].tolist() == [0.6, 0.8, 0.95] and (f["target"] == "sl").all()
    cost = f["cost"].to_numpy()
    assert all(b >= a - 0.02 * a for a, b in zip(cost, cost[1:]))      # non-decreasing within 2%
    assert cost[-1] > cost[0]                                          # 95% costs more than 60%
    assert f["verified_intervals"].eq(4).all() and f["verified_share_met"].between(0, 1).all()
    assert set(f["verification_ok"]) <= {True, False}


def test_frontier_folder(frontier_out):
    for name in ("frontier.csv", "rosters.csv", "frontier.html", "manifest.json", "figures/frontier.png",
                 "figures/frontier.svg"):
        assert (frontier_out / name).is_file(), name
    rosters = pd.read_csv(frontier_out / "rosters.csv")
    assert set(rosters["level"]) == {0.6, 0.8, 0.95} and (rosters["count"] > 0).all()
    page = (frontier_out / "frontier.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in page and "http" not in page.replace("http-equiv", "")
    assert page.count("data-level=") == 3
    assert json.loads((frontier_out / "manifest.json").read_text(encoding="utf-8"))["frontier"]["target"] == "sl"


def test_frontier_function_and_bad_input(burst_file, tmp_path, capsys):
    s = scenario_from_dict(burst_dict())
    assert with_target_level(s, "sl", 0.9).targets[0].fraction == 0.9
    with pytest.raises(ValueError, match="1.5"):
        check_levels([0.8, 1.5])
    with pytest.raises(ScenarioError, match="no optimise: block"):
        frontier(s, [0.8])
    assert non_monotone(pd.DataFrame({"level": [0.6, 0.8], "cost": [2.0, 1.0]})) == [(0.6, 0.8)]
    out = tmp_path / "f"
    assert sweep_cmd.run_frontier(_args("frontier", burst_file, "--target", "nope", "--out", out)) == 2
    assert "no target 'nope'" in capsys.readouterr().err and not out.exists()
