"""Rules that relate several parts of a scenario, each naming the exact field.

Pydantic checks the shape and the signs of every value; these checks look
across the file: routes name known stations, shares sum to one, the arrival
profile covers the ticket hours, shift patterns fit the opening hours and
their breaks fit the shift, every needed skill is held by some staff type,
and the roster never puts more staff on duty at a station than it has windows.

``check_scenario`` returns ``(errors, warnings)``, each a list of
``(path, message)`` with ``path`` a tuple of keys and list indices into the
YAML document, so the loader can point at the line.
"""

from __future__ import annotations

from .clock import format_clock
from .messages import Message
from .optimise_checks import check_optimise_settings
from .scenario import Scenario

Path = tuple
Finding = tuple[Path, str]
SHARE_TOLERANCE = 1e-6


def _spans_ordered(spans, path: Path, what: str, errors: list[Finding], indices=None) -> None:
    """Each span ends after it starts and begins no earlier than the previous one ends.

    ``indices`` gives each span's position in the file when ``spans`` were sorted.
    """
    indices = list(range(len(spans))) if indices is None else indices
    for k, span in enumerate(spans):
        i = indices[k]
        if span.end <= span.start:
            errors.append((path + (i, "end"), f"{what} ends at {format_clock(span.end)}, not after its start"))
        if k and span.start < spans[k - 1].end:
            errors.append((path + (i, "start"), f"{what} overlaps another one "
                                               f"({format_clock(spans[k - 1].start)}-{format_clock(spans[k - 1].end)})"))


def _check_hours(s: Scenario, errors: list[Finding]) -> None:
    h = s.hours
    _spans_ordered(h.sessions, ("hours", "sessions"), "session", errors)
    if h.last_ticket is not None and not h.open_min < h.last_ticket <= h.close_min:
        errors.append((("hours", "last_ticket"), "must lie after opening and no later than the last session's end"))
    if h.hard_stop is not None and h.hard_stop < h.close_min:
        errors.append((("hours", "hard_stop"), "must not be before the end of the last session"))
    if s.experiment.warmup_min >= h.last_ticket_min - h.open_min:
        errors.append((("experiment", "warmup_min"), "is as long as the ticket hours: nothing would be measured"))


def _check_shares(shares: dict, path: Path, what: str, errors: list[Finding]) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        errors.append((path, f"{what} shares sum to {total:.6g}, not 1"))


def _check_profile(s: Scenario, errors: list[Finding]) -> None:
    slots = sorted(enumerate(s.arrivals.profile), key=lambda p: p[1].start)
    _spans_ordered([sl for _, sl in slots], ("arrivals", "profile"), "profile slot", errors, [i for i, _ in slots])
    total = sum(sl.share for sl in s.arrivals.profile)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        errors.append((("arrivals", "profile"), f"profile shares sum to {total:.6g}, not 1"))
    # The profile must give a rate at every moment tickets can be issued.
    for i, session in enumerate(s.hours.sessions):
        t, end = session.start, min(session.end, s.hours.last_ticket_min)
        for _, sl in slots:
            if sl.start <= t < sl.end:
                t = sl.end
        if t < end:
            errors.append(
                (("arrivals", "profile"), f"does not cover the opening hours from {format_clock(t)} "
                 f"(session {format_clock(session.start)}-{format_clock(session.end)}); add a slot, share 0 if need be")
            )


def _check_services(s: Scenario, errors: list[Finding], warnings: list[Finding]) -> None:
    held = {skill for st in s.staff_types.values() for skill in st.skills}
    for code, service in s.services.items():
        if all(step.probability < 1 for step in service.steps):
            errors.append((("services", code, "steps"), "at least one step must always be needed (probability 1)"))
        for j, step in enumerate(service.steps):
            path = ("services", code, "steps", j)
            if step.station not in s.stations:
                errors.append((path + ("station",), f"unknown station '{step.station}' (stations: {', '.join(s.stations)})"))
            skill = step.skill or code
            if skill not in held:
                errors.append((path + (("skill",) if step.skill else ()), f"no staff type holds skill '{skill}' needed here"))
    for code in s.arrivals.mix:
        if code not in s.services:
            errors.append((("arrivals", "mix", code), f"unknown service type '{code}' (services: {', '.join(s.services)})"))
    _check_shares(s.arrivals.mix, ("arrivals", "mix"), "business mix", errors)
    _check_shares({k: c.share for k, c in s.classes.items()}, ("classes",), "priority class", errors)
    used = {(st.station, st.skill or code) for code, svc in s.services.items() for st in svc.steps}
    used_skills = {skill for _, skill in used}
    for name, st in s.staff_types.items():
        for skill in st.skills:
            if skill not in used_skills:
                errors.append((("staff_types", name, "skills", skill), f"skill '{skill}' is not needed by any step"))
    # Demand that nobody on the roster can serve: legal (the optimiser fills rosters) but worth a warning.
    rostered = {(e.station, sk) for e in s.roster if e.count and e.staff_type in s.staff_types
                for sk in s.staff_types[e.staff_type].skills}
    if s.roster:
        for code, share in s.arrivals.mix.items():
            if share > 0 and code in s.services:
                for j, step in enumerate(s.services[code].steps):
                    if (step.station, step.skill or code) not in rostered:
                        warnings.append((("services", code, "steps", j),
                                         Message("warn.step_unrostered", station=step.station)))


