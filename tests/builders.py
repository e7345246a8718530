"""Small scenarios built in code for the tests (no YAML needed).

``mmc_scenario`` is one station with ``servers`` identical staff on duty all
day, Poisson arrivals and exponential work: an M/M/c queue (M/M/c+M with
``patience_mean_min``). With ``warmup_min`` it is a steady-state run.
"""

from __future__ import annotations

import copy

from sim.clock import format_clock
from sim.loading import scenario_from_dict
from sim.scenario import Scenario


def mmc_dict(arrivals_per_min: float, mean_work_min: float, servers: int, *, open_min: float = 0.0,
             close_min: float = 1440.0, warmup_min: float = 0.0, patience_mean_min: float | None = None,
             classes: dict | None = None, replications: int = 10, seed: int = 1,
             work: dict | None = None) -> dict:
    """The scenario dictionary of an M/M/c (+M) queue open from ``open_min`` to ``close_min``."""
    start, end = format_clock(open_min), format_clock(close_min)
    data = {
        "name": "mmc",
        "hours": {"sessions": [{"start": start, "end": end}], "interval_min": 60, "hard_stop": end},
        "stations": {"desk": {"windows": servers}},
        "services": {"S": {"steps": [{"station": "desk", "work": work or {"dist": "exponential", "mean_min": mean_work_min}}]}},
        "arrivals": {"daily_volume": arrivals_per_min * (close_min - open_min),
                     "profile": [{"start": start, "end": end, "share": 1.0}], "mix": {"S": 1.0}},
        "staff_types": {"clerk": {"skills": {"S": 1.0}}},
        "shift_patterns": {"ALL": {"start": start, "end": end}},
        "roster": [{"staff_type": "clerk", "shift": "ALL", "station": "desk", "count": servers}],
        "calling": {"end_of_day": "send_home"},
        "experiment": {"replications": replications, "seed": seed, "warmup_min": warmup_min},
    }
    if patience_mean_min is not None:
        data["patience"] = {"dist": "exponential", "mean_min": patience_mean_min}
    if classes is not None:
        data["classes"] = classes
    return data


def mmc_scenario(*args, **kwargs) -> Scenario:
    """``mmc_dict`` validated into a ``Scenario``."""
    return scenario_from_dict(mmc_dict(*args, **kwargs), source="<mmc>")


def with_changes(data: dict, **changes) -> dict:
    """A deep copy of a scenario dictionary with top-level keys replaced."""
    out = copy.deepcopy(data)
    out.update(changes)
    return out
