"""Across replications: means with t-based 95% confidence intervals.

Counts per day (arrivals, served ...) are averaged over replications, with a
replication that had none counting as zero. Ratios (service level, mean wait,
abandonment fraction, utilisation) are estimated as the sum of the
numerators over the sum of the denominators across replications, with the
delta-method standard error

    R = sum(y) / sum(x),   se(R) = sqrt( sum((y_i - R x_i)^2) / (n (n - 1)) ) / mean(x),

and a t interval with n - 1 degrees of freedom. Maxima are averaged over the
replications that had citizens, with a t interval. Wait percentiles are
pooled quantiles of every wait of every replication (:mod:`sim.histogram`),
not means of the days' percentiles (which read high near the no-wait atom).

The summaries work on ``replications x rows`` arrays (:mod:`sim.accumulate`),
one vectorised pass per column, never on per-day frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # the t quantile scipy.stats.t.ppf uses, without importing scipy.stats

from . import histogram
from .scenario import Scenario
from .metrics import COUNT_COLUMNS
from .tables import ALL, DAY, target_ratios

CONFIDENCE = 0.95


def _t(n: int) -> float:
    return float(stdtrit(n - 1, 0.5 + CONFIDENCE / 2)) if n > 1 else np.nan


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


def _t_rows(n: np.ndarray) -> np.ndarray:
    n = np.asarray(n)
    return np.where(n > 1, stdtrit(np.maximum(n - 1, 1), 0.5 + CONFIDENCE / 2), np.nan)


def mean_ci_rows(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`mean_ci` of every column of a ``replications x rows`` array (NaNs left out)."""
    v = np.ascontiguousarray(np.asarray(values, dtype=float).T)  # rows x replications: sums along memory
    rows, n = v.shape
    m, lo, hi = np.full(rows, np.nan), np.full(rows, np.nan), np.full(rows, np.nan)
    gaps = np.isnan(v).any(axis=1)
    full = ~gaps
    if n > 0 and full.any():
        w = v[full]
        m[full] = w.mean(axis=1)
        if n > 1:
            half = _t_rows(np.array([n]))[0] * w.std(axis=1, ddof=1) / np.sqrt(n)
            lo[full], hi[full] = m[full] - half, m[full] + half
    for i in np.flatnonzero(gaps):
        m[i], lo[i], hi[i] = mean_ci(v[i])
    return m, lo, hi


