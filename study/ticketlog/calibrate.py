"""Calibration: simulate the scenario with what the log saw, and compare waits hour by hour.

For every day of the log the scenario is run ``reps`` times with exactly
that day's number of ticketed walk-ins (:func:`sim.conditioned.walk_ins_given_count`:
a Poisson number around it would add load variance the hall did not have,
and waits are convex in the load) and, per station, shift and staff type,
as many staff as the log shows serving that day (whole-day absence switched
off: the log already shows who came). Waits (ticket to first call, served
tickets) and abandonment are then compared per interval of the ticket time
and per service type:

* means, and the **day-paired difference** hall - model (each day's
  observed mean minus the mean of its replications) with a t interval over
  days (99%: about ten intervals are judged at once): tickets of one day are
  correlated, days are close to independent;
* service level P(wait <= T) for the scenario's first service-level target;
* the distribution: two-sample Kolmogorov-Smirnov (``scipy.stats.ks_2samp``);
  with correlated waits its p-value is too small, so it qualifies the verdict
  but does not decide it;
* abandonment share (left before the first call), each side with an
  interval over days (a ratio estimator with its delta-method standard
  error: a congested day makes many leave at once, so tickets are not
  independent and a binomial interval would be far too narrow), and the
  day-paired difference hall - model with a t interval over days.

Verdict per row: *agree* unless the day-paired 99% interval excludes 0 **and**
the difference is at least ``max(2 min, 20% of the model's mean)``; then
*hall waits longer* or *hall waits shorter*. Fewer than 20 observed
tickets: *too few tickets*. Abandonment has its own verdict, by the same
rule with the threshold ``max(1 point, 25% of the model's share)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.eventlog import ABANDONED, TURNED_AWAY
from sim.run import run_replication
from sim.scenario import Scenario

from .export import day_scenario
from .fitting import LEFT, tickets_of
from .schema import SERVED

MIN_TICKETS = 20
MIN_DIFF_MIN = 2.0
REL_DIFF = 0.2
MIN_ABANDON_DIFF = 0.01   # one percentage point
REL_ABANDON_DIFF = 0.25
CONFIDENCE = 0.99  # per row; about ten rows are judged at once, so 95% would raise a false alarm in every other run


def _adjust(roster: list, idx: list[int], target: int) -> None:
    """Set the staff of roster entries ``idx`` to ``target`` in total (trim ordinary entries last-first)."""
    have = sum(roster[i].count for i in idx)
    order = sorted(idx, key=lambda i: (roster[i].window_group is not None, -i))
    while have > target:
        i = next(i for i in order if roster[i].count > 0)
        roster[i] = roster[i].model_copy(update={"count": roster[i].count - 1})
        have -= 1
    if have < target:
        i = next((i for i in idx if roster[i].window_group is None), idx[0])
        roster[i] = roster[i].model_copy(update={"count": roster[i].count + target - have})


def _staff_key(staff_id: str, types: tuple, shifts: tuple, station: str) -> tuple | None:
    """``(staff type, shift)`` of a simulator-style id ``type-shift-station-NN``, else ``(type, None)`` or None."""
    for t in types:
        if staff_id.startswith(t + "-"):
            rest = staff_id[len(t) + 1:]
            shift = next((s for s in shifts if rest.startswith(f"{s}-{station}-")), None)
            return t, shift
    return None


def observed_staffing(scenario: Scenario, rows: pd.DataFrame, date) -> Scenario:
    """``scenario`` with, per station seen in the log that day, as many staff as served there.

    The count is matched as finely as the log's staff ids allow: per staff
    type and shift when every id at a station reads ``type-shift-station-NN``
    (as the simulator names them), per staff type when they start with a
    staff type, else per station. Roster entries are trimmed from the last
    ordinary entry (restricted window groups last) or the first ordinary one
    is increased. A station the log shows on other days but not on this one
    had nobody serving (a single inspector on leave): it gets no staff.
    Stations the log never shows keep their roster (the ticket system does
    not see them). Whole-day absence is switched off: the log already shows
    who came.
    """
    served = rows[rows["status"] == SERVED]
    day = served[served["date"] == date]
    roster = list(scenario.roster)
    types, shifts = tuple(scenario.staff_types), tuple(scenario.shift_patterns)
    for station in set(served["station"]) - set(day["station"]):
        idx = [i for i, e in enumerate(roster) if e.station == station]
        if idx:
            _adjust(roster, idx, 0)
    for station, g in day.groupby("station"):
        idx = [i for i, e in enumerate(roster) if e.station == station]
        if not idx:
            continue
        keys = [_staff_key(s, types, shifts, station) for s in g["staff"].unique()]
        if all(k is not None and k[1] is not None for k in keys):
            groups = {(roster[i].staff_type, roster[i].shift) for i in idx} | set(keys)
            for t, shift in groups:
                sub = [i for i in idx if (roster[i].staff_type, roster[i].shift) == (t, shift)]
                if sub:
                    _adjust(roster, sub, sum(k == (t, shift) for k in keys))
        elif all(k is not None for k in keys):
            for t in types:
                sub = [i for i in idx if roster[i].staff_type == t]
                if sub:
                    _adjust(roster, sub, sum(k[0] == t for k in keys))
        else:
            _adjust(roster, idx, len(keys))
    staff_types = {k: t.model_copy(update={"attendance": t.attendance.model_copy(update={"absence_probability": 0.0})})
                   for k, t in scenario.staff_types.items()}
    return scenario.model_copy(update={"roster": roster, "staff_types": staff_types})


def _interval(scenario: Scenario, ticket_min: np.ndarray) -> np.ndarray:
    open_min, step = scenario.hours.open_min, scenario.hours.interval_min
    return open_min + np.floor((ticket_min - open_min) / step) * step


def simulate_log_days(scenario: Scenario, rows: pd.DataFrame, reps: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Observed and simulated tickets: date, rep, service, interval_min, wait_min, served, left."""
    tickets = tickets_of(rows)
    obs = pd.DataFrame({
        "date": tickets["date"], "rep": -1, "service": tickets["service"],
        "interval_min": _interval(scenario, tickets["issue_min"].to_numpy(float)),
        "wait_min": tickets["first_call_min"] - tickets["issue_min"],
        "served": tickets["served"], "left": tickets["status"].isin(LEFT)})
    seed = scenario.experiment.seed
    frames = []
    for d, (date, day) in enumerate(tickets.groupby("date")):
        walk_ins = int((~day["appointment"]).sum())
        s = day_scenario(observed_staffing(scenario, rows, date), max(walk_ins, 1), volume_cv=0.0, multipliers=[])
        for r in range(reps):
            log = run_replication(s, d * reps + r, seed, walk_ins=walk_ins)
            keep = log.outcome != TURNED_AWAY
            frames.append(pd.DataFrame({
                "date": date, "rep": r, "service": np.asarray(log.service_codes, dtype=object)[log.service[keep]],
                "interval_min": _interval(s, log.ticket_min[keep]), "wait_min": log.wait_min[keep],
                "served": log.outcome[keep] != ABANDONED, "left": log.outcome[keep] == ABANDONED}))
    return obs, pd.concat(frames, ignore_index=True)


