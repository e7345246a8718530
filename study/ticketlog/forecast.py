"""Daily walk-in volume ahead: day of week x trend x named date effects, with a backtest.

Model (multiplicative, fitted by least squares on the log scale)::

    log N_d = a + b * weeks_d + sum_k w_k [weekday(d) = k] + sum_e g_e [d in effect e] + e_d

with e_d ~ Normal(0, s^2). Weekday factors are exp(w_k) scaled to average 1
over the weekdays seen; the trend is exp(b) - 1 per week; an effect
multiplies the day by exp(g_e). The 95% prediction interval of a new day
with regressors x is exp(x'beta +- t_{n-p} * s * sqrt(1 + x'(X'X)^-1 x)).

Named date effects (holidays, the first week after Spring Festival, month
end ...) come from a CSV ``date,name[,factor]``: an effect seen in the
history is estimated; one only in the future uses the ``factor`` given
(else 1, and the table says so).

The backtest holds out the last ``holdout_weeks`` weeks, fits the rest and
reports the mean absolute percentage error and the share of held-out days
inside their prediction interval. :mod:`.horizon_writer` feeds the forecast
into a scenario's horizon, one week scenario per forecast week.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .fitting import WEEKDAYS


def daily_counts(tickets: pd.DataFrame) -> pd.Series:
    """Walk-in tickets per date (index: ``datetime.date``), from :func:`fitting.tickets_of`."""
    walk = tickets[~tickets["appointment"]]
    counts = walk.groupby(walk["date"].dt.date).size()
    return counts.sort_index()


def read_effects(path: str | Path) -> dict[dt.date, tuple[str, float | None]]:
    """Named date effects from ``date,name[,factor]`` (a header line is optional)."""
    out = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f):
            if not row or row[0].strip().lower() == "date" or row[0].startswith("#"):
                continue
            day = dt.date.fromisoformat(row[0].strip())
            factor = float(row[2]) if len(row) > 2 and row[2].strip() else None
            out[day] = (row[1].strip(), factor)
    return out


@dataclass
class Forecast:
    table: pd.DataFrame        # date, weekday, forecast, lo, hi, effect
    weekday_factors: dict      # weekday -> factor (mean 1)
    trend_per_week: float
    effects: dict              # name -> factor (estimated)
    sigma: float               # residual sd on the log scale
    n_days: int

    def text(self) -> str:
        lines = [f"forecast from {self.n_days} days: trend {self.trend_per_week:+.1%} a week; weekday factors "
                 + ", ".join(f"{k[:3]} {v:.2f}" for k, v in self.weekday_factors.items())]
        if self.effects:
            lines.append("date effects (estimated): " + ", ".join(f"{k} x{v:.2f}" for k, v in self.effects.items()))
        lines.append("date        weekday    forecast  95% prediction interval  effect")
        for r in self.table.itertuples():
            lines.append(f"{r.date}  {r.weekday:<9} {r.forecast:9.1f}  {r.lo:8.1f} - {r.hi:<8.1f}       {r.effect}")
        lines.append("use: --scenario BASE writes one week scenario per forecast week, its days' volumes from this table")
        return "\n".join(lines)


def _design(dates, origin: dt.date, weekdays: list[int], names: list[str], effects: dict) -> np.ndarray:
    cols = [np.ones(len(dates)), np.array([(d - origin).days / 7.0 for d in dates])]
    for k in weekdays[1:]:
        cols.append(np.array([d.weekday() == k for d in dates], float))
    for name in names:
        cols.append(np.array([effects.get(d, ("", None))[0] == name for d in dates], float))
    return np.column_stack(cols)


def fit_and_forecast(counts: pd.Series, dates_ahead: list[dt.date], effects: dict | None = None) -> Forecast:
    """Fit the model to ``counts`` (date -> walk-ins) and forecast ``dates_ahead``."""
    effects = effects or {}
    dates = list(counts.index)
    y = np.log(np.maximum(counts.to_numpy(float), 0.5))
    weekdays = sorted({d.weekday() for d in dates})
    names = sorted({effects[d][0] for d in dates if d in effects})
    X = _design(dates, dates[0], weekdays, names, effects)
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    dof = max(len(y) - X.shape[1], 1)
    sigma = float(np.sqrt(np.sum((y - X @ beta) ** 2) / dof))
    xtx_inv = np.linalg.pinv(X.T @ X)
    w = np.r_[0.0, beta[2:2 + len(weekdays) - 1]]
    wf = np.exp(w) / np.exp(w).mean()
    estimated = {n: float(np.exp(beta[2 + len(weekdays) - 1 + i])) for i, n in enumerate(names)}
    ahead = [d for d in dates_ahead if d.weekday() in weekdays]
    Xa = _design(ahead, dates[0], weekdays, names, effects)
    mean = Xa @ beta
    half = stats.t.ppf(0.975, dof) * sigma * np.sqrt(1.0 + np.einsum("ij,jk,ik->i", Xa, xtx_inv, Xa))
    extra, notes = np.ones(len(ahead)), []
    for i, d in enumerate(ahead):
        name, factor = effects.get(d, ("", None))
        if name and name not in estimated:
            extra[i] = factor if factor is not None else 1.0
            notes.append(f"{name} (given x{factor})" if factor is not None else f"{name} (not in history: x1)")
        else:
            notes.append(name)
    table = pd.DataFrame({"date": [d.isoformat() for d in ahead], "weekday": [WEEKDAYS[d.weekday()] for d in ahead],
                          "forecast": np.exp(mean) * extra, "lo": np.exp(mean - half) * extra,
                          "hi": np.exp(mean + half) * extra, "effect": notes})
    return Forecast(table, {WEEKDAYS[k]: float(f) for k, f in zip(weekdays, wf)}, float(np.exp(beta[1]) - 1.0),
                    estimated, sigma, len(dates))


def forecast(counts: pd.Series, weeks: int = 4, effects: dict | None = None) -> Forecast:
    """Forecast the ``weeks`` weeks after the last date of ``counts`` (on the weekdays the hall opens)."""
    last = counts.index[-1]
    ahead = [last + dt.timedelta(days=i) for i in range(1, 7 * weeks + 1)]
    return fit_and_forecast(counts, ahead, effects)


@dataclass
class Backtest:
    table: pd.DataFrame   # date, actual, forecast, lo, hi
    mape: float
    coverage: float
    holdout_weeks: int

    def text(self) -> str:
        return (f"backtest on the last {self.holdout_weeks} weeks ({len(self.table)} days held out): mean absolute "
                f"percentage error {self.mape:.1%}, {self.coverage:.0%} of days inside the 95% prediction interval")


def backtest(counts: pd.Series, holdout_weeks: int = 2, effects: dict | None = None) -> Backtest:
    """Hold out the last ``holdout_weeks`` weeks, fit the rest, and score the forecast of the held-out days."""
    cut = counts.index[-1] - dt.timedelta(days=7 * holdout_weeks)
    train, test = counts[[d <= cut for d in counts.index]], counts[[d > cut for d in counts.index]]
    if len(train) < 10 or len(test) == 0:
        raise ValueError(f"a backtest needs at least 10 days before the last {holdout_weeks} weeks")
    fc = fit_and_forecast(train, list(test.index), effects)
    t = fc.table.set_index("date")
    actual = test.to_numpy(float)
    keys = [d.isoformat() for d in test.index]
    pred, lo, hi = t.loc[keys, "forecast"].to_numpy(), t.loc[keys, "lo"].to_numpy(), t.loc[keys, "hi"].to_numpy()
    table = pd.DataFrame({"date": keys, "actual": actual, "forecast": pred, "lo": lo, "hi": hi})
    return Backtest(table, float(np.mean(np.abs(pred - actual) / actual)),
                    float(np.mean((actual >= lo) & (actual <= hi))), holdout_weeks)
