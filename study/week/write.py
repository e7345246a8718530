"""Write the results folder of ``queueplan roster`` (atomically: :func:`study.results.run_folder`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from optimise.week.limits import duty_limit_lines
from sim.metrics import ALL

from ..runs.folders import manifest, run_folder, write_json
from .dates import default_dates
from .outputs import fairness_figures, person_hours, roster_grid, write_calendars, write_csv, write_xlsx
from .page import render_page


def _requirements(roster) -> pd.DataFrame:
    frames = []
    for pl in roster.plans:
        if pl.req is not None:
            f = pl.req.frame()
            f.insert(0, "day", pl.code)
            frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _per_day(week, what: str) -> pd.DataFrame:
    frames = []
    for d, res in week.days.items():
        summ = res.summary()
        f = summ["targets"] if what == "targets" else summ["citizens"]
        if what == "intervals":
            f = f[(f["service_type"] == ALL) & (f["class"] == ALL)]
        f = f.copy()
        f.insert(0, "day", week.codes[d])
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def shortfall_lines(roster, most: int = 12) -> list[str]:
    f = roster.shortfalls
    if not len(f):
        return []
    lines = []
    for (day, station, skill), g in f.groupby(["day", "station", "skill"], dropna=False, sort=False):
        what = f"skill {skill}" if isinstance(skill, str) else "staff on duty"
        lines.append(f"{day} {g['period'].iloc[0]}-{g['period'].iloc[-1]} at '{station}': {what} short by up to "
                     f"{g['shortfall'].max():.2f} ({len(g)} period(s))")
    return lines[:most] + ([f"... {len(lines) - most} more in shortfalls.csv"] if len(lines) > most else [])


def write_week(out: Path, scenario, roster, week, args, seed: int, eval_seed: int, reps: int, workers: int,
               wall_time_s: float) -> str:
    grid = roster_grid(roster)
    hours = person_hours(roster)
    fair = fairness_figures(hours)
    cover = roster.cover_frame()
    targets = _per_day(week, "targets")
    stage = {st.stage: st.as_dict() for st in roster.stages}
    if roster.aggregate is not None:      # stage 1a: the bound of the least-cost stage
        stage["aggregate"] = roster.aggregate.as_dict()
    plan = {"scenario": scenario.name, "cost": roster.cost, "paid_hours": float(hours["paid_hours"].sum()),
            "people": len(scenario.staff_list.people), "people_rostered": int((hours["days"] > 0).sum()),
            "duties": len(roster.assignments), "cost_proven_least": roster.proven_optimal_cost,
            "milp": stage, "requirements_method": scenario.staff_list.plan.requirements,
            "requirements_time_s": roster.requirements_time_s, "fairness_objective": scenario.staff_list.plan.fairness,
            "fairness": fair, "cover_shortfall_staff_periods": float(roster.shortfalls["shortfall"].sum())
            if len(roster.shortfalls) else 0.0,
            "simulation": {"replications_per_day": reps, "seed": eval_seed, "planning_seed": seed,
                           "out_of_sample": True, "wall_time_s": week.wall_time_s},
            "targets_met_per_day": {week.codes[d]: None for d in week.days}}
    for day, g in targets.groupby("day") if len(targets) else []:
        plan["targets_met_per_day"][day] = {"met": int(g["met"].sum()), "met_confident": int(g["met_confident"].sum()),
                                            "checked": len(g)}
    with run_folder(out) as tmp:
        write_csv(grid, tmp / "roster_week.csv")
        write_xlsx(grid, tmp / "roster_week.xlsx", f"排班表 {scenario.name}")
        dates = default_dates(scenario)
        n_ics = write_calendars(roster, tmp / "calendars", dates, scenario.name)
        plan["calendar_dates"] = [d.isoformat() for d in dates]
        plan["calendars"] = n_ics
        write_csv(hours, tmp / "person_hours.csv")
        write_csv(cover, tmp / "cover_week.csv")
        write_csv(roster.shortfalls, tmp / "shortfalls.csv")
        write_csv(_requirements(roster), tmp / "requirements_week.csv")
        write_csv(targets, tmp / "targets_by_day.csv")
        write_csv(_per_day(week, "intervals"), tmp / "intervals_by_day.csv")
        write_json(tmp / "plan.json", plan)
        write_json(tmp / "manifest.json", manifest(scenario, args.scenario, eval_seed, reps, workers, wall_time_s,
                                                   sys.argv))
        html = render_page(name=scenario.name, grid=grid, cover=cover, targets=targets, fairness=fair, plan=plan,
                           shortfall_lines=shortfall_lines(roster), reps=reps, seed=eval_seed,
                           days=[pl.code for pl in roster.plans], people=len(scenario.staff_list.people),
                           limit_lines=duty_limit_lines(scenario))
        (tmp / "report.html").write_text(html, encoding="utf-8")
    s1 = roster.stages[0]
    lines = [f"roster: {out}", f"cost {roster.cost:.1f}, {plan['people_rostered']} of {plan['people']} people rostered, "
             f"{plan['duties']} duties; least-cost MILP {s1.status}" + (f" (gap {s1.gap:.3g})" if s1.gap else "")]
    if len(roster.shortfalls):
        lines.append(f"cover short by {plan['cover_shortfall_staff_periods']:.1f} staff-periods (shortfalls.csv)")
    for day, v in plan["targets_met_per_day"].items():
        if v:
            lines.append(f"  {day}: {v['met_confident']}/{v['checked']} target checks met with 95% confidence "
                         f"({v['met']} on the estimate; {reps} replications, fresh seeds)")
    return "\n".join(lines)
