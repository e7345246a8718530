"""The week's roster MILP: a published optimum, rules on random weeks, the one-day case, the diagnosis."""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimise.requirements import compute_requirements
from optimise.settings import generate_patterns
from optimise.shifts import plan_shifts
from optimise.week.checks import violations
from optimise.week.solve import InfeasibleWeek, solve_week
from sim.loading import ScenarioError, load_scenario, scenario_from_dict

from tests.week_builders import WEEK, base_dict, winston_dict

RULES_OFF = {"max_weekly_hours": {"enabled": False}, "min_weekly_hours": {"enabled": False},
             "rest_days": {"enabled": False}, "max_consecutive_days": {"enabled": False},
             "min_rest_between_shifts": {"enabled": False}, "max_late_duties": {"enabled": False},
             "max_saturday_duties": {"enabled": False}}


def test_winston_post_office_through_yaml(tmp_path):
    """Winston, Operations Research, sec. 3.5: needs 17,13,15,19,14,16,11 (Mon..Sun), 5 days on then 2 off:
    the published minimum is 23 employees (here 23 x 5 days x 8 h = 920 paid hours)."""
    path = tmp_path / "winston.yaml"
    path.write_text(yaml.safe_dump(winston_dict(people=25), allow_unicode=True), encoding="utf-8")
    s = load_scenario(path)
    r = solve_week(s)
    assert r.stages[0].status == "optimal"
    assert r.cost == pytest.approx(23 * 5 * 8)
    assert len({a.person_id for a in r.assignments}) == 23
    assert violations(r) == []
    worked = {}
    for a in r.assignments:
        worked.setdefault(a.person_id, set()).add(a.day_index)
    for days in worked.values():   # five consecutive days, cyclically
        assert len(days) == 5 and any(all((k + j) % 7 in days for j in range(5)) for k in range(7))


def test_one_day_horizon_costs_what_the_shift_milp_costs():
    data = base_dict(volume=120)
    data["optimise"]["shift_templates"] = {
        "DAY": {"start": {"earliest": "08:00"}, "length_min": 480},
        "AM": {"start": {"earliest": "08:00", "latest": "09:00", "step_min": 60}, "length_min": 240},
        "PM": {"start": {"earliest": "12:00"}, "length_min": 240}}
    data["staff_list"] = {"people": [{"id": f"c{k}", "name": f"Clerk {k}", "staff_type": "clerk"} for k in range(12)],
                          "rules": RULES_OFF, "plan": {"requirements": "time_varying", "fairness": "off"}}
    s = scenario_from_dict(data, "<one day>")
    req = compute_requirements(s, "time_varying", s.optimise.grid_min)
    day = plan_shifts(s, s.optimise, req, patterns=generate_patterns(s, s.optimise))
    week = solve_week(s)
    assert week.stages[0].status == "optimal" and day.optimal
    assert week.cost == pytest.approx(day.cost)
    assert len(week.shortfalls) == 0


def _li_dict() -> dict:
    data = base_dict()
    days = ["Mon", "Tue", "Wed"]
    data["horizon"] = {"days": [{"day": d} for d in days]}
    people = [{"id": "li", "name": "Li Wei", "staff_type": "clerk", "skills": {"DESK": 1.0, "INSPECT": 1.0},
               "unavailable": [{"day": "Tue", "reason": "annual leave"}]}]
    people += [{"id": f"d{k}", "name": f"Desk {k}", "staff_type": "clerk", "skills": {"DESK": 1.0}} for k in range(4)]
    data["staff_list"] = {"people": people, "rules": {**RULES_OFF, "rest_days": {"min_days": 1}},
                          "plan": {"requirements": "time_varying", "shortfall": "error", "fairness": "off"}}
    return data


def test_infeasible_week_names_the_day_the_skill_and_the_person():
    s = scenario_from_dict(_li_dict(), "<li>")
    with pytest.raises(InfeasibleWeek) as err:
        solve_week(s)
    text = "\n".join(err.value.problems)
    assert "Tue" in text and "INSPECT" in text and "Li Wei" in text and "annual leave" in text


