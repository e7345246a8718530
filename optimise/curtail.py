"""Stochastic curtailment of the search's sequential check: stop simulating a move that cannot pass.

The local search (:mod:`optimise.search`) accepts a move when every target
holds on its 95% bound after ``N`` replications. It looks at the move earlier,
after ``n < N`` replications. This module says, at such a look, how likely the
move still is to pass at ``N``, using the incumbent roster simulated on the
same ``N`` days (common random numbers: replication ``j`` of every roster sees
the same citizens).

Why paired. The first ``n`` days are shared by every move, so when they happen
to be light every move looks good on them, and a prediction from the move's own
``n`` days is biased the same way for all (in the city office the first 20 days
read 0.97 for a share that is 0.95 over 100). The incumbent's ``N`` days are
known, and the difference between move and incumbent, day by day, is what the
first ``n`` days estimate well. So, for a target estimated as a ratio of sums
``R = sum(y) / sum(x)`` (every target is one: shares, mean waits, fractions):

* ``R_inc`` and its half-width ``h_inc`` over the incumbent's ``N`` days are known;
* the difference ``D = R_move - R_inc`` over the first ``n`` days is ``d_n`` with
  standard error ``se_d`` (paired delta method, :func:`sim.summary.paired_ratio_diff`);
* the predictive distribution of the difference over all ``N`` days, given the
  first ``n`` and a flat prior on the true difference, has mean ``d_n`` and
  standard deviation ``se_d sqrt((N - n) / N)`` (the ``N - n`` days to come
  plus the uncertainty of the mean; Spiegelhalter, Freedman & Blackburn 1986,
  "Monitoring clinical trials: conditional or predictive power?"), taken as a
  t with ``n - 1`` degrees of freedom because ``se_d`` is estimated;
* the move's half-width at ``N`` is ``h_inc`` scaled by the ratio of the move's
  and the incumbent's standard deviations on the first ``n`` days.

A target that must be at least ``g`` then holds at ``N`` with chance

    P = T_{n-1}( (R_inc + d_n - h_move - g) / (se_d sqrt((N - n) / N)) )

(mirrored for a target that must be at most ``g``). The move passes only when
every target holds, and ``P(every target) <= min over targets of P`` (Frechet's
bound, whatever the correlation between targets), so the move's chance is at
most that of its least likely target. The search stops simulating a move when
this bound is below the futility threshold (``futility``, default 0.05). The
prediction is an estimate, so a move stopped so is reported as stopped early,
with its chance, never as one that broke a target.

Targets without an interval (too few tickets, a ceiling of 0) get chance 1:
nothing is stopped on them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import stdtr, stdtrit

from sim.experiment import ExperimentResult
from sim.summary import CONFIDENCE, RATIOS, paired_ratio_diff, target_metric
from sim.tables import ALL, DAY, target_ratios


def _rows(result: ExperimentResult, scope: str) -> np.ndarray:
    """Column indices of the all-types, all-classes rows of the citizens arrays a target of ``scope`` judges."""
    k = result.store.keys["citizens"]
    overall = (k["service_type"] == ALL) & (k["class"] == ALL)
    inside = k["interval"] == DAY if scope == "day" else (k["interval"] != DAY) & (k["interval"] != "after")
    return np.flatnonzero(overall & inside)


def _sd(y: np.ndarray, x: np.ndarray) -> float:
    """Per-replication standard deviation of a ratio of sums (delta method), NaN without data."""
    if len(x) < 2 or x.sum() <= 0:
        return np.nan
    r = y.sum() / x.sum()
    return float(np.std((y - r * x) / x.mean(), ddof=1))


def pass_chances(move: ExperimentResult, incumbent: ExperimentResult, n_final: int) -> pd.DataFrame:
    """Every target of ``move`` (simulated on its first ``n`` days) with its chance of holding at ``n_final``.

    ``incumbent`` is another roster of the same hall on the same seed, simulated on at least ``n_final``
    days. Columns: target, interval, goal, estimate (at ``n``), predicted (at ``n_final``), chance.
    """
    n = move.replications
    vm, vi = move.store.values["citizens"], incumbent.store.values["citizens"]
    ratios = {**RATIOS, **target_ratios(vm)}
    t_n = stdtrit(max(n - 1, 1), 0.5 + CONFIDENCE / 2)
    t_final = stdtrit(n_final - 1, 0.5 + CONFIDENCE / 2)
    rows = []
    for target in move.scenario.checked_targets:
        num, den = ratios[target_metric(target)]
        cols = _rows(move, target.scope)
        labels = move.store.keys["citizens"]["interval"][cols]
        same = np.array_equal(cols, _rows(incumbent, target.scope))
        for j, label in zip(cols, labels):
            ym, xm = vm[num][:n, j].astype(float), vm[den][:n, j].astype(float)
            yi, xi = vi[num][:, j].astype(float), vi[den][:, j].astype(float)
            estimate = ym.sum() / xm.sum() if xm.sum() > 0 else np.nan
            chance, predicted = 1.0, np.nan
            flat = not target.higher_is_better and target.goal == 0
            if same and n >= 2 and n < n_final and len(xi) >= n_final and not flat and xi[:n_final].sum() > 0:
                d, lo, hi = paired_ratio_diff(yi[:n], xi[:n], ym, xm)
                r_inc = yi[:n_final].sum() / xi[:n_final].sum()
                sd_m, sd_i, sd_final = _sd(ym, xm), _sd(yi[:n], xi[:n]), _sd(yi[:n_final], xi[:n_final])
                half = t_final * sd_final / np.sqrt(n_final) * (sd_m / sd_i if sd_i > 0 else 1.0)
                predicted = r_inc + d
                margin = (predicted - half - target.goal) if target.higher_is_better else \
                    (target.goal - predicted - half)
                spread = (hi - lo) / 2 / t_n * np.sqrt((n_final - n) / n_final)
                if np.isfinite(margin) and np.isfinite(spread):
                    chance = float(stdtr(n - 1, margin / spread)) if spread > 0 else float(margin >= 0)
            rows.append({"target": target.id, "interval": label, "goal": target.goal,
                         "higher_is_better": target.higher_is_better, "estimate": estimate,
                         "predicted": predicted, "chance": chance})
    return pd.DataFrame(rows, columns=["target", "interval", "goal", "higher_is_better", "estimate", "predicted",
                                       "chance"])


def least_likely(move: ExperimentResult, incumbent: ExperimentResult, n_final: int) -> dict:
    """The target of ``move`` least likely to hold at ``n_final``, with its chance (see :func:`pass_chances`).

    The chance bounds the move's chance of holding every target from above. Empty without targets.
    """
    t = pass_chances(move, incumbent, n_final)
    if t.empty:
        return {}
    r = t.iloc[int(np.argmin(t["chance"].to_numpy()))]
    return {"target": r["target"], "interval": r["interval"], "estimate": float(r["estimate"]),
            "predicted": float(r["predicted"]), "goal": float(r["goal"]), "chance": float(r["chance"])}