def _row(o: pd.DataFrame, m: pd.DataFrame, target_min: float) -> dict:
    wo = o.loc[o["served"], "wait_min"].dropna().to_numpy(float)
    wm = m.loc[m["served"], "wait_min"].dropna().to_numpy(float)
    row = {"n_hall": len(wo), "n_model": len(wm),
           "mean_hall": wo.mean() if len(wo) else np.nan, "mean_model": wm.mean() if len(wm) else np.nan,
           "sl_hall": (wo <= target_min).mean() if len(wo) else np.nan,
           "sl_model": (wm <= target_min).mean() if len(wm) else np.nan}
    per_day_o = o[o["served"]].groupby("date")["wait_min"].mean()
    per_day_m = m[m["served"]].groupby("date")["wait_min"].mean()
    diff = (per_day_o - per_day_m).dropna().to_numpy(float)
    row["diff"], row["diff_lo"], row["diff_hi"] = _t_interval(diff)
    row["ks_p"] = stats.ks_2samp(wo, wm).pvalue if len(wo) >= 5 and len(wm) >= 5 else np.nan
    for side, frame in (("hall", o), ("model", m)):
        share, lo, hi = clustered_share(frame.groupby("date")["left"].agg(["sum", "size"]))
        row[f"abandon_{side}"], row[f"abandon_{side}_lo"], row[f"abandon_{side}_hi"] = share, lo, hi
    adiff = (o.groupby("date")["left"].mean() - m.groupby("date")["left"].mean()).dropna().to_numpy(float)
    row["abandon_diff"], row["abandon_diff_lo"], row["abandon_diff_hi"] = _t_interval(adiff)
    row["abandon_verdict"] = _verdict(len(o), row["abandon_diff"], row["abandon_diff_lo"], row["abandon_diff_hi"],
                                      max(MIN_ABANDON_DIFF, REL_ABANDON_DIFF * row["abandon_model"]),
                                      "hall loses more", "hall loses fewer")
    row["verdict"] = _verdict(len(wo), row["diff"], row["diff_lo"], row["diff_hi"],
                              max(MIN_DIFF_MIN, REL_DIFF * row["mean_model"]), "hall waits longer", "hall waits shorter")
    return row


def _t_interval(diff: np.ndarray) -> tuple[float, float, float]:
    """Mean of day-paired differences and its t interval at ``CONFIDENCE`` (NaN bounds: too few days)."""
    mean = float(diff.mean()) if len(diff) else np.nan
    if len(diff) >= 3 and diff.std() > 0:
        ci = stats.ttest_1samp(diff, 0.0).confidence_interval(CONFIDENCE)
        return mean, float(ci.low), float(ci.high)
    return mean, np.nan, np.nan


