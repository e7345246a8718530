"""Reading run folders and comparing staffing options side by side.

A comparison takes run folders (the options; the first is the baseline) and
gives one row per option: cost, paid hours, staff, overtime, utilisation,
per target the share of intervals met and (service levels) the day-level
service level, waits and abandonment; and differences against the baseline.

Differences
-----------
When two runs share the seed, replication ``r`` of both saw the same
citizens (common random numbers), so differences are *paired* over the
shared replications (``replications.csv``, the whole-day rows):

* a mean of per-replication values (counts, 90th-percentile wait):
  a t interval of the per-replication differences;
* a ratio of sums ``R = sum(y) / sum(x)`` (mean wait, abandonment, service
  level, as in :mod:`sim.summary`): the difference ``R_B - R_A`` with the
  delta-method interval of the paired linearised values
  ``z_i = (y_Bi - R_B x_Bi) / mean(x_B) - (y_Ai - R_A x_Ai) / mean(x_A)``.

Cost, paid hours, staff and overtime are paired when both runs hold
``staff_replications.csv`` (per replication, staff type and station; the
``"*"`` rows), otherwise compared as independent runs. Runs with different
seeds are not paired: the comparison says so and gives intervals for
independent runs, ``half = sqrt(half_A**2 + half_B**2)`` from each run's 95%
interval (wider than a paired one would be).
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.summary import mean_ci, paired_ratio_diff

from ..i18n import check_lang, label
from ..names import target_name
from ..runs.load import CompareError, NotARunError, Run, load_run  # noqa: F401 (re-exported)

ALL, DAY = "*", "day"


# ---------------------------------------------------------------- per option


def _day_row(run: Run) -> pd.Series:
    c = run.frame("intervals.csv")
    rows = c[(c["interval"] == DAY) & (c["service_type"] == ALL) & (c["class"] == ALL)]
    if rows.empty:
        raise NotARunError(f"{run.path}/intervals.csv has no whole-day row")
    return rows.iloc[0]


def _staff_total(run: Run) -> pd.Series | None:
    s = run.frame("staff.csv")
    rows = s[s["staff_type"] == ALL]
    return rows.iloc[0] if len(rows) else None


def _targets(run: Run) -> list[dict]:
    return [t for t in run.scenario.get("targets", []) if isinstance(t, dict) and "id" in t]


DAY_METRICS = ("tickets", "served", "abandoned", "unserved", "turned_away", "wait_mean_min", "wait_p90_min",
               "abandon_fraction", "time_in_system_mean_min")
STAFF_METRICS = ("cost", "paid_hours", "staff", "overtime_min", "utilisation")


def option_row(run: Run, name: str) -> dict:
    """The comparison row of one option (see the module docstring)."""
    row = {"option": name, "run_dir": str(run.path), "scenario": run.manifest.get("scenario_name"),
           "scenario_sha256": run.manifest.get("scenario_sha256"), "seed": run.seed,
           "replications": run.replications}
    staff = _staff_total(run)
    for m in STAFF_METRICS:
        for suffix in ("", "_lo", "_hi"):
            if staff is not None and m + suffix in staff.index:
                row[m + suffix] = float(staff[m + suffix])
    day = _day_row(run)
    for m in DAY_METRICS:
        for suffix in ("", "_lo", "_hi"):
            row[m + suffix] = float(day.get(m + suffix, np.nan))
    status = run.frame("targets.csv")
    met_all, confident_all = True, True
    for t in _targets(run):
        rows = status[status["target"] == t["id"]]
        met = rows["met"].astype(bool)
        row[f"{t['id']}_intervals_met"] = int(met.sum())
        row[f"{t['id']}_intervals"] = int(len(rows))
        row[f"{t['id']}_share_met"] = float(met.mean()) if len(rows) else np.nan
        row[f"{t['id']}_met_all"] = bool(len(rows) and met.all())
        row[f"{t['id']}_met_all_confident"] = bool(len(rows) and rows["met_confident"].astype(bool).all())
        met_all &= row[f"{t['id']}_met_all"]
        confident_all &= row[f"{t['id']}_met_all_confident"]
        if t.get("kind") == "service_level":
            for suffix in ("", "_lo", "_hi"):
                row[f"sl_{t['id']}_day{suffix}"] = float(day.get(f"sl_{t['id']}{suffix}", np.nan))
    row["targets_met_all"], row["targets_met_all_confident"] = bool(met_all), bool(confident_all)
    return row


# ---------------------------------------------------------------- differences


def _independent(row_a: dict, row_b: dict, m: str) -> tuple[float, float, float]:
    a, b = row_a.get(m, np.nan), row_b.get(m, np.nan)
    d = b - a
    half_a = (row_a.get(m + "_hi", np.nan) - row_a.get(m + "_lo", np.nan)) / 2
    half_b = (row_b.get(m + "_hi", np.nan) - row_b.get(m + "_lo", np.nan)) / 2
    half = math.sqrt(half_a ** 2 + half_b ** 2)
    return d, d - half, d + half


def _day_reps(run: Run) -> pd.DataFrame:
    r = run.frame("replications.csv")
    return r[(r["interval"] == DAY) & (r["service_type"] == ALL) & (r["class"] == ALL)].set_index("rep").sort_index()


RATIO_DIFFS = {"wait_mean_min": ("wait_sum_min", "tickets"), "abandon_fraction": ("abandoned", "tickets"),
               "time_in_system_mean_min": ("time_in_system_sum_min", "served")}
MEAN_DIFFS = ("tickets", "abandoned", "unserved", "turned_away", "wait_p90_min")


def differences(base: Run, other: Run, row_a: dict, row_b: dict, paired: bool) -> dict[str, tuple]:
    """``metric -> (difference, lo, hi, method)`` of ``other`` minus ``base``; method is paired or independent."""
    out = {}
    metrics = [m for m in (*STAFF_METRICS, *DAY_METRICS) if m in row_a and m in row_b]
    sl = [k[:-4] for k in row_a if k.startswith("sl_") and k.endswith("_day") and k in row_b]
    for m in metrics + [k + "_day" for k in sl]:
        out[m] = (*_independent(row_a, row_b, m), "independent")
    if not paired:
        return out
    a, b = _day_reps(base), _day_reps(other)
    reps = a.index.intersection(b.index)
    a, b = a.loc[reps], b.loc[reps]
    ratios = dict(RATIO_DIFFS)
    ratios.update({k + "_day": ("within_" + k[len("sl_"):], "tickets") for k in sl})
    for m, (y, x) in ratios.items():
        if m in out and {y, x} <= set(a.columns) & set(b.columns):
            out[m] = (*paired_ratio_diff(a[y], a[x], b[y], b[x]), "paired")
    for m in MEAN_DIFFS:
        if m in out and m in a.columns and m in b.columns:
            d = (b[m] - a[m]).to_numpy(float)
            out[m] = (*mean_ci(d), "paired")
    if base.has("staff_replications.csv") and other.has("staff_replications.csv"):
        sa, sb = (s.frame("staff_replications.csv") for s in (base, other))
        sa = sa[sa["staff_type"] == ALL].set_index("rep").reindex(reps)
        sb = sb[sb["staff_type"] == ALL].set_index("rep").reindex(reps)
        for m in ("cost", "paid_hours", "staff", "overtime_min"):
            if m in out and m in sa.columns and m in sb.columns:
                out[m] = (*mean_ci((sb[m] - sa[m]).to_numpy(float)), "paired")
        if "utilisation" in out and {"busy_min", "on_duty_min"} <= set(sa.columns) & set(sb.columns):
            out["utilisation"] = (*paired_ratio_diff(sa["busy_min"], sa["on_duty_min"], sb["busy_min"],
                                                     sb["on_duty_min"]), "paired")
    return out


# ---------------------------------------------------------------- comparison


@dataclass
class Comparison:
    """Options side by side (``table``), differences against the first, and plain sentences."""

    runs: list[Run]
    names: list[str]
    table: pd.DataFrame
    diffs: dict[str, dict[str, tuple]]
    paired: dict[str, bool]
    shared_replications: dict[str, int]
    sentences: list[str]
    notes: list[str]
    lang: str = "en"
    verdict: str = ""
    out_dir: Path | None = None
    warnings: list[str] = field(default_factory=list)


def check_comparable(runs: list[Run]) -> None:
    """Raise :class:`CompareError` unless every run reports on the same intervals."""
    grids = [(r, *r.interval_grid()) for r in runs]
    _, step0, labels0 = grids[0]
    for run, step, labels in grids[1:]:
        if step != step0 or labels != labels0:
            def says(r, s, lab):
                span = f"{lab[0]} ... {lab[-1]}" if lab else "no intervals"
                return f"{r.path} has {len(lab)} intervals of {s:g} min ({span})" if s else f"{r.path}: {span}"
            raise CompareError("runs report on different intervals, so their hourly results cannot be put side by "
                               f"side: {says(runs[0], step0, labels0)}; {says(run, step, labels)}")


def _sentence(c: Comparison, i: int) -> str:
    lang, row = c.lang, c.table.iloc[i].to_dict()
    base = c.names[0]
    targets = _targets(c.runs[i])
    if targets and row["targets_met_all_confident"]:
        parts = [label("meets_all_confident", lang)]
    elif targets and row["targets_met_all"]:
        parts = [label("meets_all_estimate", lang)]
    elif targets:
        items = []
        for t in targets:
            # a Chinese sentence names the target in Chinese; the English one keeps its id (as comparison.csv)
            name = target_name(t, lang, c.runs[i].scenario) if lang == "zh" else t["id"]
            if not row[f"{t['id']}_met_all"]:
                if t.get("scope") == "day":
                    items.append(label("miss_item_day", lang, target=name))
                else:
                    items.append(label("miss_item", lang, target=name, total=row[f"{t['id']}_intervals"],
                                       missed=row[f"{t['id']}_intervals"] - row[f"{t['id']}_intervals_met"]))
        parts = [label("misses", lang, items=("、" if lang == "zh" else ", ").join(items))]
    else:
        parts = []
    cost, cost_a = row.get("cost", np.nan), c.table.iloc[0].get("cost", np.nan)
    if i == 0 or not np.isfinite(cost_a) or cost_a == 0:
        if np.isfinite(cost):
            parts.append(label("costs", lang, cost=f"{cost:.1f}"))
    else:
        pct = (cost - cost_a) / cost_a * 100
        key = "costs_same" if abs(pct) < 0.5 else ("costs_more" if pct > 0 else "costs_less")
        parts.append(label(key, lang, pct=abs(pct), base=base))
        d = c.diffs[c.names[i]].get("wait_mean_min")
        if d is not None and np.isfinite(d[0]):
            key = "wait_same" if abs(d[0]) < 0.05 else ("wait_shorter" if d[0] < 0 else "wait_longer")
            text = label(key, lang, diff=abs(d[0]), base=base)
            if key != "wait_same" and np.isfinite(d[1]) and d[1] <= 0 <= d[2]:
                text += " " + label("not_significant", lang)
            parts.append(text)
    sep, end = ("；", "。") if lang == "zh" else ("; ", ".")
    return f"{c.names[i]}: " + sep.join(parts) + end


def _missed(row: dict, targets: list[dict]) -> int:
    return sum(int(row[f"{t['id']}_intervals"]) - int(row[f"{t['id']}_intervals_met"]) for t in targets)


def verdict(c: Comparison) -> str:
    """One line: the cheapest option meeting every target (95% confidence, else on the estimate), or the one
    missing the fewest target-intervals, with its cost against the baseline (the first option)."""
    lang, rows = c.lang, [c.table.iloc[i].to_dict() for i in range(len(c.runs))]
    targets = [_targets(r) for r in c.runs]

    def cost(i):
        v = rows[i].get("cost", np.nan)
        return v if np.isfinite(v) else np.inf

    def pick(candidates):
        return min(candidates, key=lambda i: (cost(i), i))
    confident = [i for i, r in enumerate(rows) if targets[i] and r["targets_met_all_confident"]]
    estimate = [i for i, r in enumerate(rows) if targets[i] and r["targets_met_all"]]
    if not any(targets):
        key, best = "cmp_verdict_no_targets", pick(range(len(rows)))
    elif confident:
        key, best = "cmp_verdict_confident", pick(confident)
    elif estimate:
        key, best = "cmp_verdict_estimate", pick(estimate)
    else:
        key = "cmp_verdict_none"
        best = min(range(len(rows)), key=lambda i: (_missed(rows[i], targets[i]), cost(i), i))
    vs = ""
    base_cost, best_cost = cost(0), cost(best)
    if best != 0 and np.isfinite(base_cost) and base_cost > 0 and np.isfinite(best_cost):
        change = (best_cost - base_cost) / base_cost * 100
        vs_key = "cmp_vs_same" if abs(change) < 0.05 else ("cmp_vs_more" if change > 0 else "cmp_vs_less")
        vs = label(vs_key, lang, pct=abs(change), base=c.names[0])
    return label(key, lang, option=c.names[best], cost="-" if not np.isfinite(best_cost) else f"{best_cost:.1f}",
                 vs=vs, missed=_missed(rows[best], targets[best]) if targets[best] else 0)


def compare(run_dirs, lang: str = "en", names: list[str] | None = None) -> Comparison:
    """Load and compare run folders (no files written); the first is the baseline."""
    check_lang(lang)
    if not run_dirs:
        raise CompareError("give at least one run folder to compare")
    runs = [load_run(p) for p in run_dirs]
    check_comparable(runs)
    names = list(names) if names else [string.ascii_uppercase[i] if i < 26 else f"O{i + 1}" for i in range(len(runs))]
    rows = [option_row(r, n) for r, n in zip(runs, names)]
    base = runs[0]
    paired = {n: r.seed == base.seed for n, r in zip(names[1:], runs[1:])}
    shared = {n: min(r.replications, base.replications) for n, r in zip(names[1:], runs[1:]) if paired[n]}
    notes = []
    same = [n for n in names[1:] if paired[n]]
    other = [n for n in names[1:] if not paired[n]]
    if same:
        notes.append(label("paired_note", lang, seed=base.seed, reps=min(shared.values()),
                           options=", ".join(same), base=names[0]))
        if not all(r.has("staff_replications.csv") for n, r in zip(names, runs) if n == names[0] or paired.get(n)):
            notes.append(label("cost_not_paired", lang))
    if other:
        notes.append(label("unpaired_note", lang, options=", ".join(other), base=names[0],
                           seeds=", ".join(f"{n}: {r.seed}" for n, r in zip(names, runs) if n == names[0] or n in other)))
    diffs = {n: differences(base, r, rows[0], row, paired[n]) for n, r, row in zip(names[1:], runs[1:], rows[1:])}
    table = pd.DataFrame(rows)
    for n, d in diffs.items():
        for m, (v, lo, hi, method) in d.items():
            table.loc[table["option"] == n, [f"diff_{m}", f"diff_{m}_lo", f"diff_{m}_hi"]] = [v, lo, hi]
            table.loc[table["option"] == n, f"diff_{m}_method"] = method
    table["paired_with_" + names[0]] = [None] + [paired[n] for n in names[1:]]
    c = Comparison(runs, names, table, diffs, paired, shared, [], notes, lang)
    c.sentences = [_sentence(c, i) for i in range(len(runs))]
    table["summary"] = c.sentences
    c.verdict = verdict(c)
    return c
