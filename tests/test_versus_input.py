"""The optimised roster against the input roster on the same seeds (optimise.versus_input).

Common random numbers make the comparison exact where it must be: the same
roster on both sides differs by exactly zero with a zero-width interval. One
more clerk on an overloaded desk raises the service level, with a paired
interval above zero, and the verdict says what changed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from optimise.versus_input import compare_with_input, paired_ratio_diff, verdict
from sim.experiment import run_experiment
from sim.loading import scenario_from_dict
from tests.builders import mmc_dict

ROOT = Path(__file__).resolve().parents[1]


def desk(servers: int):
    data = mmc_dict(0.5, 5.0, servers, open_min=480, close_min=720, replications=12, seed=3)
    data["targets"] = [{"id": "sl10", "kind": "service_level", "wait_min": 10, "fraction": 0.8}]
    return scenario_from_dict(data)


def test_the_same_roster_differs_by_exactly_zero():
    s = desk(3)
    res = run_experiment(s)
    v = compare_with_input(s, res, 12.0)
    assert np.allclose(v.table["difference"], 0.0)
    assert np.allclose(v.table["difference_lo"], 0.0) and np.allclose(v.table["difference_hi"], 0.0)
    assert v.input_met == v.optimised_met
    assert v.verdict_en == f"the optimised roster costs the same as the input roster and meets the same " \
                           f"{v.optimised_met} of {v.targets_total} targets"


def test_one_more_clerk_raises_the_service_level_with_a_paired_interval_above_zero():
    s3, s4 = desk(3), desk(4)          # offered load 2.5: three clerks are stretched, four are not
    res4 = run_experiment(s4)
    v = compare_with_input(s3, res4, 16.0)
    sl = v.table.set_index("metric").loc["sl_sl10"]
    assert sl["difference"] > 0 and sl["difference_lo"] > 0
    assert sl["difference"] == pytest.approx(sl["optimised"] - sl["input"])
    wait = v.table.set_index("metric").loc["wait_mean_min"]
    assert wait["difference_hi"] < 0
    assert v.input_cost_per_day == pytest.approx(12.0) and "33% more" in v.verdict_en


def test_paired_ratio_interval_matches_an_independent_computation():
    rng = np.random.default_rng(5)
    x = rng.integers(20, 40, 30).astype(float)
    y_a = rng.binomial(x.astype(int), 0.7).astype(float)
    y_b = np.minimum(x, y_a + rng.integers(0, 3, 30))
    d, lo, hi = paired_ratio_diff(y_a, x, y_b, x)
    assert d == pytest.approx(y_b.sum() / x.sum() - y_a.sum() / x.sum())
    # same denominators: the linearised values are (y_b - y_a - d x) / mean(x); their t interval
    z = (y_b - y_a - d * x) / x.mean()
    from scipy import stats
    half = stats.t.ppf(0.975, len(z) - 1) * z.std(ddof=1) / np.sqrt(len(z))
    assert (lo, hi) == pytest.approx((d - half, d + half))


def test_verdict_in_both_languages():
    en, zh = verdict(100.0, 88.0, 17, 17, 18)
    assert en == "the optimised roster costs 12% less and meets the same 17 of 18 targets"
    assert zh == "优化排班成本降低12%，达标项相同（18项中17项）"
    en, _ = verdict(53.0, 58.5, 15, 17, 18)
    assert "10% more" in en and "17 of 18" in en and "input roster 15" in en


def test_optimise_writes_the_comparison_and_the_contract_keys(tmp_path):
    data = mmc_dict(0.2, 5.0, 2, open_min=480, close_min=720, replications=10, seed=4)
    data["targets"] = [{"id": "sl10", "kind": "service_level", "wait_min": 10, "fraction": 0.8}]
    data["costs"] = {"currency": "元"}
    data["optimise"] = {"shift_templates": {"D": {"start": {"earliest": "08:00"}, "length_min": 240}},
                        "replications": 8, "max_iterations": 2, "verify_replications": 10}
    import yaml
    path = tmp_path / "hall.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "study.cli", "optimise", str(path), "--out", str(out), "--no-report",
                        "--no-search"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "元/day" in r.stdout and "Verdict: " in r.stdout and "Against the input roster" in r.stdout
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["currency"] == "元" and plan["cost"]["unit"] == "元/day"
    assert plan["cost"]["planned_per_day"] == pytest.approx(plan["cost_per_day"])
    assert plan["cost"]["with_overtime_per_day"] >= plan["cost"]["planned_per_day"] - 1e-9
    assert set(plan["verdict"]) == {"en", "zh"} and plan["verdict"]["zh"]
    v = plan["versus_input"]
    assert v["replications"] == 10 and v["per_target"][0]["target"] == "sl10"
    assert (out / "versus_input.csv").exists()
    if plan["verification"]["met_confident"] == plan["verification"]["target_intervals"]:
        assert plan["remedies"] == [] and not (out / "remedies.csv").exists()
