"""Why a week cannot be rostered: a pre-check by counting, then an elastic re-solve.

1. Pre-check (no solver): for every open day and every station and skill
   the day requires, the people available that day who may work there and
   hold the skill. Nobody, or fewer than the largest number required on duty,
   is a finding naming the day, the period, the skill and the people who
   hold it and why they are away ("Tue 09:00: skill INSPECT at 'inspection'
   is needed, but nobody available holds it: Li Wei (p07) holds it and is on
   leave on Tue"). Windows below the requirement and fixed ``min_staff``
   above the people available are found the same way.
2. Elastic re-solve: the roster MILP with a priced slack on every cover
   constraint and every per-person rule (:func:`optimise.week.model.build_roster_model`,
   ``elastic=True``). The slacks that must be positive say which rule, on
   which person, or which day's cover has to give, and by how much.
"""

from __future__ import annotations

import pandas as pd

from sim.clock import format_clock
from sim.scenario import Scenario
from sim.staff_list_checks import person_skills

from .days import DayPlan
from .model import build_roster_model, capped_targets
from .stage import run_stage
from .seats import stations_for


def _who(people) -> str:
    return ", ".join(f"{p.name} ({p.id})" for p in people)


def precheck(scenario: Scenario, plans: list[DayPlan]) -> list[str]:
    """Findings that make the week infeasible whatever the rules, by counting people per day."""
    sl = scenario.staff_list
    out = []
    for pl in plans:
        if pl.day.closed:
            continue
        day = pl.scenario
        here = [p for p in sl.people if pl.code not in p.absences()]
        away = [p for p in sl.people if pl.code in p.absences()]
        allowed = {id(p): set(stations_for(day, pl.settings, p, sl.rules)) for p in sl.people}
        needs: dict[str, tuple[int, float]] = {}
        if pl.req is not None:
            for s in pl.req.stations:
                pool, skill_targets = capped_targets(pl, s)
                if pool.max() > 0:
                    k = int(pool.argmax())
                    needs[s] = (int(pool[k]), float(pl.req.period_start_min[k]))
                for q, target in skill_targets.items():
                    if target.max() <= 1e-9:
                        continue
                    t = float(pl.req.period_start_min[int((target > 1e-9).argmax())])
                    holders = [p for p in here if s in allowed[id(p)] and q in person_skills(day, p)]
                    if not holders:
                        absent = [p for p in away if q in person_skills(day, p)]
                        why = (f": {_who(absent)} {'holds' if len(absent) == 1 else 'hold'} it and "
                               f"{'is' if len(absent) == 1 else 'are'} away on {pl.code} "
                               f"({', '.join(sorted({p.absences()[pl.code] for p in absent}))})") if absent else \
                            ": nobody on the staff list who may work there holds it"
                        out.append(f"{pl.code} {format_clock(t)}: skill {q} at station '{s}' is needed, "
                                   f"but nobody available holds it{why}")
        for s, n in pl.min_staff.items():
            if n > 0:
                needs[s] = max(needs.get(s, (0, day.hours.open_min)), (n, day.hours.open_min))
        for s, (n, t) in needs.items():
            able = [p for p in here if s in allowed[id(p)]]
            if len(able) < n:
                gone = [p for p in away if s in allowed[id(p)]]
                out.append(f"{pl.code} {format_clock(t)}: station '{s}' needs {n} on duty but only {len(able)} "
                           f"people who may work there are available" + (f" (away: {_who(gone)})" if gone else ""))
            if n > day.stations[s].windows:
                out.append(f"{pl.code} {format_clock(t)}: station '{s}' needs {n} on duty but has only "
                           f"{day.stations[s].windows} windows that day")
        for rule in pl.settings.cover_rules:
            able = [p for p in here if rule.station in allowed[id(p)] and p.staff_type in rule.staff_types]
            if len(able) < rule.min_staff:
                out.append(f"{pl.code}: cover rule {rule.id} needs {rule.min_staff} of {', '.join(rule.staff_types)} at "
                           f"'{rule.station}', but only {len(able)} are available")
    return out


def elastic_solve(scenario: Scenario, plans: list[DayPlan], time_limit_s: float) -> pd.DataFrame:
    """The positive slacks of the elastic roster MILP: what must give, where, on whom, by how much."""
    model = build_roster_model(scenario, plans, elastic="all")
    run_stage(model, time_limit_s, 1e-4, "elastic")
    rows = []
    for name, (e, info) in model.slacks.items():
        if e.varValue is not None and e.varValue > 1e-6:
            rows.append({"constraint": name, "kind": info["kind"], "day": info.get("day"),
                         "period": format_clock(info["period"]) if "period" in info else None,
                         "station": info.get("station"), "skill": info.get("skill"), "rule": info.get("rule"),
                         "person": info.get("person"), "name": info.get("name"), "required": info.get("required",
                                                                                                    info.get("limit")),
                         "shortfall": float(e.varValue)})
    return pd.DataFrame(rows, columns=["constraint", "kind", "day", "period", "station", "skill", "rule", "person",
                                       "name", "required", "shortfall"])


def describe(frame: pd.DataFrame, most: int = 30) -> list[str]:
    """Readable lines: one per rule and person, and one per day, station and skill (first and last period)."""
    lines = []
    cover = frame[frame["kind"] != "rule"]
    for (day, station, skill, kind), grp in cover.groupby(["day", "station", "skill", "kind"], dropna=False, sort=False):
        what = {"cover": f"skill {skill} at '{station}'", "min_staff": f"min_staff at '{station}'",
                "cover_rule": f"cover rule {grp['rule'].iloc[0]} at '{station}'"}.get(kind, f"station '{station}'")
        if kind == "cover" and (skill is None or skill != skill):
            what = f"staff on duty at '{station}'"
        lines.append(f"{day} {grp['period'].iloc[0]}-{grp['period'].iloc[-1]}: {what} short by up to "
                     f"{grp['shortfall'].max():.2f} ({len(grp)} period(s))")
    for _, r in frame[frame["kind"] == "rule"].iterrows():
        lines.append(f"rule {r['rule']} must give for {r['name']} ({r['person']}): by {r['shortfall']:.2f} "
                     f"(limit {r['required']:g})")
    return lines[:most] + ([f"... and {len(lines) - most} more"] if len(lines) > most else [])


def explain_infeasible(scenario: Scenario, plans: list[DayPlan], time_limit_s: float) -> tuple[list[str], pd.DataFrame]:
    """The pre-check's findings, then what the elastic re-solve says must give."""
    found = precheck(scenario, plans)
    frame = elastic_solve(scenario, plans, time_limit_s)
    lines = found + (["the elastic re-solve: what must give"] + describe(frame) if len(frame) else [])
    return lines or ["the roster MILP is infeasible, but neither the pre-check nor the elastic re-solve names a "
                     "cause"], frame
