"""The least-cost roster through classes of interchangeable people (optimise.week.aggregate): the same optimum
as the roster MILP solved directly, no rule broken, the aggregate MILP a relaxation (its optimum a lower bound)."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimise.week.checks import violations
from optimise.week.days import day_plans
from optimise.week.model import build_roster_model, interchangeable
from optimise.week.solve import InfeasibleWeek, solve_week
from optimise.week.stage import run_stage
from sim.loading import ScenarioError, scenario_from_dict

from tests.week_builders import WEEK, base_dict

PROFILES = [({"DESK": 1.0}, {"kind": "full_time"}, []), ({"DESK": 1.0, "INSPECT": 1.15}, {"kind": "full_time"}, []),
            ({"INSPECT": 1.0}, {"kind": "part_time", "hours_per_week": 20}, ["LATE"])]


@st.composite
def weeks_with_classes(draw):
    """Weeks of 4-9 people drawn from 2-3 profiles (so classes of several members), random days off and rules."""
    days = WEEK[:draw(st.integers(3, 6))]
    data = base_dict(windows=draw(st.integers(2, 5)))
    data["optimise"]["shift_templates"] = {
        "DAY": {"start": {"earliest": "08:00"}, "length_min": 480},
        "EARLY": {"start": {"earliest": "08:00"}, "length_min": 240},
        "LATE": {"start": {"earliest": "12:00"}, "length_min": 240}}
    data["horizon"] = {"days": [{"day": d, "min_staff": {"counter": draw(st.integers(1, 4)),
                                                         "inspection": draw(st.integers(0, 1))}} for d in days]}
    people = []
    for k in range(draw(st.integers(4, 9))):
        skills, contract, forbidden = PROFILES[draw(st.integers(0, 2))]
        people.append({"id": f"p{k}", "name": f"P{k}", "staff_type": "clerk", "skills": skills, "contract": contract,
                       "forbidden_shifts": forbidden,
                       "unavailable": draw(st.lists(st.sampled_from(days), max_size=2, unique=True))})
    rest_two = draw(st.booleans())
    rules = {"max_weekly_hours": {"enabled": True},
             "min_weekly_hours": {"enabled": draw(st.booleans()), "share_of_contract": 0.3},
             "rest_days": {"enabled": True, "min_days": 2 if rest_two else 1, "consecutive": rest_two},
             "max_consecutive_days": {"enabled": draw(st.booleans()), "days": draw(st.integers(2, 4))},
             "min_rest_between_shifts": {"enabled": draw(st.booleans()), "hours": 18},
             "max_late_duties": {"enabled": draw(st.booleans()), "max": draw(st.integers(0, 2))},
             "max_saturday_duties": {"enabled": True, "max": 1}}
    data["staff_list"] = {"people": people, "rules": rules,
                          "duty_kinds": {"early_start_before": "09:00", "late_end_after": "15:00"},
                          "plan": {"requirements": "min_staff_only", "fairness": "off",
                                   "shortfall": draw(st.sampled_from(["report", "error"])), "time_limit_s": 20}}
    return data


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weeks_with_classes())
def test_aggregate_then_assignment_gives_the_roster_milps_optimum(data):
    try:
        s = scenario_from_dict(copy.deepcopy(data), "<random week>")
    except ScenarioError:
        assume(False)
    assume(any(len(c) > 1 for c in interchangeable(s)))
    plans = day_plans(s)
    elastic = "cover" if s.staff_list.plan.shortfall == "report" else None
    direct = build_roster_model(s, plans, elastic=elastic)
    full = run_stage(direct, 20, 1e-9, "cost")
    agg = run_stage(build_roster_model(s, plans, elastic=elastic, aggregate=True), 20, 1e-9, "aggregate")
    try:
        r = solve_week(s, plans, diagnose_infeasible=False)
    except InfeasibleWeek:
        assert full.status == "infeasible"
        return
    assert full.status == "optimal" and agg.status == "optimal"
    assert agg.objective <= full.objective + 1e-6                   # a relaxation
    first = r.stages[0]
    assert first.status == "optimal"
    assert abs(first.objective - full.objective) <= 1e-6 * max(1.0, full.objective)
    if first.method == "aggregate + assignment":                    # the assignment met the aggregate's bound
        assert abs(first.objective - agg.objective) <= 1e-6 * max(1.0, agg.objective)
    assert [b for b in violations(r) if "required" not in b] == []


def test_a_fairness_stage_stopped_at_once_keeps_the_least_cost_roster(monkeypatch):
    """Stage 2 starts from stage 1's roster with the cost held: however short its budget, the cost is stage 1's."""
    import optimise.week.solve as solve

    data = base_dict(windows=4)
    data["optimise"]["shift_templates"] = {
        "EARLY": {"start": {"earliest": "08:00"}, "length_min": 240},
        "LATE": {"start": {"earliest": "12:00"}, "length_min": 240}}
    data["horizon"] = {"days": [{"day": d, "min_staff": {"counter": 2}} for d in WEEK[:5]]}
    data["staff_list"] = {"people": [{"id": f"p{k}", "name": f"P{k}", "staff_type": "clerk"} for k in range(6)],
                          "duty_kinds": {"early_start_before": "09:00", "late_end_after": "15:00"},
                          "plan": {"requirements": "min_staff_only", "fairness": "lexicographic"}}
    s = scenario_from_dict(data, "<week>")
    plans = day_plans(s)
    least = solve_week(s, plans, fairness="off")
    monkeypatch.setattr(solve, "FAIRNESS_SHARE", 1e-4)
    fair = solve_week(s, plans)
    assert fair.stages[1].status in ("optimal", "time_limited") and fair.stages[1].objective is not None
    assert abs(fair.cost - least.cost) <= 1e-6 * max(1.0, least.cost)
    assert [b for b in violations(fair) if "required" not in b] == []
