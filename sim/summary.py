"""Across replications: means with t-based 95% confidence intervals.

Counts per day (arrivals, served ...) are averaged over replications, with a
replication that had none counting as zero. Ratios (service level, mean wait,
abandonment fraction, utilisation) are estimated as the sum of the
numerators over the sum of the denominators across replications, with the
delta-method standard error

    R = sum(y) / sum(x),   se(R) = sqrt( sum((y_i - R x_i)^2) / (n (n - 1)) ) / mean(x),

and a t interval with n - 1 degrees of freedom. Percentiles and maxima are
averaged over the replications that had citizens, with a t interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .metrics import ALL, COUNT_COLUMNS, DAY, TARGET_PREFIXES
from .scenario import Scenario

CONFIDENCE = 0.95


def _t(n: int) -> float:
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) if n > 1 else np.nan


def mean_ci(values) -> tuple[float, float, float]:
    """Mean of per-replication values with its t-based 95% interval.

    Examples
    --------
    >>> m, lo, hi = mean_ci([1.0, 2.0, 3.0])
    >>> m, round(lo, 3), round(hi, 3)
    (2.0, -0.484, 4.484)
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return np.nan, np.nan, np.nan
    m = float(v.mean())
    if n == 1:
        return m, np.nan, np.nan
    half = _t(n) * float(v.std(ddof=1)) / np.sqrt(n)
    return m, m - half, m + half


def ratio_ci(numerators, denominators) -> tuple[float, float, float]:
    """Ratio-of-sums estimate with its delta-method t interval (see module docstring).

    Examples
    --------
    >>> r, lo, hi = ratio_ci([8, 9, 7, 8], [10, 10, 10, 10])
    >>> r, lo < r < hi
    (0.8, True)
    """
    y = np.asarray(numerators, dtype=float)
    x = np.asarray(denominators, dtype=float)
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return np.nan, np.nan, np.nan
    r = float(y.sum() / x.sum())
    if n == 1:
        return r, np.nan, np.nan
    se = np.sqrt(((y - r * x) ** 2).sum() / (n * (n - 1))) / x.mean()
    half = _t(n) * se
    return r, r - half, r + half


def _complete(frame: pd.DataFrame, keys: list[str], reps: np.ndarray, fill: dict) -> pd.DataFrame:
    """Give every group a row in every replication (missing counts are zeros)."""
    groups = frame[keys].drop_duplicates()
    full = groups.merge(pd.DataFrame({"rep": reps}), how="cross")
    out = full.merge(frame, on=keys + ["rep"], how="left")
    return out.fillna(fill)


RATIOS = {"wait_mean_min": ("wait_sum_min", "tickets"), "abandon_fraction": ("abandoned", "tickets"),
          "unserved_fraction": ("unserved", "tickets"),
          "time_in_system_mean_min": ("time_in_system_sum_min", "served")}
AVERAGED = ("wait_p50_min", "wait_p90_min", "wait_p95_min", "wait_max_min")


def summarise_citizens(frame: pd.DataFrame, reps: np.ndarray) -> pd.DataFrame:
    """Summary of :func:`sim.metrics.citizen_kpis` rows over replications.

    Each metric ``m`` gets columns ``m``, ``m_lo`` and ``m_hi``.
    """
    keys = ["interval", "interval_start_min", "service_type", "class"]
    frame = frame.assign(interval_start_min=frame["interval_start_min"].fillna(-1.0))
    within = [c for c in frame.columns if c.startswith(TARGET_PREFIXES)]
    sums = list(COUNT_COLUMNS) + ["wait_sum_min", "time_in_system_sum_min"] + within
    full = _complete(frame, keys, reps, {c: 0 for c in sums})
    ratios = dict(RATIOS)
    for w in within:   # target shares and means over the citizens each target judges (at_<id>, else tickets)
        if w.startswith(("within_", "sum_")):
            tid = w[len("within_"):] if w.startswith("within_") else w[len("sum_"):-len("_min")]
            den = f"at_{tid}" if f"at_{tid}" in frame.columns else "tickets"
            ratios[("sl_" if w.startswith("within_") else "mean_") + tid] = (w, den)
    rows = []
    for key, g in full.groupby(keys, sort=False):
        row = dict(zip(keys, key))
        row["replications"] = len(g)
        for c in COUNT_COLUMNS:
            row[c], row[c + "_lo"], row[c + "_hi"] = mean_ci(g[c])
        for name, (num, den) in ratios.items():
            row[name], row[name + "_lo"], row[name + "_hi"] = ratio_ci(g[num], g[den])
        for c in AVERAGED:
            row[c], row[c + "_lo"], row[c + "_hi"] = mean_ci(g[c])
        rows.append(row)
    out = pd.DataFrame(rows)
    out["interval_start_min"] = out["interval_start_min"].replace(-1.0, np.nan)
    # An interval is intersected with the range the quantity can take.
    bounded = [c for c in out.columns if c.endswith(("_lo", "_hi"))]
    fractions = [c for c in bounded if c.startswith(("sl_", "abandon_fraction", "unserved_fraction"))]
    out[bounded] = out[bounded].clip(lower=0.0)
    out[fractions] = out[fractions].clip(upper=1.0)
    return out.sort_values(["service_type", "class", "interval_start_min"], na_position="first",
                           key=lambda s: s if s.dtype != object else s.map(lambda v: (v != ALL, v)),
                           ).reset_index(drop=True)