def test_shortfall_reported_instead_when_asked():
    data = _li_dict()
    data["staff_list"]["plan"]["shortfall"] = "report"
    r = solve_week(scenario_from_dict(data, "<li>"))
    short = r.shortfalls
    assert len(short) and set(short["day"]) == {"Tue"} and "INSPECT" in set(short["skill"].dropna())
    assert [v for v in violations(r) if "required" not in v] == []


# ---------------------------------------------------------------- random weeks

@st.composite
def weeks(draw):
    n_days = draw(st.integers(3, 7))
    days = WEEK[:n_days]
    n_people = draw(st.integers(3, 7))
    data = base_dict(windows=6)
    data["optimise"]["shift_templates"] = {
        "DAY": {"start": {"earliest": "08:00"}, "length_min": 480},
        "EARLY": {"start": {"earliest": "08:00"}, "length_min": 240},
        "LATE": {"start": {"earliest": "12:00"}, "length_min": 240}}
    data["horizon"] = {"days": [{"day": d, "min_staff": {"counter": draw(st.integers(0, 3)),
                                                         "inspection": draw(st.integers(0, 1))}}
                                for d in days], "cyclic": n_days == 7 and draw(st.booleans())}
    people = []
    for k in range(n_people):
        off = draw(st.lists(st.sampled_from(days), max_size=2, unique=True))
        skills = draw(st.sampled_from([{"DESK": 1.0}, {"DESK": 1.0, "INSPECT": 1.15}, {"INSPECT": 1.0}]))
        people.append({"id": f"p{k}", "name": f"P{k}", "staff_type": "clerk", "skills": skills,
                       "unavailable": off, "forbidden_shifts": draw(st.lists(st.sampled_from(["EARLY", "LATE"]),
                                                                              max_size=1)),
                       "contract": draw(st.sampled_from([{"kind": "full_time"},
                                                         {"kind": "part_time", "hours_per_week": 20}]))})
    rules = {"max_weekly_hours": {"enabled": draw(st.booleans())},
             "min_weekly_hours": {"enabled": draw(st.booleans()), "share_of_contract": draw(st.sampled_from([0.0, 0.3]))},
             "rest_days": {"enabled": draw(st.booleans()), "min_days": draw(st.integers(1, 2)),
                           "consecutive": False},
             "max_consecutive_days": {"enabled": draw(st.booleans()), "days": draw(st.integers(2, 5))},
             "min_rest_between_shifts": {"enabled": draw(st.booleans()), "hours": draw(st.sampled_from([11, 18]))},
             "max_late_duties": {"enabled": draw(st.booleans()), "max": draw(st.integers(0, 2))},
             "max_saturday_duties": {"enabled": True, "max": 1}}
    if rules["rest_days"]["min_days"] == 2 and draw(st.booleans()):
        rules["rest_days"]["consecutive"] = True
    data["staff_list"] = {"people": people, "rules": rules,
                          "duty_kinds": {"early_start_before": "09:00", "late_end_after": "15:00"},
                          "plan": {"requirements": "min_staff_only", "fairness": draw(st.sampled_from(["off", "lexicographic"])),
                                   "shortfall": draw(st.sampled_from(["report", "error"])), "time_limit_s": 20}}
    return data


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weeks())
def test_no_rule_broken_and_every_shortfall_reported(data):
    try:
        s = scenario_from_dict(copy.deepcopy(data), "<random week>")
    except ScenarioError:
        assume(False)
    try:
        r = solve_week(s)
    except InfeasibleWeek as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        return
    broken = violations(r)
    rule_breaks = [b for b in broken if "required" not in b]
    assert rule_breaks == []
    cover = r.cover_frame()
    short = cover[cover["shortfall"] > 1e-6]
    if len(short):   # every period short of cover is in the reported shortfall
        assert s.staff_list.plan.shortfall == "report"
        reported = {(d, st_) for d, st_ in zip(r.shortfalls["day"], r.shortfalls["station"])}
        assert {(d, st_) for d, st_ in zip(short["day"], short["station"])} <= reported
