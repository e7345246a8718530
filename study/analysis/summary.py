"""What a run says: a readable table for planners and a JSON summary for scripts.

Target marks: ``ok`` met with 95% confidence, ``~`` met on the estimate but
the confidence interval crosses the target, ``MISS`` missed.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sim.costs import planned_cost_per_day
from sim.experiment import ExperimentResult
from sim.loading import scenario_warnings
from sim.messages import Message, bilingual
from sim.metrics import ALL, DAY
from sim.plausibility import empty_hall_reasons


def _num(x, digits=1):
    """``x`` rounded, or None when missing or not finite (summary.json is always valid JSON)."""
    if x is None:
        return None
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


def hall_notes(result: ExperimentResult, day) -> list[Message]:
    """Plain sentences for a day without service: "no citizen was served: nobody is rostered at counter".

    Each is a :class:`sim.messages.Message` (English text; ``.text("zh")``).
    """
    tickets, served = _num(day.get("tickets")), _num(day.get("served"))
    reasons = [m for _, m in empty_hall_reasons(result.scenario)]
    if not tickets:
        return [Message("run.no_ticket_because", reasons=reasons) if reasons else Message("run.no_ticket")]
    if not served:
        return [Message("run.none_served_because", reasons=reasons) if reasons else Message("run.none_served")]
    return [Message("run.note", reason=r) for r in reasons]


def _mark(row) -> str:
    return "ok" if row["met_confident"] else ("~" if row["met"] else "MISS")


def _describe(target) -> str:
    where = (f" at {target.station}" if getattr(target, "station", None) else
             " at every step" if getattr(target, "step", "first") == "any" else "")
    if target.kind == "service_level":
        what = f"{target.fraction:.0%} called within {target.wait_min:g} min{where}"
    elif target.kind == "mean_wait":
        what = f"mean wait{where} <= {target.max_min:g} min" if target.step != "any" else \
            f"mean total wait over the visit <= {target.max_min:g} min"
    elif target.kind == "time_in_hall":
        what = (f"{target.fraction:.0%} done within {target.max_min:g} min in the hall" if target.fraction is not None
                else f"mean time in the hall <= {target.max_min:g} min")
    elif target.kind == "max_unserved":
        what = f"unserved at the hard stop <= {target.fraction:.1%}"
    else:
        what = f"abandonment <= {target.fraction:.0%}"
    return what + (" in every interval" if target.scope == "interval" else " over the day")


def overall_rows(result: ExperimentResult) -> pd.DataFrame:
    """Per-interval rows for all service types and classes (the day row excluded)."""
    c = result.summary()["citizens"]
    rows = c[(c["service_type"] == ALL) & (c["class"] == ALL) & (c["interval"] != DAY)]
    return rows.sort_values("interval_start_min")


def summary_dict(result: ExperimentResult, run_dir: str | None = None) -> dict:
    """The run's headline numbers, targets and per-interval table as plain data."""
    s = result.summary()
    day = result.day()
    staff = s["staff"]
    total = staff[staff["staff_type"] == ALL].iloc[0] if (staff["staff_type"] == ALL).any() else None
    targets = []
    status = s["targets"]
    for t in result.scenario.checked_targets:
        rows = status[status["target"] == t.id]
        targets.append({
            "id": t.id, "description": _describe(t), "scope": t.scope, "kind": t.kind,
            "fraction": getattr(t, "fraction", None),
            "met_all": bool(len(rows) and rows["met"].all()),
            "met_all_confident": bool(len(rows) and rows["met_confident"].all()),
            "intervals_met": int(rows["met"].sum()), "intervals": int(len(rows)),
            "results": [{"interval": r["interval"], "estimate": _num(r["estimate"], 4), "lo": _num(r["lo"], 4),
                         "hi": _num(r["hi"], 4), "goal": r["goal"], "status": _mark(r)} for _, r in rows.iterrows()],
        })
    util = s["staff_interval"]
    util = util[(util["staff_type"] == ALL) & (util["station"] == ALL)].set_index("interval_start_min")["utilisation"]
    intervals = []
    for _, r in overall_rows(result).iterrows():
        row = {"interval": r["interval"], "tickets": _num(r["tickets"]), "served": _num(r["served"]),
               "abandoned": _num(r["abandoned"], 2), "unserved": _num(r["unserved"], 2),
               "wait_mean_min": _num(r["wait_mean_min"]), "wait_mean_min_lo": _num(r["wait_mean_min_lo"]),
               "wait_mean_min_hi": _num(r["wait_mean_min_hi"]), "wait_p90_min": _num(r["wait_p90_min"]),
               "abandon_fraction": _num(r["abandon_fraction"], 4),
               "utilisation": _num(util.get(r["interval_start_min"]), 3)}
        for t in result.scenario.checked_targets:
            if f"sl_{t.id}" in r:
                row[f"sl_{t.id}"] = _num(r.get(f"sl_{t.id}"), 4)
                row[f"sl_{t.id}_lo"] = _num(r.get(f"sl_{t.id}_lo"), 4)
                row[f"sl_{t.id}_hi"] = _num(r.get(f"sl_{t.id}_hi"), 4)
        intervals.append(row)
    return {
        "scenario": result.scenario.name, "run_dir": run_dir, "seed": result.seed,
        "replications": result.replications, "wall_time_s": round(result.wall_time_s, 2),
        "day": {k: _num(day[k], 4) for k in ("tickets", "served", "abandoned", "unserved", "turned_away",
                                             "wait_mean_min", "wait_mean_min_lo", "wait_mean_min_hi", "wait_p90_min",
                                             "abandon_fraction", "abandon_fraction_lo", "abandon_fraction_hi",
                                             "time_in_system_mean_min")},
        "cost": _num(total["cost"], 2) if total is not None else None,
        "cost_with_overtime": _num(total["cost"], 2) if total is not None else None,
        "planned_cost": _num(planned_cost_per_day(result.scenario), 2),
        "currency": result.scenario.costs.currency, "cost_unit": result.scenario.costs.unit_per_day,
        "paid_hours": _num(total["paid_hours"], 2) if total is not None else None,
        "overtime_min": _num(total["overtime_min"], 1) if total is not None else None,
        "utilisation": _num(total["utilisation"], 3) if total is not None else None,
        **bilingual("notes", hall_notes(result, day)),
        **bilingual("warnings", scenario_warnings(result.scenario)),
        "targets": targets,
        "intervals": intervals,
        "staff": [{"staff_type": r["staff_type"], "station": r["station"], "staff": _num(r["staff"], 0),
                   "utilisation": _num(r["utilisation"], 3), "overtime_min": _num(r["overtime_min"]),
                   "cost": _num(r["cost"], 2)} for _, r in staff.iterrows() if r["staff_type"] != ALL],
    }


