"""The planning periods of one day of the week and which shift patterns are on duty in them.

A period counts a pattern on duty (``full``) when the pattern works through the part of the period
inside the ticket hours (the whole period outside them), as in :mod:`optimise.shifts`; ``anyc`` when
it works at some moment of the period (a window is taken).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.scenario import Scenario

from .days import DayPlan


@dataclass
class DayGrid:
    """The planning periods of one day and which patterns are on duty in them."""

    periods: np.ndarray
    ticket_idx: list[int]                  # periods in the ticket hours
    req_idx: list[int]                     # periods of the requirement (same order as req.period_start_min)
    full: dict[str, np.ndarray]
    anyc: dict[str, np.ndarray]


def _active(scenario: Scenario, p: float, grid: float):
    h = scenario.hours
    spans = [(s.start, min(s.end, h.last_ticket_min)) for s in h.sessions if s.start < h.last_ticket_min]
    parts = [(max(a, p), min(b, p + grid)) for a, b in spans if a < p + grid and p < b]
    return (min(a for a, _ in parts), max(b for _, b in parts)) if parts else None


def day_grid(plan: DayPlan) -> DayGrid:
    scenario, grid = plan.scenario, float(plan.settings.grid_min)
    req_periods = [float(p) for p in plan.req.period_start_min] if plan.req is not None else []
    h = scenario.hours
    starts = [o.pattern.start for o in plan.patterns] + req_periods + [h.open_min]
    ends = [o.pattern.end for o in plan.patterns] + [p + grid for p in req_periods] + [h.last_ticket_min]
    periods = np.arange(math.floor(min(starts) / grid) * grid, math.ceil(max(ends) / grid) * grid, grid)
    active = {float(p): _active(scenario, float(p), grid) for p in periods}
    full, anyc = {}, {}
    for o in plan.patterns:
        work = o.pattern.work_periods_min()
        f = np.zeros(len(periods), dtype=int)
        a = np.zeros(len(periods), dtype=int)
        for i, p in enumerate(periods):
            lo, hi = active[float(p)] or (p, p + grid)
            f[i] = any(s <= lo + 1e-9 and hi <= e + 1e-9 for s, e in work)
            a[i] = any(s < p + grid - 1e-9 and p < e - 1e-9 for s, e in work)
        full[o.name], anyc[o.name] = f, a
    index = {float(p): i for i, p in enumerate(periods)}
    return DayGrid(periods, [i for i, p in enumerate(periods) if active[float(p)] is not None],
                   [index[p] for p in req_periods], full, anyc)


