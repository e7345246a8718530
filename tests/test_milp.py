"""The shift MILP: hand-solvable instances (known optimal cost), infeasibility, independent checks.

Requirements are written by hand (``_req``) so that the optimum can be worked
out on paper; costs are compared, never plans (optima are not unique). The
property test recomputes every constraint from the returned roster alone
(on-duty staff from the shift patterns' work periods, skill cover by an
independent LP in scipy), not from the MILP's own matrices.
"""

from __future__ import annotations

import numpy as np
import pulp
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from scipy.optimize import linprog

from optimise.requirements import Requirements
from optimise.settings import settings_from_dict
from optimise.shifts import InfeasiblePlan, SolverUnavailable, make_solver, plan_shifts
from sim.loading import scenario_from_dict

HOURS = [480.0, 540.0, 600.0, 660.0]   # 08:00 .. 12:00, hourly periods


def _scenario(staff_types: dict, windows: int = 10, skills=("A",)):
    services = {k: {"steps": [{"station": "desk", "work": {"dist": "exponential", "mean_min": 5}}]} for k in skills}
    return scenario_from_dict({
        "name": "hand",
        "hours": {"sessions": [{"start": "08:00", "end": "12:00"}], "interval_min": 60},
        "stations": {"desk": {"windows": windows}},
        "services": services,
        "arrivals": {"daily_volume": 100, "profile": [{"start": "08:00", "end": "12:00", "share": 1.0}],
                     "mix": {k: 1.0 / len(skills) for k in skills}},
        "staff_types": staff_types,
        "shift_patterns": {"ALL": {"start": "08:00", "end": "12:00"}},
        "roster": [],
    })


def _settings(templates: dict, **extra):
    return settings_from_dict({"shift_templates": templates, "grid_min": 60, **extra})


def _req(pooled, skills: dict[str, list[float]] | None = None) -> Requirements:
    """Hand-made requirements at station ``desk``: pooled staff per hour and each skill's stand-alone staff.

    With zero load, skill ``k`` gets ``pooled * skills[k] / sum(skills)`` of the pooled target.
    """
    skills = skills or {"A": [1.0] * len(pooled)}
    zeros = np.zeros(len(pooled))
    return Requirements("hand", 60, np.array(HOURS[:len(pooled)]), np.array(HOURS[:len(pooled)]),
                        {("desk", k): zeros for k in skills}, {("desk", k): np.array(v) for k, v in skills.items()},
                        {"desk": zeros}, {"desk": np.array(pooled)})


HOURLY_2H = {"H2": {"start": {"earliest": "08:00", "latest": "10:00", "step_min": 60}, "length_min": 120}}
DAY = {"DAY": {"start": {"earliest": "08:00"}, "length_min": 240}}
CLERK = {"clerk": {"skills": {"A": 1.0}, "cost_per_hour": 1.0}}


@pytest.mark.parametrize("pooled, cost", [([1, 2, 2, 1], 6.0), ([1, 3, 1, 1], 8.0), ([0, 0, 0, 0], 0.0)])
def test_set_covering_known_optimum(pooled, cost):
    # 2-hour shifts from 08:00, 09:00, 10:00. [1,2,2,1]: one shift at each start. [1,3,1,1]: x8 + x9 >= 3, x10 >= 1.
    sol = plan_shifts(_scenario(CLERK), _settings(HOURLY_2H), _req(pooled))
    assert sol.cost == pytest.approx(cost)
    assert sol.optimal


def test_zero_demand_gives_empty_roster():
    sol = plan_shifts(_scenario(CLERK), _settings(HOURLY_2H), _req([0, 0, 0, 0]))
    assert sol.roster.entries == () and sol.cost == 0.0


TWO_SKILLS = {"spec_a": {"skills": {"A": 1.0}, "cost_per_hour": 1.0},
              "spec_b": {"skills": {"B": 1.0}, "cost_per_hour": 1.0},
              "flex": {"skills": {"A": 1.0, "B": 1.0}, "cost_per_hour": 1.5}}


@pytest.mark.parametrize("pooled, headcount, cost", [
    ([2] * 4, {}, 8.0),                 # one of each specialist; a flexible person counts once, not once per skill
    ([1] * 4, {}, 6.0),                 # half a person per skill: one flexible person is cheaper than two specialists
    ([2] * 4, {"spec_b": 0}, 10.0),     # no B specialist: spec_a + flex
])
def test_two_skills_cross_trained_cost_more(pooled, headcount, cost):
    s = _scenario(TWO_SKILLS, skills=("A", "B"))
    req = _req(pooled, {"A": [1.0] * 4, "B": [1.0] * 4})
    sol = plan_shifts(s, _settings(DAY, headcount=headcount), req)
    assert sol.cost == pytest.approx(cost)


