"""MILP row and column names never coincide, whatever the codes (optimise.lp_names).

A hall with a station ``counter`` whose window group is ``green`` and another station ``counter_green``
(valid codes) used to stop ``queueplan optimise`` and ``queueplan roster`` with PuLP's "overlapping
constraint names: windows_counter_green_0830". The same hall under other names must now give the same
optimum, and the rows the optimiser looks up by name must be the ones it means.
"""

from __future__ import annotations

import pulp
import pytest
import yaml

from optimise.lp_names import NamedProblem, UniqueNames
from optimise.milp_model import build_model
from optimise.requirements import compute_requirements
from optimise.settings import generate_patterns, resolve_settings
from optimise.shifts import plan_shifts
from optimise.week.solve import solve_week
from sim.loading import scenario_from_dict
from tests.mutations import ROOT
from tests.test_week_roster import RULES_OFF
from tests.week_builders import base_dict


def test_a_name_is_kept_the_first_time_and_numbered_after_as_pulp_writes_it():
    names = UniqueNames()
    assert [names(n) for n in ("a-b", "a_b", "c", "a_b", "a+b")] == ["a-b", "a_b~2", "c", "a_b~3", "a+b~4"]
    prob = NamedProblem("t", pulp.LpMinimize)
    x = prob.add_variable("x_a-b", lowBound=0) if hasattr(prob, "add_variable") else pulp.LpVariable("x", 0)
    prob.addConstraint(x >= 1, "row_a_b")
    prob.addConstraint(x >= 2, "row_a-b")          # PuLP would refuse this one: it reads "row_a_b"
    assert prob.numConstraints() == 2


def _county(inspection: str) -> object:
    text = (ROOT / "scenarios" / "county_hall.yaml").read_text(encoding="utf-8")
    return scenario_from_dict(yaml.safe_load(text.replace("inspection", inspection)), source="county_hall.yaml")


def test_a_station_named_like_another_station_s_window_group_is_planned_as_any_other_name():
    solved = {}
    for name in ("inspection", "counter_green"):       # counter's window group is "green"
        s = _county(name)
        o = resolve_settings(s, None)
        sol = plan_shifts(s, o, compute_requirements(s, "time_varying", o.grid_min), fill=True)
        solved[name] = sol.milp.objective
    assert solved["counter_green"] == pytest.approx(solved["inspection"], rel=1e-9)


def test_the_rows_looked_up_by_name_are_the_ones_meant():
    s = _county("counter_green")
    o = resolve_settings(s, None)
    model = build_model(s, o, compute_requirements(s, "time_varying", o.grid_min), generate_patterns(s, o))
    own = {v.name for (k, j, st, g), v in model.x.items() if st == "counter_green"}
    group = {v.name for (k, j, st, g), v in model.x.items() if st == "counter" and g == "green"}
    times = {key[3] for key in model.rows if key[:3] == ("windows", "counter_green", None)}
    assert times and times == {key[3] for key in model.rows if key[:3] == ("windows", "counter", "green")}
    for t in times:
        mine = model.rows[("windows", "counter_green", None, t)]
        theirs = model.rows[("windows", "counter", "green", t)]
        assert mine is not theirs
        placed = {v.name for v in mine if v.name.startswith("x_")}
        assert placed and placed <= own and not placed & group


def test_a_week_with_such_names_is_planned_as_any_other_name():
    costs = {}
    for name in ("inspection", "counter_fast"):
        data = base_dict(windows=6, volume=60)
        text = yaml.safe_dump(data).replace("inspection", name)
        data = yaml.safe_load(text)
        data["stations"]["counter"]["window_groups"] = {"fast": {"windows": 1, "skills": ["DESK"]}}
        data["staff_list"] = {"people": [{"id": f"c{k}", "name": f"Clerk {k}", "staff_type": "clerk"}
                                         for k in range(8)],
                              "rules": RULES_OFF, "plan": {"requirements": "time_varying", "fairness": "off"}}
        week = solve_week(scenario_from_dict(data, f"<{name}>"))
        assert week.stages[0].status == "optimal"
        costs[name] = week.cost
    assert costs["counter_fast"] == pytest.approx(costs["inspection"])
