"""The days of a horizon as one-day scenario data, and the checks of the horizon and the staff list.

Each open day of ``scenario.horizon`` becomes the data of a one-day ``Scenario``
(built and validated by :mod:`sim.week_scenarios`): the shared scenario with the
day's hours, volume factors, profile, windows and targets. Shift templates
that are not for the day (their ``days``) or have no shift inside the day's
hours are left out of that day's ``optimise:`` block (a full-day template on
a Saturday half day, a Saturday template on a weekday), and the day's
``shift_patterns``/``roster`` are placeholders: who works that day comes
from the week's roster. Window groups (a green channel, dealer windows) and
the cover rules on them are kept: the week's roster seats people in them.

``check_week`` returns ``[(path, message)]`` findings placed in the YAML
document, in the style of :mod:`sim.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .clock import format_clock
from .horizon import Day, check_horizon, sessions_min
from .problems import ScenarioError
from .scenario import Scenario
from .staff_list_checks import check_staff_list

Finding = tuple[tuple, str]


@dataclass(frozen=True)
class WeekDay:
    """One day of the horizon: its position, and its one-day scenario (None when closed)."""

    index: int
    day: Day
    offset_days: int                 # calendar days after the first day
    scenario: Scenario | None

    @property
    def code(self) -> str:
        return self.day.day

    @property
    def closed(self) -> bool:
        return self.scenario is None


def _fits(t, open_min: float, close_min: float) -> bool:
    """Does some start x length of template ``t`` lie inside the hours?"""
    if t.outside_opening_hours:
        return True
    return any(open_min <= s and s + n <= close_min for s in t.start.times_min() for n in t.lengths_min())


def _offered(t, day: Day, open_min: float, close_min: float) -> bool:
    """Template ``t`` is offered on ``day``: it is for that day (its ``days``) and fits the day's hours."""
    return t.is_for(day) and _fits(t, open_min, close_min)


def day_data(scenario: Scenario, day: Day, keep_roster: bool = False) -> dict:
    """The one-day scenario of ``day`` as plain data (validated by :func:`day_scenario`).

    ``keep_roster``: keep the file's own ``shift_patterns`` and ``roster`` (``queueplan run --day``) instead
    of the open-day pattern and an empty roster for the week's roster to fill. Window groups are kept
    either way (the week's roster seats people in them).
    """
    data = scenario.model_dump(mode="json", exclude={"horizon", "staff_list"})
    data["name"] = f"{scenario.name}-{day.day}"
    hours = data["hours"]
    if day.sessions is not None:
        overrun = scenario.hours.hard_stop_min - scenario.hours.close_min
        hours["sessions"] = [s.model_dump(mode="json") for s in day.sessions]
        close = day.sessions[-1].end
        hours["last_ticket"] = None
        hours["hard_stop"] = format_clock(min(close + overrun, 1439.0)) if overrun > 0 else None
    if day.last_ticket is not None:
        hours["last_ticket"] = format_clock(day.last_ticket)
    if day.hard_stop is not None:
        hours["hard_stop"] = format_clock(day.hard_stop)
    arrivals = data["arrivals"]
    extra = [{"name": "day_of_week", "factor": day.volume_factor}] if day.volume_factor != 1.0 else []
    arrivals["multipliers"] = arrivals["multipliers"] + extra + [m.model_dump(mode="json") for m in day.multipliers]
    if day.daily_volume is not None:
        arrivals["daily_volume"] = day.daily_volume
    if day.profile is not None:
        arrivals["profile"] = [p.model_dump(mode="json") for p in day.profile]
    for name, st in data["stations"].items():
        if name in day.windows:
            st["windows"] = day.windows[name]
    if day.targets is not None:
        data["targets"] = day.targets
    sessions = hours["sessions"]
    open_txt, close_txt = sessions[0]["start"], sessions[-1]["end"]
    gaps = [{"start": a["end"], "end": b["start"]} for a, b in zip(sessions, sessions[1:])]
    if keep_roster:
        return data
    data["shift_patterns"] = {"OPEN": {"start": open_txt, "end": close_txt, "breaks": gaps}}
    data["roster"] = []
    opt = data.get("optimise")
    if opt is not None and scenario.optimise is not None:
        open_min, close_min = sessions_min(day, scenario)
        opt["shift_templates"] = {tid: t for tid, t in opt["shift_templates"].items()
                                  if _offered(scenario.optimise.shift_templates[tid], day, open_min, close_min)}
        for r in opt.get("cover_rules", []):
            if r["when"] != "always":
                r["when"]["windows_open_at_least"] = min(r["when"]["windows_open_at_least"],
                                                         data["stations"][r["station"]]["windows"]) \
                    if r["station"] in data["stations"] else r["when"]["windows_open_at_least"]
    return data


def check_week(s: Scenario, build) -> list[Finding]:
    """Errors of the horizon (day overrides) and of the staff list against the scenario.

    ``build(data, source=...)`` validates a day's scenario (:func:`sim.loading.scenario_from_dict`, which
    calls this function: passed in, so that neither module imports the other's).
    """

    errors: list[Finding] = []
    if s.horizon is not None:
        errors += check_horizon(s.horizon)
        for i, d in enumerate(s.horizon.days):
            path = ("horizon", "days", i)
            for key in ("windows", "min_staff"):
                for name in getattr(d, key):
                    if name not in s.stations:
                        errors.append((path + (key, name), f"unknown station '{name}' (stations: {', '.join(s.stations)})"))
            if d.closed or any(p[:3] == path for p, _ in errors):
                continue
            try:
                build(day_data(s, d), source=f"<{s.name} {d.day}>")
            except ScenarioError as exc:
                for p in exc.problems:
                    errors.append((path, f"the day's scenario is not valid: {p.field + ': ' if p.field else ''}{p.message}"))
            if s.optimise is not None:
                o, c = sessions_min(d, s)
                if not any(_offered(t, d, o, c) for t in s.optimise.shift_templates.values()):
                    errors.append((path, f"no shift template of the optimise block is for {d.day} and fits the "
                                         f"day's hours {format_clock(o)}-{format_clock(c)}"))
    if errors:
        return errors
    if s.staff_list is not None:
        errors += check_staff_list(s)
    return errors


def week_run_note(scenario: Scenario, code: str | None) -> str:
    """What ``queueplan run`` simulates of a week scenario, in one sentence (terminal and report)."""
    if code is None:
        others = ", ".join(d.day for d in scenario.horizon.days if not d.closed)
        return ("A week scenario: this run simulates the file's shared day (its hours, roster and demand, no day "
                f"factor) only; use queueplan roster for the week, or --day NAME ({others}).")
    return (f"A week scenario: this run simulates {code} only (its hours and demand, the file's roster); "
            "use queueplan roster for the week.")
