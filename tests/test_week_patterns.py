"""Shift patterns stay tied to their template's days and staff types; the fast requirement path gives the
numbers of the from-scratch search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from optimise.requirements import Criteria, compute_requirements, staff_search, staff_series
from optimise.settings import generate_patterns, settings_from_dict
from optimise.week.days import day_plans, demand_key
from sim.loading import ScenarioError, load_scenario, scenario_from_dict
from sim.week_scenarios import week_days

from .week_builders import WEEK, base_dict

ROOT = Path(__file__).resolve().parents[1]


def _week_with_saturday_template() -> dict:
    data = base_dict()
    data["staff_types"]["aux"] = {"skills": {"DESK": 1.0, "INSPECT": 1.0}, "cost_per_hour": 0.5}
    data["optimise"]["shift_templates"] = {
        "DAY": {"start": {"earliest": "08:00"}, "length_min": 480},
        "AM": {"start": {"earliest": "08:00"}, "length_min": 240, "staff_types": ["aux"]},
        "SAT": {"start": {"earliest": "08:00"}, "length_min": 240, "days": ["Sat"]},
    }
    data["horizon"] = {"days": [{"day": d} for d in WEEK[:5]]
                       + [{"day": "Sat", "sessions": [{"start": "08:00", "end": "12:00"}]}]}
    data["staff_list"] = {"people": [{"id": "a", "name": "A", "staff_type": "clerk"},
                                     {"id": "b", "name": "B", "staff_type": "aux"}],
                          "plan": {"requirements": "min_staff_only"}}
    return data


def test_a_saturday_template_is_offered_on_saturday_only_and_never_widens_another():
    s = scenario_from_dict(_week_with_saturday_template())
    plans = day_plans(s)
    for p in plans:
        sat = [o for o in p.patterns if o.template == "SAT"]
        am = [o for o in p.patterns if o.template == "AM"]
        assert bool(sat) == (p.code == "Sat"), p.code
        # the 08:00-12:00 part-time pattern stays the auxiliaries' own on every day, Saturday included
        assert am and all(o.allows("aux") and not o.allows("clerk") for o in am)
        if p.code == "Sat":
            assert [o.pattern.start for o in sat] == [o.pattern.start for o in am[:1]]    # the same times, apart
    # the county week: its SAT template is no weekday half day any more
    county = load_scenario(ROOT / "scenarios" / "county_week.yaml")
    for wd in week_days(county):
        if not wd.closed:
            offered = {o.template for o in generate_patterns(wd.scenario, wd.scenario.optimise)}
            assert ("SAT" in offered) == (wd.code == "Sat"), wd.code


def test_identical_patterns_of_two_templates_keep_their_staff_types():
    s = scenario_from_dict(base_dict())
    o = settings_from_dict({"shift_templates": {
        "X": {"start": {"earliest": "08:00"}, "length_min": 480, "staff_types": ["clerk"]},
        "Y": {"start": {"earliest": "08:00"}, "length_min": 480, "staff_types": ["nobody"]}}})
    by_template = {p.template: p for p in generate_patterns(s, o)}
    assert set(by_template) == {"X", "Y"}
    assert by_template["X"].allows("clerk") and not by_template["Y"].allows("clerk")


def test_a_template_day_that_is_no_day_is_a_clear_error(tmp_path):
    data = _week_with_saturday_template()
    data["optimise"]["shift_templates"]["SAT"]["days"] = ["Saturday"]
    path = tmp_path / "week.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    (problem,) = exc.value.problems
    assert problem.field.startswith("optimise.shift_templates.SAT.days") and "Saturday" in problem.message
    assert problem.file == str(path) and problem.line is not None


def _same(a, b):
    assert a.pooled_staff.keys() == b.pooled_staff.keys() and a.skill_staff.keys() == b.skill_staff.keys()
    for s in a.pooled_staff:
        assert np.array_equal(a.pooled_staff[s], b.pooled_staff[s]), s
    for k in a.skill_staff:
        assert np.array_equal(a.skill_staff[k], b.skill_staff[k]), k


def test_warm_started_requirements_equal_the_from_scratch_search():
    """The fast path (searches started from the previous period's answer, memoised) against the search from
    scratch in every period, exactly, on three county days (transient and time-varying)."""
    county = load_scenario(ROOT / "scenarios" / "county_week.yaml")
    days = {wd.code: wd.scenario for wd in week_days(county) if not wd.closed}
    for code, method in (("Mon", "transient"), ("Sat", "transient"), ("Fri", "time_varying")):
        day = days[code]
        _same(compute_requirements(day, method, 30), compute_requirements(day, method, 30, warm_search=False))


def test_staff_series_on_a_rising_and_falling_load_equals_each_search_alone():
    crit = Criteria(((20.0, 0.8), (40.0, 0.95)), None, 0.05, 90.0)       # Erlang A, with abandonment
    loads = np.concatenate([np.linspace(0.0, 40.0, 23), np.linspace(40.0, 0.5, 17), [0.0, 7.3, 0.2]])
    fast = staff_series(loads, 12.0, crit)
    assert fast.tolist() == [staff_search(round(x, 9), 12.0, crit) for x in loads]
    assert fast.max() > 30 and fast.min() == 0


def test_days_with_the_same_demand_share_one_computation():
    city = load_scenario(ROOT / "scenarios" / "city_week.yaml")
    wd = {w.code: w for w in week_days(city)}
    assert demand_key(wd["Tue"].scenario) == demand_key(wd["Thu"].scenario)      # both 0.95
    assert demand_key(wd["Tue"].scenario) != demand_key(wd["Wed"].scenario)      # 0.92


def _grouped_week() -> dict:
    """Two days; the counter has a one-window group ``fast`` that only seniors may be planned to keep open."""
    data = base_dict(volume=120)
    data["stations"]["counter"]["window_groups"] = {"fast": {"windows": 1, "skills": ["DESK"],
                                                             "when_idle": "help_others"}}
    data["staff_types"]["senior"] = {"skills": {"DESK": 1.0}, "cost_per_hour": 2.0}
    data["optimise"]["cover_rules"] = [{"id": "fast_open", "station": "counter", "window_group": "fast",
                                        "staff_types": ["senior"], "min_staff": 1, "when": "always"}]
    data["horizon"] = {"days": [{"day": "Mon"}, {"day": "Tue"}]}
    people = [{"id": f"s{k}", "name": f"Senior {k}", "staff_type": "senior"} for k in range(3)]
    people += [{"id": f"c{k}", "name": f"Clerk {k}", "staff_type": "clerk"} for k in range(10)]
    data["staff_list"] = {"people": people, "plan": {"requirements": "time_varying", "fairness": "off",
                                                     "time_limit_s": 20}}
    return data


def test_window_groups_are_planned_per_person_and_simulated_in_their_seats():
    from optimise.week.checks import violations
    from optimise.week.solve import solve_week
    from sim.week import Duty, planned_staff
    from study.week.outputs import roster_grid

    s = scenario_from_dict(_grouped_week())
    r = solve_week(s)
    assert r.stages[0].status == "optimal" and len(r.shortfalls) == 0 and violations(r) == []
    for d in (0, 1):
        grid = r.model.grids[d]
        fast = [a for a in r.assignments if a.day_index == d and a.window_group == "fast"]
        assert fast and all(a.staff_type == "senior" and a.seat == "counter/fast" for a in fast)
        for k in grid.ticket_idx:     # the group's one window: one senior in it through the ticket hours
            assert sum(bool(grid.full[a.shift][k]) for a in fast) >= 1
            assert sum(bool(grid.anyc[a.shift][k]) for a in fast) <= 1
    assert "counter/fast" in roster_grid(r).to_string()
    a = next(a for a in r.assignments if a.window_group == "fast")
    duty = Duty(a.person_id, a.day_index, a.station, a.shift, a.start_min, a.end_min, a.breaks, a.window_group)
    day = next(wd.scenario for wd in week_days(s) if wd.index == a.day_index)
    ((staff_day, _),) = planned_staff(day, s.staff_list.people, [duty])
    assert staff_day.window_group == "fast" and staff_day.station == "counter"


def test_one_day_with_a_window_group_costs_what_the_shift_milp_costs():
    from optimise.shifts import plan_shifts
    from optimise.week.solve import solve_week

    data = _grouped_week()
    del data["horizon"]
    data["staff_list"]["rules"] = {"min_weekly_hours": {"enabled": False}}
    s = scenario_from_dict(data)
    req = compute_requirements(s, "time_varying", s.optimise.grid_min)
    day = plan_shifts(s, s.optimise, req, patterns=generate_patterns(s, s.optimise))
    week = solve_week(s)
    assert week.stages[0].status == "optimal" and day.optimal
    assert week.cost == pytest.approx(day.cost)
    assert any(a.window_group == "fast" for a in week.assignments)
