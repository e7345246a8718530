"""The days of a week scenario built as frozen one-day scenarios (validated by :func:`sim.loading.scenario_from_dict`).

:mod:`sim.week_days` gives each day's data and the checks; this module builds
the scenarios: every day of the horizon (:func:`week_days`), one day
(:func:`day_scenario`), and the day ``queueplan run`` simulates of a week
file (:func:`simulated_day`).
"""

from __future__ import annotations

from .horizon import one_day_horizon
from .loading import scenario_from_dict
from .problems import Problem, ScenarioError
from .scenario import Scenario
from .week_days import Day, WeekDay, day_data, week_run_note


def day_scenario(scenario: Scenario, day: Day) -> Scenario:
    """The frozen one-day scenario of an open ``day``; raises ``sim.loading.ScenarioError``."""
    return scenario_from_dict(day_data(scenario, day), source=f"<{scenario.name} {day.day}>")


def week_days(scenario: Scenario) -> list[WeekDay]:
    """Every day of the horizon (a scenario without one: a single day, the scenario itself)."""
    if scenario.horizon is None:
        plain = scenario.model_copy(update={"staff_list": None})
        return [WeekDay(0, one_day_horizon().days[0], 0, plain)]
    h = scenario.horizon
    offsets = h.calendar_offsets()
    return [WeekDay(i, d, offsets[i], None if d.closed else day_scenario(scenario, d)) for i, d in enumerate(h.days)]


def simulated_day(scenario: Scenario, code: str | None, source: str) -> Scenario:
    """The one-day scenario ``queueplan run`` simulates from a week file: day ``code`` of the horizon with
    the file's own roster (``code=None``: the file's shared day, no day factor), its description saying
    so. A scenario without a horizon is returned unchanged (``code`` must then be None).

    Raises ``sim.loading.ScenarioError`` (field ``--day``) for a day not in the horizon, a closed day, or a
    roster that does not fit the day.
    """
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
