"""Reporting intervals: clock-aligned slots of ``hours.interval_min`` from opening to the last ticket.

Intervals are multiples of ``interval_min`` since midnight; the first is the
one holding opening, the last the one holding the last-ticket time. Labels
are clipped to the ticket hours (a hall opening at 08:30 has ``08:30-09:00``).
"""

from __future__ import annotations

import math

import numpy as np

from .clock import format_clock
from .scenario import Scenario


def interval_edges_min(scenario: Scenario) -> np.ndarray:
    """Edges of the reporting intervals, from the one holding opening to the one holding the last ticket."""
    step = scenario.hours.interval_min
    first = math.floor(scenario.hours.open_min / step) * step
    last = math.ceil(scenario.hours.last_ticket_min / step) * step
    return np.arange(first, max(last, first + step) + step / 2, step, dtype=float)


def interval_labels(scenario: Scenario) -> list[str]:
    """``"08:30-09:00"`` style labels, clipped to the ticket hours."""
    edges = interval_edges_min(scenario)
    lo, hi = scenario.hours.open_min, scenario.hours.last_ticket_min
    return [f"{format_clock(max(a, lo))}-{format_clock(min(b, hi))}" for a, b in zip(edges[:-1], edges[1:])]