def _check_shifts(s: Scenario, errors: list[Finding]) -> None:
    open_min, close_min = s.hours.open_min, s.hours.close_min
    for code, p in s.shift_patterns.items():
        path = ("shift_patterns", code)
        if p.end <= p.start:
            errors.append((path + ("end",), "shift ends before it starts"))
            continue
        if not p.outside_opening_hours and (p.start < open_min or p.end > close_min):
            errors.append((path, f"shift {format_clock(p.start)}-{format_clock(p.end)} lies outside the opening "
                                 f"hours {format_clock(open_min)}-{format_clock(close_min)}; "
                                 "set outside_opening_hours: true if that is intended"))
        ordered = sorted(enumerate(p.breaks), key=lambda b: b[1].start)
        for k, (i, brk) in enumerate(ordered):
            bpath = path + ("breaks", i)
            if brk.end <= brk.start:
                errors.append((bpath + ("end",), "break ends before it starts"))
            elif brk.start <= p.start or brk.end >= p.end:
                errors.append((bpath, f"break {format_clock(brk.start)}-{format_clock(brk.end)} does not fit "
                                      f"inside the shift {format_clock(p.start)}-{format_clock(p.end)}"))
            if k and brk.start < ordered[k - 1][1].end:
                errors.append((bpath, "break overlaps another break"))


def _check_roster(s: Scenario, errors: list[Finding]) -> None:
    for i, e in enumerate(s.roster):
        path = ("roster", i)
        for key, known in (("staff_type", s.staff_types), ("shift", s.shift_patterns), ("station", s.stations)):
            value = getattr(e, key)
            if value not in known:
                errors.append((path + (key,), f"unknown {key.replace('_', ' ')} '{value}' (known: {', '.join(known)})"))
        if e.staff_type in s.staff_types and e.station in s.stations:
            at_station = {st.skill or code for code, svc in s.services.items() for st in svc.steps if st.station == e.station}
            if not at_station & set(s.staff_types[e.staff_type].skills):
                errors.append((path, f"{e.staff_type} holds no skill needed at station '{e.station}'"))
    if errors:
        return
    # Staff on duty at each station (and in each window group) never exceed its windows.
    for station, spec in s.stations.items():
        pools = {None: spec.windows - sum(g.windows for g in spec.window_groups.values())}
        pools.update({name: g.windows for name, g in spec.window_groups.items()})
        for group, windows in pools.items():
            periods = [(a, b, e.count, i) for i, e in enumerate(s.roster)
                       if e.station == station and e.window_group == group and e.count
                       for a, b in s.shift_patterns[e.shift].work_periods_min()]
            for t in sorted({a for a, *_ in periods}):
                on_duty = [(n, i) for a, b, n, i in periods if a <= t < b]
                if sum(n for n, _ in on_duty) > windows:
                    worst = max(on_duty)[1]
                    where = f"window group '{group}' of station '{station}'" if group else (
                        f"station '{station}'" + (" outside its window groups" if spec.window_groups else ""))
                    errors.append((("roster", worst, "count"),
                                   f"{sum(n for n, _ in on_duty)} staff on duty at {where} at {format_clock(t)}, "
                                   f"but it has {windows} windows"))
                    break


