"""The days of a horizon as one-day scenarios, and the checks of the horizon and the staff list.

Each open day of ``scenario.horizon`` becomes a frozen one-day ``Scenario``
(validated by the simulator's own checks): the shared scenario with the
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
from .horizon import Day, check_horizon, one_day_horizon
from .scenario import Scenario

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


def sessions_min(day: Day, scenario: Scenario) -> tuple[float, float]:
    """Opening and closing minute of ``day``."""
    if day.sessions is not None:
        return day.sessions[0].start, day.sessions[-1].end
    return scenario.hours.open_min, scenario.hours.close_min


def day_scenario(scenario: Scenario, day: Day) -> Scenario:
    """The frozen one-day scenario of an open ``day``; raises ``sim.loading.ScenarioError``."""
    from .loading import scenario_from_dict

    return scenario_from_dict(day_data(scenario, day), source=f"<{scenario.name} {day.day}>")


def week_days(scenario: Scenario) -> list[WeekDay]:
    """Every day of the horizon (a scenario without one: a single day, the scenario itself)."""
    if scenario.horizon is None:
        plain = scenario.model_copy(update={"staff_list": None})
        return [WeekDay(0, one_day_horizon().days[0], 0, plain)]
    h = scenario.horizon
    offsets = h.calendar_offsets()
    return [WeekDay(i, d, offsets[i], None if d.closed else day_scenario(scenario, d)) for i, d in enumerate(h.days)]


def check_week(s: Scenario) -> list[Finding]:
    """Errors of the horizon (day overrides) and of the staff list against the scenario."""
    from .loading import ScenarioError
    from .staff_list_checks import check_staff_list

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
                day_scenario(s, d)
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


def simulated_day(scenario: Scenario, code: str | None, source: str) -> Scenario:
    """The one-day scenario ``queueplan run`` simulates from a week file: day ``code`` of the horizon with
    the file's own roster (``code=None``: the file's shared day, no day factor), its description saying
    so. A scenario without a horizon is returned unchanged (``code`` must then be None).

    Raises ``sim.loading.ScenarioError`` (field ``--day``) for a day not in the horizon, a closed day, or a
    roster that does not fit the day.
    """
    from .loading import Problem, ScenarioError, scenario_from_dict

    if scenario.horizon is None:
        if code is not None:
            raise ScenarioError([Problem(source, None, "--day", "the scenario has no horizon: it is one day")])
        return scenario
    days = {d.day: d for d in scenario.horizon.days}
    if code is None:
        data = scenario.model_dump(mode="json", exclude={"horizon", "staff_list"})
    else:
        if code not in days:
            raise ScenarioError([Problem(source, None, "--day", f"'{code}' is not a day of the horizon "
                                                               f"(days: {', '.join(days)})")])
        if days[code].closed:
            raise ScenarioError([Problem(source, None, "--day", f"the hall is closed on {code}")])
        data = day_data(scenario, days[code], keep_roster=True)
    data["description"] = week_run_note(scenario, code) + (" " + scenario.description if scenario.description else "")
    return scenario_from_dict(data, source=f"{source} --day {code}" if code else source)
