"""Causes, not facts: the limit that binds at the station that is short, tested by relaxing it in a simulation.

For a roster that misses targets:

1. The stations that are short: for every missed target row,
   :func:`optimise.loop.implicated` (the stations on the routes of the
   citizens who miss, kept where the queue per person on duty is at least
   half the longest; a station target names its own station).
2. For each such station, one more person of the cheapest staff type that
   holds a skill needed there and may work there, on the longest shift
   pattern that type may work. What stands in the way is read from the rules
   (:func:`optimise.moves.breaks_rule`): the windows of the station (then the
   relaxation is one more window, e.g. a second inspection lane), the
   headcount of that type (then one more of them), or nothing (more staff
   fit: the roster, not a limit, is short).
3. The relaxed hall is simulated on the same seed (common random numbers) and
   the row says whether every target then holds on its 95% bound, and which
   misses are left. A relaxation that does not meet the targets is reported
   as such: it is not the cause.
"""

from __future__ import annotations

import re

import pandas as pd

from sim.clock import format_clock

from sim.experiment import ExperimentResult, run_experiment
from sim.optimise_settings import OptimiseSettings
from sim.scenario import Scenario

from .loop import implicated, missed
from .messages import Message, parse
from .moves import breaks_rule, build_roster, counts
from .settings import PatternOption, allowed_stations
from .shifts import Roster


def _skills_at(scenario: Scenario, station: str) -> set[str]:
    return {st.skill or code for code, svc in scenario.services.items() for st in svc.steps if st.station == station}


def short_stations(result: ExperimentResult, scenario: Scenario) -> list[str]:
    """Stations the missed targets point to, most implicated first."""
    hits: dict[str, int] = {}
    for _, m in missed(result).iterrows():
        for s, _iv in implicated(result, scenario, m):
            hits[s] = hits.get(s, 0) + 1
    return sorted(hits, key=lambda s: -hits[s])


def relax_and_test(scenario: Scenario, settings: OptimiseSettings, roster: Roster, result: ExperimentResult,
                     options: list[PatternOption], replications: int | None = None, workers: int = 1) -> pd.DataFrame:
    """One row per short station (see the module docstring): the limit that binds, the relaxation tried and whether it meets every target."""
    rows = []
    reps = replications or result.replications
    before = None
    for s in short_stations(result, scenario):
        skills = _skills_at(scenario, s)
        types = sorted((k for k, t in scenario.staff_types.items()
                        if s in allowed_stations(scenario, settings, k) and set(t.skills) & skills),
                       key=lambda k: scenario.staff_types[k].cost_per_hour)
        if not types:
            rows.append({"station": s, "binds": "no staff type may do this work", "relaxation": "", "meets": False})
            continue
        k = types[0]
        pats = [o for o in options if o.allows(k)]
        if not pats:
            continue
        best = max(pats, key=lambda o: o.paid_hours)
        c = counts(roster)
        key = (k, best.name, s, None)
        c[key] = c.get(key, 0) + 1
        trial = build_roster(c, {o.name: o.pattern for o in options} | dict(roster.shift_patterns))
        why = breaks_rule(scenario, settings, trial, options) or ""
        data = scenario.model_dump(mode="json")
        relax = [f"+1 {k} on {best.name} at {s}"]
        if why.startswith("windows at"):
            data["stations"][s]["windows"] += 1
            relax.append(f"+1 window at {s}")
            binds = f"the {scenario.stations[s].windows} windows at {s}"
        elif why.startswith("headcount"):
            binds = why
            relax.append(f"+1 headcount of {k}")
        else:
            binds = "none of the limits: staff can be added here within them"
        from sim.loading import scenario_from_dict
        hall = scenario_from_dict(data, source=f"<{scenario.name} relaxed>")
        try:
            res = run_experiment(trial.apply(hall), reps, result.seed, workers=workers)
        except Exception as exc:  # a relaxation the simulator's own checks refuse: say so
            rows.append({"station": s, "binds": binds, "relaxation": "; ".join(relax), "meets": False,
                         "misses_left": f"not simulated: {exc}"})
            continue
        left = missed(res)
        if before is None:          # the roster unrelaxed on the same seed and replications: a fair count
            before = len(missed(result)) if reps == result.replications else \
                len(missed(run_experiment(roster.apply(scenario), reps, result.seed, workers=workers)))
        rows.append({"station": s, "binds": binds, "relaxation": "; ".join(relax), "meets": left.empty,
                     "misses_before": before, "misses_left": len(left),
                     "still_missed": "; ".join(f"{m.target}@{m.interval}" for m in left.itertuples())[:300]})
    return pd.DataFrame(rows, columns=["station", "binds", "relaxation", "meets", "misses_before", "misses_left",
                                       "still_missed"])


