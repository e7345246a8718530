"""KPI tables with fixed rows: the numbers of many replications as arrays, labelled into frames once.

A :class:`Table` of one replication holds label columns (``keys``: interval,
service type, station ...), the same in every replication of an experiment,
and numeric columns (``values``) with one number per row. An experiment
stores the numbers as ``replications x rows`` arrays and turns them into the
long pandas frames users see (``ExperimentResult.tables``, ``replications.csv``)
only when asked, with :func:`table_frame`: one row per replication and row,
the replication in column ``rep``, ratios derived from the sums
(``wait_mean_min = wait_sum_min / tickets``, ``sl_<id> = within_<id> / tickets`` or
``/ at_<id>`` (:func:`target_ratios`),
``utilisation = busy_min / on_duty_min``; NaN for a zero denominator). The
citizens table keeps only the groups present in a replication (at least one
measured citizen), as the per-day tables always did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ALL = "*"
DAY = "day"
# Per-citizen target columns summed per group (sim.metrics.target_columns): ``within_<id>`` citizens within the
# target, ``at_<id>`` citizens the target judges (else every ticketed citizen), ``sum_<id>_min`` minutes summed.
TARGET_PREFIXES = ("within_", "at_", "sum_")
_COUNTS = ("arrivals", "turned_away", "tickets", "served", "abandoned", "unserved", "balked")
_INTEGER = {"citizens": _COUNTS, "queue": ("queue_max",), "queue_grid": ("waiting",), "steps": ("visits", "unserved"),
            "appointments": ("booked", "no_shows", "arrived_on_time", "served", "called_within")}


@dataclass
class Table:
    """One replication's table: label columns and numeric columns, one entry per row."""

    keys: dict[str, np.ndarray]
    values: dict[str, np.ndarray]

    def stacked(self) -> dict[str, np.ndarray]:
        """The values as ``1 x rows`` arrays (the form :func:`table_frame` takes)."""
        return {k: v[None, :] for k, v in self.values.items()}


def target_ratios(columns) -> dict[str, tuple[str, str]]:
    """Ratio KPIs of the target columns among ``columns``: name -> (numerator, denominator).

    ``sl_<id> = within_<id> / at_<id>`` and ``mean_<id> = sum_<id>_min / at_<id>``,
    with ``tickets`` as the denominator when the target has no ``at_<id>``
    (it judges every ticketed citizen).
    """
    columns = list(columns)
    out = {}
    for c in columns:
        if c.startswith("within_"):
            tid, name = c[len("within_"):], "sl_" + c[len("within_"):]
        elif c.startswith("sum_") and c.endswith("_min"):
            tid = c[len("sum_"):-len("_min")]
            name = "mean_" + tid
        else:
            continue
        out[name] = (c, f"at_{tid}" if f"at_{tid}" in columns else "tickets")
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return num / np.where(den > 0, den, np.nan)


def table_frame(name: str, keys: dict[str, np.ndarray], values: dict[str, np.ndarray], reps: np.ndarray,
                ) -> pd.DataFrame:
    """The long frame of table ``name``: ``values`` are ``len(reps) x rows`` arrays (see the module docstring)."""
    n_reps = len(reps)
    n_rows = len(next(iter(keys.values()))) if keys else next(iter(values.values())).shape[1]
    keep = (values["arrivals"] > 0).ravel() if name == "citizens" else slice(None)
    out = {"rep": np.repeat(np.asarray(reps, dtype=np.int64), n_rows)[keep]}
    for k, v in keys.items():
        out[k] = np.tile(v, n_reps)[keep]
    order = list(values)
    if name == "citizens":
        within = [c for c in order if c.startswith(TARGET_PREFIXES)]
        order = [*_COUNTS, *within, "wait_sum_min", "wait_max_min", "time_in_system_sum_min",
                 "wait_p50_min", "wait_p90_min", "wait_p95_min"]
        integer = set(_COUNTS) | {c for c in within if not c.startswith("sum_")}
    else:
        integer = set(_INTEGER.get(name, ()))
    for c in order:
        v = values[c].ravel()[keep]
        out[c] = v.astype(np.int64) if c in integer else v
    if name == "citizens":
        tickets = out["tickets"]
        out["wait_mean_min"] = _ratio(out["wait_sum_min"], tickets)
        out["abandon_fraction"] = _ratio(out["abandoned"], tickets)
        out["time_in_system_mean_min"] = _ratio(out["time_in_system_sum_min"], out["served"])
        out["unserved_fraction"] = _ratio(out["unserved"], tickets)
        for name, (num, den) in target_ratios(within).items():
            out[name] = _ratio(out[num], out[den] if den != "tickets" else tickets)
    elif name in ("staff", "staff_interval"):
        out["utilisation"] = _ratio(out["busy_min"], out["on_duty_min"])
    return pd.DataFrame(out)
