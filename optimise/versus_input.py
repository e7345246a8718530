"""The optimised roster against the planner's own, on the same verification seeds (common random numbers).

The scenario's input roster is simulated on the verification seed and
replications of the optimised roster, so replication ``r`` of both saw the
same citizens (work and patience sampled at arrival). Differences are
optimised minus input, paired over the replications:

* cost per day with overtime (per replication: paid hours x rate + overtime
  x rate x factor, :mod:`sim.occupancy`): a t interval of the paired
  differences; the planned cost (paid hours x rate) is a fixed number;
* a target's whole-day value (service level, mean wait, shares) is a ratio
  of sums ``R = sum(y) / sum(x)`` over replications (as in
  :mod:`sim.summary`); its difference ``R_B - R_A`` gets the delta-method t
  interval of the paired linearised values
  ``z_r = (y_Br - R_B x_Br) / mean(x_B) - (y_Ar - R_A x_Ar) / mean(x_A)``;
* the mean wait for the first call, and the target-intervals met on their
  95% bound by each roster.

The verdict is one sentence in each language, e.g. "the optimised roster
costs 12% less and meets the same 17 targets".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiment import ExperimentResult, run_experiment
from sim.scenario import Scenario
from sim.summary import RATIOS, mean_ci, paired_ratio_diff, target_metric
from sim.tables import ALL, target_ratios

DAY = "day"


@dataclass
class VersusInput:
    """Both rosters on the same seeds: the per-target table, costs, waits and the verdict."""

    table: pd.DataFrame             # one row per target (and wait, cost): input, optimised, difference, CI
    input_cost_per_day: float       # planned
    optimised_cost_per_day: float
    input_cost_with_overtime: float
    optimised_cost_with_overtime: float
    overtime_difference_ci95: tuple[float, float]
    input_met: int
    optimised_met: int
    targets_total: int
    replications: int
    seed: int
    verdict_en: str
    verdict_zh: str


def _day_columns(res: ExperimentResult) -> dict[str, np.ndarray]:
    """Per-replication whole-day values (all service types and classes) of the citizens table."""
    k, v = res.store.keys["citizens"], res.store.values["citizens"]
    row = int(np.flatnonzero((k["interval"] == DAY) & (k["service_type"] == ALL) & (k["class"] == ALL))[0])
    return {c: a[:, row] for c, a in v.items()}


def _cost_reps(res: ExperimentResult) -> np.ndarray:
    k, v = res.store.keys["staff"], res.store.values["staff"]
    row = np.flatnonzero((k["staff_type"] == ALL) & (k["station"] == ALL))
    return v["cost"][:, int(row[0])] if len(row) else np.zeros(res.replications)


def _met(res: ExperimentResult) -> tuple[int, int]:
    t = res.summary()["targets"]
    return int(t["met_confident"].sum()), len(t)


def _met_set(res: ExperimentResult) -> set[tuple[str, str]]:
    t = res.summary()["targets"]
    return {(r.target, r.interval) for r in t[t["met_confident"].astype(bool)].itertuples()}


def _pct(a: float, b: float) -> float:
    return 100.0 * (b - a) / a if a > 0 else float("nan")


def verdict(input_cost: float, optimised_cost: float, input_met: int, optimised_met: int,
            total: int, same: bool = True) -> tuple[str, str]:
    """One sentence in each language: cost change and targets met, optimised against input."""
    pct = _pct(input_cost, optimised_cost)
    if abs(pct) < 0.5 or not np.isfinite(pct):
        cost_en, cost_zh = "costs the same as the input roster", "成本与原排班相同"
    elif pct < 0:
        cost_en, cost_zh = f"costs {-pct:.0f}% less", f"成本降低{-pct:.0f}%"
    else:
        cost_en, cost_zh = f"costs {pct:.0f}% more", f"成本增加{pct:.0f}%"
    if optimised_met == input_met and same:
        met_en = f"meets the same {optimised_met} of {total} targets"
        met_zh = f"达标项相同（{total}项中{optimised_met}项）"
    elif optimised_met == input_met:
        met_en = f"meets as many targets ({optimised_met} of {total}), not all the same ones"
        met_zh = f"达标项数相同（{total}项中{optimised_met}项），但不全是同一批"
    elif optimised_met > input_met:
        met_en = f"meets {optimised_met} of {total} targets (the input roster {input_met})"
        met_zh = f"{total}项中达标{optimised_met}项（原排班{input_met}项）"
    else:
        met_en = f"meets fewer targets: {optimised_met} of {total} (the input roster {input_met})"
        met_zh = f"达标项减少：{total}项中{optimised_met}项（原排班{input_met}项）"
    return f"the optimised roster {cost_en} and {met_en}", f"优化排班{cost_zh}，{met_zh}"


def compare_with_input(scenario: Scenario, optimised: ExperimentResult, optimised_cost: float,
                       workers: int = 1) -> VersusInput | None:
    """Simulate ``scenario``'s own roster on the seed and replications of ``optimised`` and compare.

    ``scenario`` is the planner's hall (its roster is the input roster), ``optimised`` the verification of
    the optimised roster, ``optimised_cost`` its planned cost per day. None when the input roster is empty.
    """
    if not scenario.roster or sum(e.count for e in scenario.roster) == 0:
        return None
    experiment = {**scenario.experiment.model_dump(mode="json"), "seed": optimised.seed,
                  "replications": optimised.replications}
    from sim.loading import scenario_from_dict

    data = scenario.model_dump(mode="json")
    data["experiment"] = experiment
    hall = scenario_from_dict(data, source=f"<{scenario.name} input roster>")
    base = run_experiment(hall, workers=workers)
    input_cost = sum(e.count * scenario.staff_types[e.staff_type].cost_per_hour
                     * scenario.shift_patterns[e.shift].paid_hours for e in scenario.roster)
    a, b = _day_columns(base), _day_columns(optimised)
    ratios = dict(RATIOS) | target_ratios(a.keys())
    rows = []
    ta, tb = base.summary()["targets"], optimised.summary()["targets"]
    for t in scenario.checked_targets:
        metric = target_metric(t)
        num, den = ratios.get(metric, (None, None))
        if num is None or num not in a or num not in b:
            continue
        va = a[num].sum() / a[den].sum() if a[den].sum() > 0 else np.nan
        vb = b[num].sum() / b[den].sum() if b[den].sum() > 0 else np.nan
        d, lo, hi = paired_ratio_diff(a[num], a[den], b[num], b[den])
        ga, gb = ta[ta["target"] == t.id], tb[tb["target"] == t.id]
        rows.append({"target": t.id, "metric": metric, "kind": t.kind, "scope": t.scope, "goal": t.goal,
                     "input": va, "optimised": vb, "difference": d, "difference_lo": lo, "difference_hi": hi,
                     "input_met": int(ga["met_confident"].sum()), "optimised_met": int(gb["met_confident"].sum()),
                     "intervals": len(gb)})
    d, lo, hi = paired_ratio_diff(a["wait_sum_min"], a["tickets"], b["wait_sum_min"], b["tickets"])
    rows.append({"target": "", "metric": "wait_mean_min", "kind": "wait", "input": a["wait_sum_min"].sum()
                 / max(a["tickets"].sum(), 1), "optimised": b["wait_sum_min"].sum() / max(b["tickets"].sum(), 1),
                 "difference": d, "difference_lo": lo, "difference_hi": hi})
    ca, cb = _cost_reps(base), _cost_reps(optimised)
    dm, dlo, dhi = mean_ci(cb - ca)
    rows.append({"target": "", "metric": "cost_with_overtime_per_day", "kind": "cost", "input": float(ca.mean()),
                 "optimised": float(cb.mean()), "difference": dm, "difference_lo": dlo, "difference_hi": dhi})
    rows.append({"target": "", "metric": "planned_cost_per_day", "kind": "cost", "input": input_cost,
                 "optimised": optimised_cost, "difference": optimised_cost - input_cost,
                 "difference_lo": optimised_cost - input_cost, "difference_hi": optimised_cost - input_cost})
    (ma, n), (mb, _) = _met(base), _met(optimised)
    en, zh = verdict(input_cost, optimised_cost, ma, mb, n, _met_set(base) == _met_set(optimised))
    return VersusInput(pd.DataFrame(rows), input_cost, optimised_cost, float(ca.mean()), float(cb.mean()),
                       (dlo, dhi), ma, mb, n, optimised.replications, optimised.seed, en, zh)