def _verdict(n_hall: int, diff: float, lo: float, hi: float, material: float, more: str, fewer: str) -> str:
    """*agree*, unless the interval excludes 0 and the difference is material; too few tickets to say."""
    if n_hall < MIN_TICKETS:
        return "too few tickets"
    if np.isfinite(lo) and (lo > 0 or hi < 0) and abs(diff) >= material:
        return more if diff > 0 else fewer
    return "agree"


def clustered_share(per_day: pd.DataFrame) -> tuple[float, float, float]:
    """Share sum(k)/sum(n) over days (columns ``sum``, ``size``) with its interval at ``CONFIDENCE``.

    Ratio estimator with the delta-method (cluster) standard error
    ``sqrt(D / (D - 1) * sum_d (k_d - p n_d)^2) / sum_d n_d`` and a t quantile
    with D - 1 degrees of freedom: days are the independent units.
    """
    k, n = per_day["sum"].to_numpy(float), per_day["size"].to_numpy(float)
    if n.sum() == 0:
        return np.nan, np.nan, np.nan
    p = k.sum() / n.sum()
    days = len(n)
    if days < 2:
        return p, np.nan, np.nan
    se = np.sqrt(days / (days - 1) * np.sum((k - p * n) ** 2)) / n.sum()
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, days - 1) * se
    return p, max(0.0, p - half), min(1.0, p + half)


@dataclass
class Calibration:
    by_interval: pd.DataFrame
    by_service: pd.DataFrame
    overall: dict
    target_min: float
    days: int
    reps: int

    def verdict_text(self) -> str:
        """The comparison in plain words, one line per interval and per service type."""
        def line(label, r):
            text = (f"  {label:<13} {r['verdict']:<19} hall {r['mean_hall']:5.1f} min, model {r['mean_model']:5.1f} min")
            if np.isfinite(r["diff_lo"]):
                text += f", difference {r['diff']:+.1f} ({r['diff_lo']:+.1f} to {r['diff_hi']:+.1f})"
            text += f"; within {self.target_min:g} min {r['sl_hall']:.0%} vs {r['sl_model']:.0%}"
            if np.isfinite(r["ks_p"]) and r["ks_p"] < 0.01:
                text += f"; distributions differ (KS p={r['ks_p']:.1g})"
            return text
        o = self.overall
        pct = CONFIDENCE * 100
        out = [f"calibration over {self.days} days x {self.reps} replications (waits: ticket to first call, served;"
               f" intervals {pct:.0f}% over days)",
               line("whole day", o),
               f"  abandonment   {o['abandon_verdict']:<19} hall {o['abandon_hall']:.1%} "
               f"({o['abandon_hall_lo']:.1%}-{o['abandon_hall_hi']:.1%}), model {o['abandon_model']:.1%} "
               f"({o['abandon_model_lo']:.1%}-{o['abandon_model_hi']:.1%}), difference {100 * o['abandon_diff']:+.1f} "
               f"points ({100 * o['abandon_diff_lo']:+.1f} to {100 * o['abandon_diff_hi']:+.1f})",
               "by interval of the ticket time:"]
        out += [line(f"{clock(r['interval_min'])}", r) for _, r in self.by_interval.iterrows()]
        out.append("by service type:")
        out += [line(r["service"], r) for _, r in self.by_service.iterrows()]
        disagree = self.by_interval.loc[self.by_interval["verdict"].str.startswith("hall"), "interval_min"]
        out.append("verdict: model and hall agree in every interval with enough tickets" if disagree.empty else
                   "verdict: model and hall disagree at " + ", ".join(clock(t) for t in disagree))
        if o["abandon_verdict"] != "agree":
            out.append(f"verdict: abandonment differs ({o['abandon_verdict']}): check the patience fit")
        return "\n".join(out)


def clock(minutes: float) -> str:
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def calibrate(scenario: Scenario, rows: pd.DataFrame, reps: int = 5) -> Calibration:
    """Compare the scenario, run with the log's days and staffing, with the log (see the module docstring)."""
    obs, sim = simulate_log_days(scenario, rows, reps)
    sl = [t for t in scenario.targets if t.kind == "service_level"]
    target = sl[0].wait_min if sl else 20.0
    by_interval = pd.DataFrame([{"interval_min": k, **_row(o, sim[sim["interval_min"] == k], target)}
                                for k, o in obs.groupby("interval_min")])
    by_service = pd.DataFrame([{"service": k, **_row(o, sim[sim["service"] == k], target)}
                               for k, o in obs.groupby("service")])
    return Calibration(by_interval, by_service, _row(obs, sim, target), target, obs["date"].nunique(), reps)
