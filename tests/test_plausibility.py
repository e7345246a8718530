"""Warnings on legal but unlikely scenarios (``sim.plausibility``), and the run-size estimate."""

from __future__ import annotations

from sim.run_size import expected_citizens, run_size_problem
from sim.loading import scenario_from_dict, scenario_warnings

from .builders import mmc_dict


def _warnings(d) -> list[str]:
    return scenario_warnings(scenario_from_dict(d, source="<t>"))


def _hall():
    return mmc_dict(0.2, 5.0, 2, open_min=480, close_min=960)


def test_a_sensible_hall_has_no_warnings():
    assert _warnings(_hall()) == []


def test_station_staffed_only_part_of_the_day():
    d = _hall()
    d["shift_patterns"]["ALL"] = {"start": "08:00", "end": "12:00"}
    w = _warnings(d)
    assert any("nobody is scheduled at desk during part of the ticket hours (12:00-16:00)" in x for x in w), w
    assert any("every rostered shift ends by 12:00, before the last ticket at 16:00" in x for x in w), w


def test_percentage_multiplier_and_far_volume():
    d = _hall()
    d["arrivals"]["multipliers"] = [{"name": "spring", "factor": 112}]
    w = _warnings(d)
    assert any("arrivals.multipliers[0].factor" in x and "write 1.12" in x for x in w), w
    assert any(x.startswith("arrivals.daily_volume") and "times the" in x for x in w), w


def test_run_size_estimate():
    s = scenario_from_dict(_hall(), source="<t>")
    assert expected_citizens(s) == 96.0
    assert run_size_problem(s, 1000) is None
    problem = run_size_problem(s, 100_000, limit=1e6)
    assert "9,600,000 citizens" in problem and "--force" in problem