def _eligible(scenario: Scenario, settings: OptimiseSettings, station: str) -> set[str]:
    """Staff types that may work at ``station`` and hold a skill needed there."""
    skills = _skills_at(scenario, station)
    return {k for k, t in scenario.staff_types.items()
            if station in allowed_stations(scenario, settings, k) and set(t.skills) & skills}


def station_reasons(scenario: Scenario, settings: OptimiseSettings, station: str, binding: str) -> list[str]:
    """The reasons in a MILP ``binding`` text that are limits of ``station``.

    A headcount is a limit of the station only for a staff type that may work
    there and holds a skill needed there (the police headcount is no limit of
    an inspection lane that only auxiliaries staff); windows only the
    station's own; a template cap only of a template open to such a type.
    """
    types = _eligible(scenario, settings, station)
    keep = []
    for reason in (r.strip() for r in str(binding).split(";")):
        m = re.match(r"headcount of (\S+) ", reason)
        if m and m.group(1) not in types:
            continue
        m = re.match(r"all \d+ windows at '([^']+)'", reason)
        if m and m.group(1) != station:
            continue
        m = re.match(r"template (\S+) is at its max_staff", reason)
        if m:
            t = settings.shift_templates.get(m.group(1))
            if t is not None and t.staff_types is not None and not set(t.staff_types) & types:
                continue
        if reason:
            keep.append(parse(reason) or reason)      # a catalogued reason, to be shown in either language
    return keep


def _spans(periods: list[float], step_min: float) -> str:
    """``[510, 540, 570, 840]`` on a 30-minute grid -> ``"08:30-10:00, 14:00-14:30"``."""
    out, run = [], []
    for p in sorted(set(periods)):
        if run and p - run[-1] > step_min + 1e-9:
            out.append((run[0], run[-1] + step_min))
            run = []
        run.append(p)
    if run:
        out.append((run[0], run[-1] + step_min))
    return ", ".join(f"{format_clock(a)}-{format_clock(b)}" for a, b in out)


def binding_lines(shortfalls: pd.DataFrame, scenario: Scenario, settings: OptimiseSettings,
                  grid_min: float | None = None) -> list[str]:
    """One line per station and binding limit: when the requirements exceed it, and by how much at most.

    Reasons that are not limits of the station (see :func:`station_reasons`)
    are left out; a shortfall whose reasons are all left out reads "the other
    requirements and rules".
    """
    if shortfalls is None or shortfalls.empty:
        return []
    step = grid_min or settings.grid_min
    f = shortfalls[shortfalls["kind"] == "pool"] if (shortfalls["kind"] == "pool").any() else shortfalls
    groups: dict[tuple[str, str], list] = {}
    why: dict[tuple[str, str], list] = {}
    for r in f.itertuples():
        reasons = station_reasons(scenario, settings, r.station, r.binding) or [Message("milp.other_rules")]
        key = (r.station, "; ".join(reasons))
        why.setdefault(key, reasons)
        groups.setdefault(key, []).append((float(r.period_start_min), float(r.shortfall)))
    return [Message("causes.binding_line", station=key[0], why=why[key], spans=_spans([p for p, _ in v], step),
                    short=f"{max(x for _, x in v):.0f}") for key, v in groups.items()]


def dedupe_notes(notes: list[str]) -> list[str]:
    """The notes with one line per station and limit ("X in 10:00-11:00 could not ...: why" merged over intervals).

    Notes are :class:`sim.messages.Message` (English text read back if not);
    a merged note is ``loop.station_saturated_in``.
    """
    out: list = []
    merged: dict[tuple[str, str], list[str]] = {}
    why: dict[tuple[str, str], object] = {}
    for n in notes:
        msg = n if isinstance(n, Message) else parse(n)
        if msg is None or msg.code != "loop.station_saturated":
            if n not in out:
                out.append(msg or n)
            continue
        station, reason = str(msg.params["station"]), msg.params["why"]
        key = (station, str(reason))
        if key not in merged:
            merged[key], why[key] = [], reason
            out.append(key)             # placeholder, filled below in the order first seen
        merged[key].append(str(msg.params["interval"]))
    return [Message("loop.station_saturated_in", station=k[0], intervals=", ".join(sorted(set(merged[k]))),
                    why=why[k]) if isinstance(k, tuple) else k for k in out]


def correct_bindings(shortfalls: pd.DataFrame, scenario: Scenario, settings: OptimiseSettings) -> pd.DataFrame:
    """``shortfalls`` with each ``binding`` text reduced to the limits of its own station (:func:`station_reasons`)."""
    if shortfalls is None or shortfalls.empty:
        return shortfalls
    out = shortfalls.copy()
    out["binding"] = ["; ".join(station_reasons(scenario, settings, r.station, r.binding))
                      or str(Message("milp.other_rules")) for r in out.itertuples()]
    return out