def summarise_staff(frame: pd.DataFrame, reps: np.ndarray) -> pd.DataFrame:
    """Utilisation (ratio of sums), overtime and cost (means) per staff type and station."""
    rows = []
    for (stype, station), g in frame.groupby(["staff_type", "station"], sort=False):
        g = g.set_index("rep").reindex(reps, fill_value=0)
        row = {"staff_type": stype, "station": station, "staff": g["staff"].mean()}
        row["utilisation"], row["utilisation_lo"], row["utilisation_hi"] = ratio_ci(g["busy_min"], g["on_duty_min"])
        row["utilisation_lo"], row["utilisation_hi"] = max(row["utilisation_lo"], 0.0), min(row["utilisation_hi"], 1.0)
        row["staffed_share"], row["staffed_share_lo"], row["staffed_share_hi"] = ratio_ci(g["staffed_min"],
                                                                                         g["scheduled_min"])
        for c in ("overtime_min", "cost", "paid_hours", "on_duty_min", "scheduled_min", "staffed_min", "absent"):
            row[c], row[c + "_lo"], row[c + "_hi"] = mean_ci(g[c])
        rows.append(row)
    return pd.DataFrame(rows)


def summarise_steps(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean wait per step (ratio of sums over replications, with its interval) and visits per day."""
    rows = []
    for (code, step, station, skill), g in frame.groupby(["service_type", "step", "station", "skill"], sort=False):
        row = {"service_type": code, "step": step, "station": station, "skill": skill}
        row["visits"], row["visits_lo"], row["visits_hi"] = mean_ci(g["visits"])
        row["wait_mean_min"], row["wait_mean_min_lo"], row["wait_mean_min_hi"] = ratio_ci(g["wait_sum_min"], g["visits"])
        row["unserved"] = g["unserved"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def summarise_appointments(frame: pd.DataFrame) -> pd.DataFrame:
    """Booked, no-shows and on-time arrivals per day; share called within the promise of the slot."""
    row = {}
    for c in ("booked", "no_shows", "arrived_on_time", "served"):
        row[c], row[c + "_lo"], row[c + "_hi"] = mean_ci(frame[c])
    row["called_within_share"], row["called_within_share_lo"], row["called_within_share_hi"] = ratio_ci(
        frame["called_within"], frame["arrived_on_time"])
    row["wait_mean_min"], row["wait_mean_min_lo"], row["wait_mean_min_hi"] = ratio_ci(
        frame["wait_sum_min"], frame["arrived_on_time"])
    return pd.DataFrame([row])


def summarise_by_interval(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Mean and t interval of ``columns`` per group of ``keys`` (e.g. queue length per interval)."""
    rows = []
    for key, g in frame.groupby(keys, sort=True):
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        for c in columns:
            row[c], row[c + "_lo"], row[c + "_hi"] = mean_ci(g[c])
        rows.append(row)
    return pd.DataFrame(rows)


def target_metric(target) -> str:
    """The KPI column of :func:`summarise_citizens` that judges ``target`` (see :func:`sim.metrics.target_columns`)."""
    kind, tid = target.kind, target.id
    if kind == "service_level":
        return "sl_" + tid
    if kind == "mean_wait":
        return "wait_mean_min" if target.station is None and target.step == "first" else "mean_" + tid
    if kind == "time_in_hall":
        return "time_in_system_mean_min" if target.fraction is None else "sl_" + tid
    return {"max_abandonment": "abandon_fraction", "max_unserved": "unserved_fraction"}[kind]


def target_status(citizens_summary: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Every target in every interval it applies to: estimate, interval, and whether it is met.

    The targets are ``scenario.checked_targets`` (the scenario's, and the
    implicit unserved limit). ``met`` compares the point estimate with the
    target; ``met_confident`` requires the whole 95% interval to be on the
    right side (the lower bound of a share that must be high, the upper bound
    of a mean or a share that must be low). A ceiling of 0 (nobody unserved)
    is met with confidence only when no replication had anyone unserved.
    """
    overall = citizens_summary[(citizens_summary["service_type"] == ALL) & (citizens_summary["class"] == ALL)]
    rows = []
    for t in scenario.checked_targets:
        if t.scope == "day":
            scope = overall[overall["interval"] == DAY]
        else:
            scope = overall[(overall["interval"] != DAY) & (overall["interval"] != "after")]
        metric, goal, higher_is_better = target_metric(t), t.goal, t.higher_is_better
        for _, r in scope.iterrows():
            est, lo, hi = r.get(metric, np.nan), r.get(metric + "_lo", np.nan), r.get(metric + "_hi", np.nan)
            if np.isnan(est):
                continue
            met = est >= goal if higher_is_better else est <= goal + 1e-12
            bound = lo if higher_is_better else hi
            if not higher_is_better and goal == 0 and est == 0:
                bound = 0.0                         # no replication had any: the interval is degenerate
            confident = bool(met and not np.isnan(bound) and (bound >= goal if higher_is_better else bound <= goal + 1e-12))
            rows.append({"target": t.id, "kind": t.kind, "interval": r["interval"],
                         "interval_start_min": r["interval_start_min"], "goal": goal, "estimate": est,
                         "lo": lo, "hi": hi, "tickets": r["tickets"], "met": bool(met), "met_confident": confident,
                         "higher_is_better": higher_is_better})
    return pd.DataFrame(rows, columns=["target", "kind", "interval", "interval_start_min", "goal", "estimate",
                                       "lo", "hi", "tickets", "met", "met_confident", "higher_is_better"])
