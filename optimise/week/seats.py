"""Where a rostered person sits: a station or one of its window groups (``counter/green``).

A window group (the green channel, dealer batch windows) is planned per
person: the roster MILP (:mod:`optimise.week.model`) assigns a person to a
seat, the station's ordinary seats or one of its groups, and the week is
simulated with everyone in their seat (:class:`sim.week.Duty`).
"""

from __future__ import annotations

from sim.scenario import Scenario
from sim.staff_list import Rules
from sim.staff_list_checks import person_skills

from .days import DayPlan


def seat(station: str, window_group: str | None) -> str:
    """Where a person sits: ``counter``, or ``counter/green`` in the station's window group ``green``."""
    return station if window_group is None else f"{station}/{window_group}"


def split_seat(text: str) -> tuple[str, str | None]:
    """``"counter/green"`` -> ``("counter", "green")``; ``"counter"`` -> ``("counter", None)``."""
    station, _, group = text.partition("/")
    return station, group or None


def group_staff_types(settings, station: str, group: str) -> set[str]:
    """The staff types the cover rules on a window group name (empty: no rule names any)."""
    return {k for rule in settings.cover_rules if rule.station == station and rule.window_group == group
            for k in rule.staff_types}


def stations_for(scenario: Scenario, settings, person, rules: Rules) -> list[str]:
    """The seats where ``person`` may be rostered: each allowed station, then its window groups
    (``station/group``) whose ``skills`` (if the group lists any) the person holds one of.

    A group that cover rules staff (the green channel's officers) seats the staff types those rules name
    only: its windows are kept for its own people (a modelling choice; the one-day MILP lets anyone sit
    at a free group window, which matters only when the station's ordinary windows are all taken).
    """
    needed: dict[str, set[str]] = {s: set() for s in scenario.stations}
    for code, svc in scenario.services.items():
        for st in svc.steps:
            needed[st.station].add(st.skill or code)
    skills = set(person_skills(scenario, person))
    listed = person.stations or settings.stations.get(person.staff_type, list(scenario.stations))
    out = []
    for s in listed:
        if s in needed and (not rules.skills_held.enabled or needed[s] & skills):
            out.append(s)
            for g, grp in scenario.stations[s].window_groups.items():
                named = group_staff_types(settings, s, g)
                if (not grp.skills or set(grp.skills) & skills) and (not named or person.staff_type in named):
                    out.append(seat(s, g))
    return out


def serves_all(scenario: Scenario, seat_text: str) -> bool:
    """Does a person in this seat count toward the station's requirements? Ordinary seats do, and window
    groups whose staff help others when idle (as in the one-day MILP, :mod:`optimise.milp_model`)."""
    station, group = split_seat(seat_text)
    return group is None or scenario.stations[station].window_groups[group].when_idle == "help_others"


def useless_group_seats(plan: DayPlan, types: dict[int, str], seats: dict[int, list[str]]) -> set[tuple[str, str]]:
    """``(staff type, station/group)`` seats that no roster needs on this day (left out of the model).

    When everyone who may work at a station that day fits its ordinary seats, a person in one of its window
    groups whom no cover rule on that group names (by staff type) can move to an ordinary seat: the same
    cost, the group's window row only loosens, no group rule loses a person, and the station's requirements
    count them the same (or, for an ``idle`` group, better). So an optimal roster never needs the seat.
    """
    day, out = plan.scenario, set()
    named: dict[str, set[str]] = {}
    for rule in plan.settings.cover_rules:
        if rule.window_group:
            named.setdefault(seat(rule.station, rule.window_group), set()).update(rule.staff_types)
    for s, st in day.stations.items():
        if not st.window_groups:
            continue
        ordinary = st.windows - sum(g.windows for g in st.window_groups.values())
        if sum(1 for places in seats.values() if s in places) > ordinary:
            continue
        for g in st.window_groups:
            place = seat(s, g)
            out |= {(k, place) for k in set(types.values()) - named.get(place, set())}
    return out