def test_speed_factor_is_capacity():
    # A slow type (speed factor 2: half the capacity) is worth it only when two of them cost less than one normal.
    types = {"normal": {"skills": {"A": 1.0}, "cost_per_hour": 1.0}, "slow": {"skills": {"A": 2.0}, "cost_per_hour": 0.6}}
    assert plan_shifts(_scenario(types), _settings(DAY), _req([1] * 4)).cost == pytest.approx(4.0)
    types["slow"]["cost_per_hour"] = 0.4
    assert plan_shifts(_scenario(types), _settings(DAY), _req([1] * 4)).cost == pytest.approx(3.2)


POLICE_AUX = {"police": {"skills": {"A": 1.0}, "cost_per_hour": 1.0},
              "aux": {"skills": {"A": 1.0}, "cost_per_hour": 0.5}}


@pytest.mark.parametrize("pooled, when, cost", [
    ([1] * 4, None, 2.0),                               # no rule: one auxiliary
    ([1] * 4, "always", 4.0),                           # a police officer always on duty
    ([3] * 4, {"windows_open_at_least": 3}, 8.0),       # 3 open -> one must be police: 2 aux + 1 police
    ([2] * 4, {"windows_open_at_least": 3}, 4.0),       # 2 open: rule not triggered, 2 aux
])
def test_cover_rules(pooled, when, cost):
    rules = [] if when is None else [{"id": "police_on_duty", "station": "desk", "staff_types": ["police"],
                                      "min_staff": 1, "when": when}]
    sol = plan_shifts(_scenario(POLICE_AUX), _settings(DAY, cover_rules=rules), _req(pooled))
    assert sol.cost == pytest.approx(cost)


def test_template_cap_part_time():
    # Part-time 2 h shifts at the same hourly cost, at most one: the rest is covered by full days.
    templates = {"DAY": DAY["DAY"], "PT": {"start": {"earliest": "08:00", "latest": "10:00", "step_min": 60},
                                          "length_min": 120, "max_staff": 1}}
    sol = plan_shifts(_scenario(CLERK), _settings(templates), _req([1, 2, 1, 1]))
    assert sol.cost == pytest.approx(6.0)          # a full day + one part-timer 09:00-11:00
    templates["PT"]["max_staff"] = 0
    assert plan_shifts(_scenario(CLERK), _settings(templates), _req([1, 2, 1, 1])).cost == pytest.approx(8.0)


def test_cbc_finds_the_same_cost():
    try:
        make_solver("cbc")
    except SolverUnavailable:
        pytest.skip("CBC not installed")
    s = _scenario(TWO_SKILLS, skills=("A", "B"))
    req = _req([2, 3, 3, 1], {"A": [1.0] * 4, "B": [1.0] * 4})
    costs = [plan_shifts(s, _settings(HOURLY_2H), req, solver=name).cost for name in ("highs", "cbc")]
    assert costs[0] == pytest.approx(costs[1])


def test_infeasible_windows_names_period_and_writes_lp(tmp_path):
    # 3-hour shifts from 08:00 or 09:00 must overlap to cover 08:00-12:00: impossible with one window.
    templates = {"H3": {"start": {"earliest": "08:00", "latest": "09:00", "step_min": 60}, "length_min": 180}}
    with pytest.raises(InfeasiblePlan) as info:
        plan_shifts(_scenario(CLERK, windows=1), _settings(templates), _req([1, 1, 1, 1]), lp_dir=tmp_path)
    exc = info.value
    assert exc.lp_path is not None and exc.lp_path.exists() and exc.lp_path.parent == tmp_path
    text = str(exc)
    assert "windows" in text and ("08:00" in text or "11:00" in text)
    assert not exc.shortfalls.empty


def test_infeasible_rule_is_named():
    rules = [{"id": "police_on_duty", "station": "desk", "staff_types": ["police"], "min_staff": 1, "when": "always"}]
    with pytest.raises(InfeasiblePlan) as info:
        plan_shifts(_scenario(POLICE_AUX), _settings(DAY, cover_rules=rules, headcount={"police": 0}), _req([1] * 4))
    assert "police_on_duty" in str(info.value) and "headcount of police" in str(info.value)
    assert set(info.value.shortfalls["period"]) == {"08:00", "09:00", "10:00", "11:00"}


