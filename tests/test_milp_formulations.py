"""The implicit break model against the explicit one, the tie-break, and honest solver status.

* Implicit vs explicit (optimise.milp_model): on random small instances with
  several break placements per shift, both formulations are solved to
  optimality and must give the same cost (or both be infeasible); the
  implicit roster also passes the independent constraint check of
  ``tests/test_milp.py``.
* The secondary objective: among equally cheap rosters the one with fewer people.
* A solve stopped by a tiny time limit on an instance HiGHS cannot prove in it
  says ``time_limited`` with a positive gap and a bound below its objective,
  and is never called optimal.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from optimise.milp_model import break_groups, build_model
from optimise.milp_status import iteration_columns, tie_break_weight
from optimise.requirements import Requirements
from optimise.settings import generate_patterns, settings_from_dict
from optimise.shifts import InfeasiblePlan, NoRosterInTime, plan_shifts, solve
from sim.loading import scenario_from_dict
from tests.test_milp import _check

PERIODS = np.arange(480.0, 720.0, 30.0)        # 08:00 .. 12:00, half-hourly


def _scenario(windows: int, staff_types: dict):
    return scenario_from_dict({
        "name": "breaks",
        "hours": {"sessions": [{"start": "08:00", "end": "12:00"}], "interval_min": 60},
        "stations": {"desk": {"windows": windows}},
        "services": {"A": {"steps": [{"station": "desk", "work": {"dist": "exponential", "mean_min": 5}}]}},
        "arrivals": {"daily_volume": 100, "profile": [{"start": "08:00", "end": "12:00", "share": 1.0}],
                     "mix": {"A": 1.0}},
        "staff_types": staff_types,
        "shift_patterns": {"ALL": {"start": "08:00", "end": "12:00"}},
        "roster": [],
    })


TYPES = {"clerk": {"skills": {"A": 1.0}, "cost_per_hour": 1.0},
         "aux": {"skills": {"A": 1.25}, "cost_per_hour": 0.75}}
TEMPLATES = {"D": {"start": {"earliest": "08:00", "latest": "08:30", "step_min": 30}, "length_min": [210, 240],
                   "breaks": [{"length_min": 30, "within": {"start": "09:00", "end": "11:30"}, "step_min": 30}]},
             "P": {"start": {"earliest": "08:00", "latest": "10:00", "step_min": 60}, "length_min": 120}}


def _req(pooled, skill) -> Requirements:
    zeros = np.zeros(len(PERIODS))
    return Requirements("hand", 30, PERIODS, np.floor(PERIODS / 60) * 60, {("desk", "A"): zeros},
                        {("desk", "A"): np.array(skill, float)}, {"desk": zeros}, {"desk": np.array(pooled)})


def test_break_groups_gather_the_placements_of_one_shift():
    s, o = _scenario(5, TYPES), settings_from_dict({"shift_templates": TEMPLATES, "grid_min": 30})
    patterns = {p.name: p for p in generate_patterns(s, o)}
    groups = break_groups(patterns)
    sizes = sorted(len(g) for g in groups)
    assert max(sizes) >= 3                               # a day shift with several lunch placements
    for g in groups:                                     # one start, end and paid hours per group
        assert len({(patterns[j].pattern.start, patterns[j].pattern.end, patterns[j].paid_hours) for j in g}) == 1


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pooled=st.lists(st.integers(0, 5), min_size=8, max_size=8),
       extra=st.lists(st.floats(-0.9, 0.0), min_size=8, max_size=8),
       windows=st.integers(2, 6), head_clerk=st.integers(1, 5))
def test_implicit_and_explicit_break_models_have_the_same_optimum(pooled, extra, windows, head_clerk):
    s = _scenario(windows, TYPES)
    o = settings_from_dict({"shift_templates": TEMPLATES, "grid_min": 30, "headcount": {"clerk": head_clerk}})
    req = _req(pooled, [max(0.0, p + e) for p, e in zip(pooled, extra)])
    patterns = generate_patterns(s, o)
    out = {}
    for breaks in ("explicit", "implicit"):
        model = build_model(s, o, req, patterns, breaks=breaks)
        try:
            out[breaks] = solve(model, s, o, "highs", 60.0, 1e-9)
        except InfeasiblePlan:
            out[breaks] = None
    if out["explicit"] is None:
        assert out["implicit"] is None
        return
    assert out["implicit"] is not None
    assert out["explicit"].milp.status == out["implicit"].milp.status == "optimal"
    assert out["implicit"].cost == pytest.approx(out["explicit"].cost, abs=1e-6)
    _check(s, o, req, out["implicit"])


def test_among_equally_cheap_rosters_fewer_people():
    # One clerk needed all morning: two 2-hour shifts (08-10, 10-12: 2 people) or one 4-hour day (1 person),
    # both 4 paid hours; the tie-break must pick the day.
    s = _scenario(2, {"clerk": {"skills": {"A": 1.0}, "cost_per_hour": 1.0}})
    o = settings_from_dict({"grid_min": 30, "shift_templates": {
        "H": {"start": {"earliest": "08:00", "latest": "10:00", "step_min": 120}, "length_min": 120},
        "F": {"start": {"earliest": "08:00"}, "length_min": 240}}})
    sol = plan_shifts(s, o, _req([1] * 8, [1.0] * 8))
    assert sol.cost == pytest.approx(4.0)
    assert sol.roster.staff() == 1
    eps, grid = tie_break_weight([2.0, 4.0, 1.25], 10)
    assert grid == pytest.approx(0.25) and 0 < eps * 10 < grid / 2
    assert tie_break_weight([1 / 3], 10) == (0.0, None)          # off the cent grid: no tie-break


def _hard():
    """Four staff types of different speed and cost, hourly starts, a 15-minute grid: hard to prove optimal."""
    s = scenario_from_dict({
        "name": "hard", "hours": {"sessions": [{"start": "08:00", "end": "18:00"}], "interval_min": 60},
        "stations": {"desk": {"windows": 200}},
        "services": {"A": {"steps": [{"station": "desk", "work": {"dist": "exponential", "mean_min": 5}}]}},
        "arrivals": {"daily_volume": 100, "profile": [{"start": "08:00", "end": "18:00", "share": 1.0}],
                     "mix": {"A": 1.0}},
        "staff_types": {"a": {"skills": {"A": 1.0}, "cost_per_hour": 1.37},
                        "b": {"skills": {"A": 1.13}, "cost_per_hour": 1.19},
                        "c": {"skills": {"A": 1.29}, "cost_per_hour": 1.07},
                        "d": {"skills": {"A": 1.47}, "cost_per_hour": 0.93}},
        "shift_patterns": {"ALL": {"start": "08:00", "end": "12:00"}}, "roster": []})
    o = settings_from_dict({"grid_min": 15, "shift_templates": {
        "L": {"start": {"earliest": "08:00", "latest": "12:00", "step_min": 60}, "length_min": [360, 480],
              "breaks": [{"length_min": 30, "within": {"start": "11:00", "end": "14:00"}, "step_min": 15}]},
        "S": {"start": {"earliest": "08:00", "latest": "14:00", "step_min": 60}, "length_min": 240}}})
    rng = np.random.default_rng(3)
    p = np.arange(480, 1080, 15.0)
    pooled = np.round(20 + 15 * np.sin((p - 480) / 600 * np.pi) + rng.integers(-5, 6, len(p))).astype(int)
    skill = pooled + rng.uniform(-0.9, 0.0, len(p))
    z = np.zeros(len(p))
    req = Requirements("hand", 15, p, np.floor(p / 60) * 60, {("desk", "A"): z}, {("desk", "A"): skill},
                       {"desk": z}, {"desk": pooled})
    return s, o, req


def test_a_time_limited_solve_reports_its_gap_and_is_never_optimal():
    s, o, req = _hard()
    try:
        sol = plan_shifts(s, o, req, time_limit_s=1.0)
    except NoRosterInTime as exc:                # no roster at all in the time: said so, not a roster called optimal
        assert "found no roster" in str(exc)
        return
    info = sol.milp
    assert info.status == "time_limited" and not sol.optimal and not info.optimal
    assert info.gap is not None and info.gap > 1e-4
    assert info.best_bound is not None and info.best_bound < info.objective - 1e-6
    assert info.objective == pytest.approx(sol.cost, abs=1e-6)
    assert "not proven optimal" in info.text() and "gap" in info.text()
    cols = iteration_columns(info)
    assert cols["milp_status"] == "time_limited" and cols["milp_gap"] == info.gap
    assert info.as_dict()["status"] == "time_limited"



@pytest.mark.parametrize("code", ["all", "cover"])
def test_a_window_group_s_code_does_not_change_the_optimum(code):
    """The model's own seat sets (every seat; seats that count toward requirements) are not window-group codes.

    The county hall's green-channel group renamed to ``all`` or ``cover`` (valid codes) is the same hall, so
    its MILP has the same optimal cost and roster shape; a group code equal to a seat set's key would count
    the group's staff twice in the rules and the pool.
    """
    import yaml

    from optimise.requirements import compute_requirements
    from optimise.settings import resolve_settings
    from tests.mutations import ROOT

    text = (ROOT / "scenarios" / "county_hall.yaml").read_text(encoding="utf-8")

    def solved(group: str):
        renamed = text.replace("      green:   ", f"      {group}:   ").replace("window_group: green",
                                                                               f"window_group: {group}")
        s = scenario_from_dict(yaml.safe_load(renamed), source="county_hall.yaml")
        assert group in s.stations["counter"].window_groups
        o = resolve_settings(s, None)
        sol = plan_shifts(s, o, compute_requirements(s, "time_varying", o.grid_min), fill=True)
        shape = sorted((e.staff_type, e.station, e.window_group is None, e.count) for e in sol.roster.entries)
        return sol.cost, shape

    (cost_green, shape_green), (cost, shape) = solved("green"), solved(code)
    assert cost == pytest.approx(cost_green, abs=1e-6)
    assert shape == shape_green