def ratio_ci_rows(numerators: np.ndarray, denominators: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`ratio_ci` of every column of two ``replications x rows`` arrays."""
    y = np.ascontiguousarray(np.asarray(numerators, dtype=float).T)
    x = np.ascontiguousarray(np.asarray(denominators, dtype=float).T)
    n = x.shape[1]
    sx = x.sum(axis=1)
    ok = sx > 0
    r = np.full(len(sx), np.nan)
    r[ok] = y[ok].sum(axis=1) / sx[ok]
    lo, hi = np.full(len(sx), np.nan), np.full(len(sx), np.nan)
    if n > 1 and ok.any():
        se = np.sqrt(((y[ok] - r[ok, None] * x[ok]) ** 2).sum(axis=1) / (n * (n - 1))) / x[ok].mean(axis=1)
        half = _t_rows(np.array([n]))[0] * se
        lo[ok], hi[ok] = r[ok] - half, r[ok] + half
    return r, lo, hi


def _put(row: dict, name: str, triple) -> None:
    row[name], row[name + "_lo"], row[name + "_hi"] = triple


RATIOS = {"wait_mean_min": ("wait_sum_min", "tickets"), "abandon_fraction": ("abandoned", "tickets"),
          "unserved_fraction": ("unserved", "tickets"),
          "time_in_system_mean_min": ("time_in_system_sum_min", "served")}
POOLED = {"wait_p50_min": 0.5, "wait_p90_min": 0.9, "wait_p95_min": 0.95}


def summarise_citizens(keys: dict[str, np.ndarray], values: dict[str, np.ndarray],
                       wait_hist: np.ndarray) -> pd.DataFrame:
    """Summary over replications of the citizens table (``replications x rows`` arrays, see :mod:`sim.tables`).

    Each metric ``m`` gets columns ``m``, ``m_lo`` and ``m_hi``. Counts:
    means (a replication without the group counts zeros); ratios: ratio of
    sums (module docstring); ``wait_max_min``: mean of the days' maxima.
    ``wait_p50_min``, ``wait_p90_min``, ``wait_p95_min``: pooled quantiles of
    all the group's waits over all replications (:mod:`sim.histogram`), with
    no interval (their ``_lo`` and ``_hi`` are NaN).
    """
    present = (values["arrivals"] > 0).any(axis=0)
    v = {c: a[:, present] for c, a in values.items()}
    ratios = dict(RATIOS)
    ratios.update(target_ratios(values))
    out = {k: a[present] for k, a in keys.items()}
    out["replications"] = np.full(int(present.sum()), values["arrivals"].shape[0])
    for c in COUNT_COLUMNS:
        _put(out, c, mean_ci_rows(v[c]))
    for name, (num, den) in ratios.items():
        _put(out, name, ratio_ci_rows(v[num], v[den]))
    pooled = histogram.quantiles(wait_hist[present], list(POOLED.values()))
    nan = np.full(int(present.sum()), np.nan)
    for j, name in enumerate(POOLED):
        _put(out, name, (pooled[:, j], nan, nan))
    _put(out, "wait_max_min", mean_ci_rows(v["wait_max_min"]))
    out = pd.DataFrame(out)
    # An interval is intersected with the range the quantity can take.
    bounded = [c for c in out.columns if c.endswith(("_lo", "_hi"))]
    fractions = [c for c in bounded if c.startswith(("sl_", "abandon_fraction", "unserved_fraction"))]
    out[bounded] = out[bounded].clip(lower=0.0)
    out[fractions] = out[fractions].clip(upper=1.0)
    return out.sort_values(["service_type", "class", "interval_start_min"], na_position="first",
                           key=lambda s: s if s.dtype != object else s.map(lambda v: (v != ALL, v)),
                           ).reset_index(drop=True)


def summarise_staff(keys: dict[str, np.ndarray], values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Utilisation (ratio of sums), overtime and cost (means) per staff type and station."""
    out = dict(keys)
    out["staff"] = np.ascontiguousarray(values["staff"].T).mean(axis=1)
    u, u_lo, u_hi = ratio_ci_rows(values["busy_min"], values["on_duty_min"])
    _put(out, "utilisation", (u, np.maximum(u_lo, 0.0), np.minimum(u_hi, 1.0)))
    _put(out, "staffed_share", ratio_ci_rows(values["staffed_min"], values["scheduled_min"]))
    for c in ("overtime_min", "cost", "paid_hours", "on_duty_min", "scheduled_min", "staffed_min", "absent"):
        _put(out, c, mean_ci_rows(values[c]))
    return pd.DataFrame(out)


def summarise_steps(keys: dict[str, np.ndarray], values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Mean wait per step (ratio of sums over replications, with its interval) and visits per day."""
    out = dict(keys)
    _put(out, "visits", mean_ci_rows(values["visits"]))
    _put(out, "wait_mean_min", ratio_ci_rows(values["wait_sum_min"], values["visits"]))
    out["unserved"] = np.ascontiguousarray(values["unserved"].T).mean(axis=1)
    return pd.DataFrame(out)


def summarise_appointments(values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Booked, no-shows and on-time arrivals per day; share called within the promise of the slot."""
    row = {}
    for c in ("booked", "no_shows", "arrived_on_time", "served"):
        _put(row, c, mean_ci(values[c][:, 0]))
    _put(row, "called_within_share", ratio_ci(values["called_within"][:, 0], values["arrived_on_time"][:, 0]))
    _put(row, "wait_mean_min", ratio_ci(values["wait_sum_min"][:, 0], values["arrived_on_time"][:, 0]))
    return pd.DataFrame([row])


def summarise_by_interval(keys: dict[str, np.ndarray], values: dict[str, np.ndarray], key_names: list[str],
                          columns: list[str]) -> pd.DataFrame:
    """Mean and t interval of ``columns`` per row, sorted by ``key_names`` (e.g. queue length per interval)."""
    out = {k: keys[k] for k in key_names}
    for c in columns:
        _put(out, c, mean_ci_rows(values[c]))
    return pd.DataFrame(out).sort_values(key_names, kind="mergesort").reset_index(drop=True)


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


def paired_ratio_diff(y_a, x_a, y_b, x_b) -> tuple[float, float, float]:
    """``sum(y_b)/sum(x_b) - sum(y_a)/sum(x_a)`` with a paired delta-method 95% t interval.

    Paired over replications on common random numbers: the interval is that of the mean of
    ``z = (y_b - r_b x_b) / mean(x_b) - (y_a - r_a x_a) / mean(x_a)``.

    Examples
    --------
    >>> d, lo, hi = paired_ratio_diff([8, 9, 7], [10, 10, 10], [8, 9, 7], [10, 10, 10])
    >>> d, lo, hi
    (0.0, 0.0, 0.0)
    """
    y_a, x_a, y_b, x_b = (np.asarray(v, dtype=float) for v in (y_a, x_a, y_b, x_b))
    if x_a.sum() <= 0 or x_b.sum() <= 0:
        return np.nan, np.nan, np.nan
    r_a, r_b = y_a.sum() / x_a.sum(), y_b.sum() / x_b.sum()
    z = (y_b - r_b * x_b) / x_b.mean() - (y_a - r_a * x_a) / x_a.mean()
    _, lo, hi = mean_ci(z)
    d = float(r_b - r_a)
    return d, float(d + lo), float(d + hi)
