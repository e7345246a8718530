"""Causes by relaxation (optimise.causes): a one-lane station that binds is named, and a second lane meets.

Two stations in a row: a lane with one window and enough work for about 1.3
people, then a desk with three windows and little work. The roster fills the
lane's single window: the lane is short and its windows are what binds, so the
relaxation is one more window there, and it meets every target; the desk is
not named.
"""

from __future__ import annotations

from optimise.causes import relax_and_test, short_stations
from optimise.settings import generate_patterns, settings_from_dict
from optimise.shifts import Roster
from sim.experiment import run_experiment
from sim.loading import scenario_from_dict
from tests.builders import mmc_dict


def two_stations():
    data = mmc_dict(0.2, 6.0, 1, open_min=480, close_min=720, replications=10, seed=5)
    data["hours"]["hard_stop"] = "13:30"
    data["calling"] = {"end_of_day": "serve_until_empty"}
    data["stations"] = {"lane": {"windows": 1}, "desk": {"windows": 3}}
    data["services"] = {"S": {"steps": [{"station": "lane", "work": {"dist": "exponential", "mean_min": 5.5}},
                                        {"station": "desk", "skill": "D",
                                         "work": {"dist": "exponential", "mean_min": 2.0}}]}}
    data["staff_types"] = {"clerk": {"skills": {"S": 1.0, "D": 1.0}, "cost_per_hour": 1.0}}
    data["roster"] = [{"staff_type": "clerk", "shift": "ALL", "station": "lane", "count": 1},
                      {"staff_type": "clerk", "shift": "ALL", "station": "desk", "count": 1}]
    data["targets"] = [{"id": "sl", "kind": "service_level", "wait_min": 15, "fraction": 0.8, "step": "any"}]
    return scenario_from_dict(data)


def test_the_single_lane_binds_and_a_second_lane_meets_every_target():
    s = two_stations()
    o = settings_from_dict({"shift_templates": {"D": {"start": {"earliest": "08:00"}, "length_min": 240}}})
    res = run_experiment(s, 10, 5)
    assert not res.summary()["targets"]["met_confident"].all()
    assert short_stations(res, s)[0] == "lane"
    roster = Roster(tuple(s.roster), dict(s.shift_patterns))
    causes = relax_and_test(s, o, roster, res, generate_patterns(s, o), replications=20)
    lane = causes.set_index("station").loc["lane"]
    assert "windows at lane" in lane["binds"] and "+1 window at lane" in lane["relaxation"]
    assert lane["meets"]
    assert "desk" not in set(causes["station"])
