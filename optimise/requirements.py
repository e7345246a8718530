"""Staff needed per planning period, station and skill: the front of three methods.

* ``sipp`` and ``time_varying``: :mod:`optimise.time_varying` (periods, drain
  periods, the split of a station's staff over its skills), on the demand and
  offered load of :mod:`optimise.offered_load` (Green, Kolesar & Whitt 2007);
* ``transient``: :mod:`optimise.transient` (the exact transient queue after
  each session start).

The requirements table itself is :class:`optimise.requirements_data.Requirements`.
"""

from __future__ import annotations

import numpy as np

from sim.clock import format_clock
from sim.metrics import interval_edges_min, interval_labels
from sim.scenario import Scenario

from .offered_load import (DT_MIN, Criteria, _criteria, _step_flows, appointment_mass,  # noqa: F401 (re-exported)
                           offered_load, offered_load_exponential, offered_load_general, staff_for_load, staff_search,
                           staff_series, survival, ticket_mass)
from .requirements_data import Requirements
from .time_varying import time_varying_requirements
from .transient import transient_requirements


def compute_requirements(scenario: Scenario, method: str = "time_varying", grid_min: int = 15,
                         opening_batch: bool = True, warm_search: bool = True) -> Requirements:
    """Offered load and staff needed per planning period of ``grid_min`` minutes.

    Periods are aligned to the clock and cover the ticket hours; a period
    partly outside them uses the part inside. Windows are not applied here
    (the MILP knows them). ``warm_search=False`` searches every period's
    staff from scratch (the slower reference; the same numbers).

    Examples
    --------
    >>> from pathlib import Path
    >>> from sim.loading import load_scenario
    >>> s = load_scenario(Path(__file__).parents[1] / "scenarios" / "county_hall.yaml")
    >>> sipp = compute_requirements(s, "sipp", grid_min=60)
    >>> sipp.pooled_staff["counter"].tolist()             # 08:00 .. 17:00, hourly
    [6, 5, 5, 4, 5, 5, 4, 3]
    >>> tv = compute_requirements(s, "time_varying", grid_min=60)
    >>> list(zip(tv.kinds()[3:6].tolist(), tv.pooled_staff["counter"][3:6].tolist()))  # 11:00, 12:00, 14:00
    [('ticket', 5), ('drain', 4), ('ticket', 7)]
    """
    if method == "transient":
        return transient_requirements(scenario, grid_min, warm_search=warm_search)
    return time_varying_requirements(scenario, method, grid_min, opening_batch, warm_search)


def interval_label(scenario: Scenario, interval_start_min: float) -> str:
    """The reporting label (``"08:30-09:00"``) of the interval starting at ``interval_start_min``."""
    edges = interval_edges_min(scenario)
    i = int(np.searchsorted(edges, interval_start_min, side="right") - 1)
    labels = interval_labels(scenario)
    return labels[i] if 0 <= i < len(labels) else format_clock(interval_start_min)
