"""The numeric limits of the named rules over a horizon (hours, late and Saturday duties)."""

from __future__ import annotations

import math

from sim.scenario import Scenario


def limits(scenario: Scenario, person, calendar_days: int) -> dict[str, float]:
    """The numeric limits of the rules for one person over the horizon.

    Hours: the weekly contract hours times the horizon's weeks. Late and Saturday duties are limited per
    ``per_days`` calendar days (a month-equivalent, e.g. at most 4 Saturdays in 28 days); over a horizon of
    ``D`` calendar days the limit is pro rata, rounded up: ``ceil(max * D / per_days)`` (4 Saturdays a month
    = at most 1 in a 7-day week). An approximation: a person's duties in the weeks before and after the
    horizon are not seen (:func:`duty_limit_lines` states the rule on the roster page).
    """
    r, weeks = scenario.staff_list.rules, (scenario.horizon.weeks() if scenario.horizon else 1.0)
    return {"max_hours": person.contract.weekly_hours * weeks,
            "min_hours": r.min_weekly_hours.share_of_contract * person.contract.weekly_hours * weeks,
            "late": math.ceil(r.max_late_duties.max * calendar_days / r.max_late_duties.per_days - 1e-9),
            "saturday": math.ceil(r.max_saturday_duties.max * calendar_days / r.max_saturday_duties.per_days - 1e-9)}


def duty_limit_lines(scenario: Scenario) -> list[str]:
    """The late and Saturday limits of the horizon as sentences for the roster page (the rule of :func:`limits`)."""
    r = scenario.staff_list.rules
    days = scenario.horizon.calendar_days() if scenario.horizon else 1
    out = []
    for label, rule in (("late duties", r.max_late_duties), ("Saturday duties", r.max_saturday_duties)):
        if rule.enabled:
            n = math.ceil(rule.max * days / rule.per_days - 1e-9)
            out.append(f"At most {rule.max:g} {label} per {rule.per_days:g} days = at most {n} in this {days}-day "
                       f"horizon (pro rata, rounded up; duties outside the horizon are not counted).")
    return out