def _check_stations(s: Scenario, errors: list[Finding]) -> None:
    for name, spec in s.stations.items():
        path = ("stations", name)
        if sum(g.windows for g in spec.window_groups.values()) > spec.windows:
            errors.append((path + ("window_groups",), "window groups hold more windows than the station has"))
        skills_here = {st.skill or code for code, svc in s.services.items() for st in svc.steps if st.station == name}
        for gname, group in spec.window_groups.items():
            for k, cls in enumerate(group.classes or []):
                if cls not in s.classes:
                    errors.append((path + ("window_groups", gname, "classes", k), f"unknown class '{cls}'"))
            for k, skill in enumerate(group.skills or []):
                if skill not in skills_here:
                    errors.append((path + ("window_groups", gname, "skills", k),
                                   f"skill '{skill}' is not needed at station '{name}'"))
    for i, e in enumerate(s.roster):
        station = s.stations.get(e.station)
        if e.window_group is not None and station is not None and e.window_group not in station.window_groups:
            known = ", ".join(station.window_groups) or "none"
            errors.append((("roster", i, "window_group"),
                           f"station '{e.station}' has no window group '{e.window_group}' (its groups: {known})"))


def _check_demand_extras(s: Scenario, errors: list[Finding]) -> None:
    balk = s.arrivals.balking
    if balk is not None:
        if not balk:
            errors.append((("arrivals", "balking"), "give at least one point {queue, probability}"))
        for k in range(1, len(balk)):
            if balk[k].queue <= balk[k - 1].queue:
                errors.append((("arrivals", "balking", k, "queue"), "points must have increasing queue lengths"))
    a = s.appointments
    if a is None:
        return
    path = ("appointments",)
    if a.priority_class not in s.classes:
        errors.append((path + ("priority_class",), f"unknown class '{a.priority_class}' (classes: {', '.join(s.classes)})"))
    for code in a.capacity_per_slot:
        if code not in s.services:
            errors.append((path + ("capacity_per_slot", code), f"unknown service type '{code}'"))
    if a.slot_min > s.hours.last_ticket_min - s.hours.open_min:
        errors.append((path + ("slot_min",), "a slot is longer than the ticket hours"))
    # Work booked into one slot must fit the windows of each station in that slot, at full capacity.
    load: dict[str, float] = {}
    for code, n in a.capacity_per_slot.items():
        if code in s.services:
            for step in s.services[code].steps:
                load[step.station] = load.get(step.station, 0.0) + n * step.probability * step.work.mean
    for station, work_min in load.items():
        if station in s.stations and work_min > s.stations[station].windows * a.slot_min:
            errors.append((path + ("capacity_per_slot",),
                           f"cannot be met: a full slot brings {work_min:.0f} minutes of work to station '{station}', "
                           f"more than its {s.stations[station].windows} windows can do in {a.slot_min:g} minutes"))


def _check_targets(s: Scenario, errors: list[Finding]) -> None:
    needs = {"service_level": ("wait_min", "fraction"), "mean_wait": ("max_min",), "max_abandonment": ("fraction",),
             "time_in_hall": ("max_min",), "max_unserved": ("fraction",)}
    seen = set()
    for i, t in enumerate(s.targets):
        for field in needs[t.kind]:
            if getattr(t, field) is None:
                errors.append((("targets", i), f"a {t.kind} target needs '{field}'"))
        if t.kind == "service_level" and t.fraction == 0:
            errors.append((("targets", i, "fraction"), "a service level of 0 is always met"))
        if (t.station is not None or t.step != "first") and t.kind not in ("service_level", "mean_wait"):
            errors.append((("targets", i), f"station and step apply to service_level and mean_wait, not {t.kind}"))
        if t.station is not None and t.step != "first":
            errors.append((("targets", i), "give either station or step: any, not both"))
        if t.station is not None and t.station not in s.stations:
            errors.append((("targets", i, "station"), f"unknown station '{t.station}' (known: {', '.join(s.stations)})"))
        if t.id in seen:
            errors.append((("targets", i, "id"), f"target id '{t.id}' is used twice"))
        seen.add(t.id)


def check_scenario(s: Scenario) -> tuple[list[Finding], list[Finding]]:
    """Return ``(errors, warnings)`` found across the parts of scenario ``s``."""
    errors: list[Finding] = []
    warnings: list[Finding] = []
    _check_hours(s, errors)
    _check_profile(s, errors)
    _check_services(s, errors, warnings)
    _check_shifts(s, errors)
    _check_stations(s, errors)
    _check_roster(s, errors)
    _check_targets(s, errors)
    _check_demand_extras(s, errors)
    if not errors:
        errors += check_optimise_settings(s)
    return errors, warnings
