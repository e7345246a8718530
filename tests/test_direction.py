"""Direction tests with common random numbers: the model moves the way queues must.

* One more staff member (same seeds, so the same citizens bring the same
  work) never raises the mean wait, averaged over replications.
* More demand (daily volume x 1.3) never lowers the mean wait, averaged over
  replications.

The quantity is the day's ``wait_mean_min`` (all service types and classes,
censored waits included) of each replication, averaged over replications.
Only the average is asserted: a single replication can, rarely, go the other
way (a different call order), so per-replication pairs are only reported in
the message.

Adding a staff member at a station whose windows are all staffed needs a
window too (``sim.checks`` rejects more staff on duty than windows), so the
station gets one more window with the extra person.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.experiment import run_experiment
from sim.loading import ScenarioError, scenario_from_dict
from tests.builders import mmc_dict

ROOT = Path(__file__).resolve().parents[1]
REPLICATIONS = 30
SEED = 20261125


def _county() -> dict:
    with open(ROOT / "scenarios" / "county_hall.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _mmc() -> dict:
    return mmc_dict(0.5, 5.0, 3, open_min=480, close_min=960)


def _mmc_classes_patience() -> dict:
    return mmc_dict(0.5, 5.0, 3, open_min=480, close_min=960, patience_mean_min=20.0,
                    classes={"green": {"priority": 0, "share": 0.2}, "normal": {"priority": 1, "share": 0.8}})


def _split_day() -> dict:
    """Two service types, two skills, a lunch break, specialists and a generalist, serve until empty."""
    return {
        "name": "split",
        "hours": {"sessions": [{"start": "08:30", "end": "12:00"}, {"start": "13:30", "end": "17:00"}],
                  "hard_stop": "18:00"},
        "stations": {"counter": {"windows": 4}},
        "services": {"A": {"steps": [{"station": "counter", "work": {"dist": "lognormal", "mean_min": 6, "cv": 0.6}}]},
                     "B": {"steps": [{"station": "counter", "work": {"dist": "gamma", "mean_min": 10, "cv": 0.8}}]}},
        "arrivals": {"daily_volume": 150,
                     "profile": [{"start": "08:30", "end": "12:00", "share": 0.6},
                                 {"start": "12:00", "end": "17:00", "share": 0.4}],
                     "mix": {"A": 0.6, "B": 0.4}},
        "patience": {"dist": "lognormal", "mean_min": 45, "cv": 0.5},
        "staff_types": {"a_only": {"skills": {"A": 1.0}}, "b_only": {"skills": {"B": 1.0}},
                        "both": {"skills": {"B": 1.0, "A": 1.2}}},
        "shift_patterns": {"DAY": {"start": "08:30", "end": "17:00", "breaks": [{"start": "12:00", "end": "13:30"}]}},
        "roster": [{"staff_type": "a_only", "shift": "DAY", "station": "counter", "count": 1},
                   {"staff_type": "b_only", "shift": "DAY", "station": "counter", "count": 1},
                   {"staff_type": "both", "shift": "DAY", "station": "counter", "count": 1}],
        "calling": {"rule": "primary_skill_first", "idle_choice": "least_flexible", "end_of_day": "serve_until_empty"},
    }


def _add_staff(data: dict, entry: int) -> dict:
    """One more person on roster entry ``entry``, and one more window at its station."""
    out = copy.deepcopy(data)
    out["roster"][entry]["count"] += 1
    out["stations"][out["roster"][entry]["station"]]["windows"] += 1
    return out


def _scale_demand(data: dict, factor: float) -> dict:
    out = copy.deepcopy(data)
    out["arrivals"]["daily_volume"] *= factor
    return out


def _day_waits(data: dict) -> np.ndarray:
    """The day's mean wait of each replication, in replication order."""
    result = run_experiment(scenario_from_dict(data), replications=REPLICATIONS, seed=SEED)
    c = result.tables["citizens"]
    day = c[(c["interval"] == "day") & (c["service_type"] == "*") & (c["class"] == "*")].sort_values("rep")
    assert list(day["rep"]) == list(range(REPLICATIONS))
    return day["wait_mean_min"].to_numpy(dtype=float)


# name -> (scenario dict, roster entry that gets one more person)
CASES = {
    "mmc": (_mmc, 0),
    "mmc_classes_patience": (_mmc_classes_patience, 0),
    "split_day_generalist": (_split_day, 2),
    "split_day_specialist": (_split_day, 1),
    "county_hall_police_counter": (_county, 0),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_more_staff_member_never_raises_the_mean_wait(case):
    build, entry = CASES[case]
    base = build()
    before, after = _day_waits(base), _day_waits(_add_staff(base, entry))
    worse = int((after > before + 1e-9).sum())
    assert after.mean() <= before.mean() + 1e-9, (
        f"{case}: one more {base['roster'][entry]['staff_type']} raised the mean wait from {before.mean():.3f} "
        f"to {after.mean():.3f} min ({worse} of {REPLICATIONS} replications worse)")


DEMAND_CASES = {"mmc": _mmc, "mmc_classes_patience": _mmc_classes_patience, "split_day": _split_day,
                "county_hall": _county}


@pytest.mark.parametrize("case", list(DEMAND_CASES))
def test_more_demand_never_lowers_the_mean_wait(case):
    base = DEMAND_CASES[case]()
    before, after = _day_waits(base), _day_waits(_scale_demand(base, 1.3))
    better = int((after < before - 1e-9).sum())
    assert after.mean() >= before.mean() - 1e-9, (
        f"{case}: 30% more demand lowered the mean wait from {before.mean():.3f} to {after.mean():.3f} min "
        f"({better} of {REPLICATIONS} replications better)")


def test_county_hall_needs_a_window_for_one_more_police_officer():
    """The counter has 6 windows and 6 staff: a 7th on duty without a 7th window is a roster error."""
    data = _county()
    data["roster"][0]["count"] += 1
    with pytest.raises(ScenarioError, match="windows"):
        scenario_from_dict(data)
    scenario_from_dict(_add_staff(_county(), 0))