def test_templates_that_cannot_cover_the_hours():
    templates = {"EARLY": {"start": {"earliest": "08:00"}, "length_min": 120}}
    with pytest.raises(InfeasiblePlan) as info:
        plan_shifts(_scenario(CLERK), _settings(templates), _req([1, 1, 1, 1]))
    text = str(info.value)
    assert "10:00" in text and "11:00" in text and "no allowed shift pattern" in text
    # Fill mode staffs what it can and reports the rest instead.
    sol = plan_shifts(_scenario(CLERK), _settings(templates), _req([1, 1, 1, 1]), fill=True)
    assert sol.cost == pytest.approx(2.0)
    assert set(sol.shortfalls["period"]) == {"10:00", "11:00"}


def test_missing_solver_names_the_alternatives(monkeypatch):
    monkeypatch.setattr(pulp.HiGHS, "available", lambda self: False)
    with pytest.raises(SolverUnavailable, match="highs.*not installed.*cbc"):
        make_solver("highs")
    with pytest.raises(SolverUnavailable, match="unknown solver"):
        make_solver("gurobi")


# ---- the returned roster respects every constraint, recomputed from the roster alone ----------------------

def _on_duty(roster, staff_type, t0, t1):
    """Staff of a type on duty throughout [t0, t1), and at any moment of it (from the patterns' work periods)."""
    full = anyc = 0
    for e in roster.entries:
        if e.staff_type != staff_type:
            continue
        work = roster.shift_patterns[e.shift].work_periods_min()
        full += e.count * any(a <= t0 and t1 <= b for a, b in work)
        anyc += e.count * any(a < t1 and t0 < b for a, b in work)
    return full, anyc


def _check(s, o, req, sol):
    types = list(s.staff_types)
    for k, limit in o.headcount.items():
        assert sum(e.count for e in sol.roster.entries if e.staff_type == k) <= limit
    targets = req.skill_targets("desk")
    pool = req.station_target("desk")
    for i, t0 in enumerate(req.period_start_min):
        t1 = t0 + req.grid_min
        full = {k: _on_duty(sol.roster, k, t0, t1)[0] for k in types}
        assert sum(_on_duty(sol.roster, k, t0, t1)[1] for k in types) <= s.stations["desk"].windows
        assert sum(full.values()) >= pool[i]
        for rule in o.cover_rules:
            total = sum(full.values())
            if rule.when == "always" or total >= rule.when.windows_open_at_least:
                assert sum(full[k] for k in rule.staff_types) >= rule.min_staff
        # Skill cover: is there an allocation y[k, q] >= 0 with sum_q y <= full[k] and sum_k y / speed >= target?
        skills = [q for q in targets if targets[q][i] > 1e-9]
        pairs = [(k, q) for k in types for q in skills if q in s.staff_types[k].skills]
        if not skills:
            continue
        a_ub, b_ub = [], []
        for k in types:
            a_ub.append([1.0 if kk == k else 0.0 for kk, _ in pairs])
            b_ub.append(full[k])
        for q in skills:
            a_ub.append([-1.0 / s.staff_types[k].skills[q] if qq == q else 0.0 for k, qq in pairs])
            b_ub.append(-targets[q][i] + 1e-7)
        assert linprog(np.zeros(len(pairs)), A_ub=a_ub, b_ub=b_ub, bounds=(0, None)).status == 0


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pooled=st.lists(st.integers(0, 4), min_size=4, max_size=4),
       share_a=st.lists(st.floats(0.5, 3.0), min_size=4, max_size=4),
       windows=st.integers(1, 5), head_flex=st.integers(0, 3), rule_n=st.integers(0, 4))
def test_roster_respects_every_constraint(pooled, share_a, windows, head_flex, rule_n):
    s = _scenario(TWO_SKILLS, windows=windows, skills=("A", "B"))
    rules = [] if rule_n == 0 else [{"id": "flex_on", "station": "desk", "staff_types": ["flex"], "min_staff": 1,
                                     "when": {"windows_open_at_least": min(rule_n, windows)}}]
    o = _settings({**HOURLY_2H, **DAY}, headcount={"flex": head_flex}, cover_rules=rules)
    req = _req(pooled, {"A": share_a, "B": [1.0] * 4})
    try:
        sol = plan_shifts(s, o, req)
    except InfeasiblePlan as exc:
        assert exc.problems
        return
    _check(s, o, req, sol)
    sol.roster.apply(s)        # the simulator's own checks accept it (windows, known shifts ...)
