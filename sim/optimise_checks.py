"""Cross-field checks of a scenario's ``optimise:`` block against the rest of the scenario.

The settings models (:mod:`sim.optimise_settings`) are pure data and know
nothing of :class:`sim.scenario.Scenario`; the scenario holds them as a field.
The checks that need both (a template's staff types exist, a cover rule's
station has enough windows, a staff type holds a skill needed where it may
work) live here, so neither schema module imports the other.
"""

from __future__ import annotations

from .clock import format_clock
from .optimise_settings import OptimiseSettings
from .scenario import Scenario

Finding = tuple[tuple, str]


def skills_needed_at(s: Scenario) -> dict[str, set[str]]:
    """Per station, the skills its steps need (a step without ``skill`` needs its service code)."""
    out: dict[str, set[str]] = {name: set() for name in s.stations}
    for code, svc in s.services.items():
        for step in svc.steps:
            if step.station in out:
                out[step.station].add(step.skill or code)
    return out


def allowed_stations(s: Scenario, settings: OptimiseSettings, staff_type: str) -> list[str]:
    """Stations where ``staff_type`` may work: listed in ``settings.stations`` and holding a needed skill."""
    at = skills_needed_at(s)
    skills = set(s.staff_types[staff_type].skills)
    listed = settings.stations.get(staff_type, list(s.stations))
    return [st for st in listed if st in at and at[st] & skills]


def check_settings(s: Scenario, o: OptimiseSettings, root: tuple = ("optimise",)) -> list[Finding]:
    """Cross-field errors of settings ``o`` against scenario ``s``: ``[(path, message)]``."""
    errors: list[Finding] = []
    types, stations, at = s.staff_types, s.stations, skills_needed_at(s)

    def known(value, pool, path, what):
        if value not in pool:
            errors.append((path, f"unknown {what} '{value}' (known: {', '.join(pool)})"))
            return False
        return True

    open_min, close_min = s.hours.open_min, s.hours.close_min
    for tid, t in o.shift_templates.items():
        path = root + ("shift_templates", tid)
        for i, st in enumerate(t.staff_types or []):
            known(st, types, path + ("staff_types", i), "staff type")
        if t.start.latest is not None and t.start.latest < t.start.earliest:
            errors.append((path + ("start", "latest"), "is before earliest"))
            continue
        for j, b in enumerate(t.breaks):
            if b.within.end - b.within.start < b.length_min:
                errors.append((path + ("breaks", j), f"a {b.length_min}-minute break does not fit in "
                                                     f"{format_clock(b.within.start)}-{format_clock(b.within.end)}"))
        inside = fits = 0
        for start in t.start.times_min():
            for length in t.lengths_min():
                end = start + length
                if end > 1440:
                    errors.append((path + ("length_min",), f"a shift starting {format_clock(start)} would end after 24:00"))
                    continue
                if not t.outside_opening_hours and (start < open_min or end > close_min):
                    continue        # such combinations are skipped (see optimise.settings)
                inside += 1
                if all(any(start < b0 and b0 + b.length_min < end for b0 in b.starts_min()) for b in t.breaks):
                    fits += 1
        if any(p[:len(path)] == path for p, _ in errors):
            continue
        if not inside:
            first = t.start.earliest
            errors.append((path, f"every shift of this template (from {format_clock(first)}, "
                                 f"{t.lengths_min()[0]} min ...) lies outside the opening hours "
                                 f"{format_clock(open_min)}-{format_clock(close_min)}; set outside_opening_hours: true "
                                 "if that is intended"))
        elif not fits:
            errors.append((path + ("breaks",), "no placement of the breaks fits strictly inside any shift of this template"))
    for name, n in o.headcount.items():
        known(name, types, root + ("headcount", name), "staff type")
    for name, allowed in o.stations.items():
        if not known(name, types, root + ("stations", name), "staff type"):
            continue
        for i, st in enumerate(allowed):
            if known(st, stations, root + ("stations", name, i), "station"):
                if not at[st] & set(types[name].skills):
                    errors.append((root + ("stations", name, i), f"{name} holds no skill needed at station '{st}'"))
    seen = set()
    for i, r in enumerate(o.cover_rules):
        path = root + ("cover_rules", i)
        if r.id in seen:
            errors.append((path + ("id",), f"rule id '{r.id}' is used twice"))
        seen.add(r.id)
        if not known(r.station, stations, path + ("station",), "station"):
            continue
        windows = stations[r.station].windows
        groups = getattr(stations[r.station], "window_groups", {}) or {}
        if r.window_group is not None:
            if r.window_group not in groups:
                errors.append((path + ("window_group",), f"station '{r.station}' has no window group "
                                                         f"'{r.window_group}'"))
            else:
                windows = groups[r.window_group].windows
        if r.min_staff > windows:
            errors.append((path + ("min_staff",), f"station '{r.station}' has only {windows} windows"))
        total = stations[r.station].windows
        if r.when != "always" and r.when.windows_open_at_least > total:
            errors.append((path + ("when", "windows_open_at_least"), f"station '{r.station}' has only {total} windows"))
        for j, st in enumerate(r.staff_types):
            if known(st, types, path + ("staff_types", j), "staff type") and r.station not in allowed_stations(s, o, st):
                errors.append((path + ("staff_types", j), f"{st} may not work at station '{r.station}'"))
    return errors


def check_optimise_settings(s: Scenario) -> list[Finding]:
    """The ``optimise:`` block's cross-field errors (none when the scenario has no such block).

    To be called from :func:`sim.checks.check_scenario` once ``Scenario`` has
    the field ``optimise: OptimiseSettings | None = None``.
    """
    o = getattr(s, "optimise", None)
    return [] if o is None else check_settings(s, o)
