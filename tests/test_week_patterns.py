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
from sim.week_days import week_days

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