def format_summary(d: dict) -> str:
    """The summary as a text table for the terminal (missing numbers print as ``-``)."""
    day = d["day"]
    out = [f"{d['scenario']}: {d['replications']} replications, seed {d['seed']}, {_fmt(d['wall_time_s'])} s",
           ""]
    out += [f"*** {n} ***" if not n.startswith("note: ") else n for n in d.get("notes", [])]
    ab = day.get("abandon_fraction")
    out += [f"Day (mean per day, 95% CI): {_fmt(day['tickets'])} tickets, {_fmt(day['served'])} served, "
            f"{_fmt(day['abandoned'])} abandoned ({f'{ab:.1%}' if ab is not None else '-'}), "
            f"{_fmt(day['unserved'])} unserved, {_fmt(day['turned_away'])} turned away",
            f"  wait: mean {_fmt(day['wait_mean_min'])} min [{_fmt(day['wait_mean_min_lo'])}, "
            f"{_fmt(day['wait_mean_min_hi'])}], 90th percentile {_fmt(day['wait_p90_min'])} min; "
            f"time in hall {_fmt(day['time_in_system_mean_min'])} min"]
    if d["cost"] is not None:
        ut = d.get("utilisation")
        unit = d.get("cost_unit") or ""
        planned = f"planned {_fmt(d['planned_cost'])} {unit}, " if d.get("planned_cost") is not None else ""
        out.append(f"  staff: cost {planned}with overtime {_fmt(d['cost'])} {unit} ({_fmt(d['paid_hours'])} paid "
                   f"hours, overtime {_fmt(d['overtime_min'], 0)} min), utilisation "
                   f"{f'{ut:.0%}' if ut is not None else '-'}")
    out.append("")
    if d["targets"]:
        out.append("Targets (ok = met with 95% confidence, ~ = met but not confidently, MISS = missed):")
        for t in d["targets"]:
            misses = [r["interval"] for r in t["results"] if r["status"] == "MISS"]
            head = f"  {t['id']}: {t['description']}: met in {t['intervals_met']} of {t['intervals']}"
            out.append(head + (f"; missed {', '.join(misses)}" if misses else ""))
        out.append("")
    sl = [t for t in d["targets"] if any(k.startswith(f"sl_{t['id']}") for k in (d["intervals"] or [{}])[0])]
    status = {(t["id"], r["interval"]): r["status"] for t in d["targets"] for r in t["results"]}
    header = f"{'interval':<12} {'tickets':>7} {'wait':>6} {'p90':>6} " + "".join(
        f"{t['id']:>13} " for t in sl) + f"{'abandon':>8} {'util':>5}"
    out.append(header)
    for r in d["intervals"]:
        line = f"{r['interval']:<12} {_fmt(r['tickets']):>7} {_fmt(r['wait_mean_min']):>6} {_fmt(r['wait_p90_min']):>6} "
        for t in sl:
            v = r.get(f"sl_{t['id']}")
            mark = status.get((t["id"], r["interval"]), "")
            line += f"{(f'{v:.0%}' if v is not None else '-'):>7} {mark:<4} "
        ab = r["abandon_fraction"]
        ut = r["utilisation"]
        line += f"{(f'{ab:.1%}' if ab is not None else '-'):>8} {(f'{ut:.0%}' if ut is not None else '-'):>5}"
        out.append(line)
    out.append("(wait and p90 in minutes, by ticket interval; util = busy / on-duty time of all staff)")
    if d["run_dir"]:
        out += ["", f"Results: {d['run_dir']}"]
        report = Path(d["run_dir"]) / "report.html"
        if report.exists():
            out.append(f"Report:  {report}")
    return "\n".join(out)


def _fmt(x, digits=1):
    return "-" if x is None else f"{x:.{digits}f}"
