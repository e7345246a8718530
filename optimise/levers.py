"""Levers: the smallest change to each limit that binds at a short station, as a changed copy of the hall.

A lever is a change a planner can make, applied to a copy of the scenario
(and of its optimiser settings), never to the scenario itself:

=================  ==========================================================
``windows``        one more window at a station whose windows the roster fills
``headcount``      one more person of a staff type whose headcount is used up
                   and who may work at the station
``earlier_shift``  the shift templates that start after opening may start
                   30 minutes earlier (down to the opening)
``cross_train``    N staff of a type (N = 1, then 2) trained in a skill needed
                   at the station that only one staff type there holds
                   (一窗通办: more people able to do the business)
=================  ==========================================================

Which limits bind (:func:`binding_levers`), for each short station (the
stations the missed targets point to, :func:`optimise.causes.short_stations`),
read from the roster and the settings without simulating:

* windows: at some moment the roster has as many staff on duty at the
  station as it has windows (or the MILP reported the windows full there);
* headcount: a staff type that holds a skill needed at the station and may
  work there has all of its headcount on the roster;
* shift templates: a template open to a staff type that may work at the
  station starts later than the opening;
* a skill held by too few: a skill needed at the station that exactly one of
  the staff types allowed there holds, when that type's headcount is used up
  or another type that may work there is paid less (the learner is the
  cheapest such type).

Cross-training model: the N trained people become a staff type of their own,
``<type>_<skill>`` (same pay, attendance and skills, plus the new skill at
``costs.trained_speed_factor``), taking N of the type's headcount (or headcount
N when the type has no limit), allowed at the station, on the same templates
and counted by the same cover rules. Its one-off cost is
``N x costs.training_per_person_skill``, spread over
``costs.training_amortisation_days`` into a cost per day (not counted when the
scenario states no training cost; the lever says so).

Not levers here: opening hours (the hall opening earlier changes who comes
when, which the scenario's profile does not say) and lunch closures; the
remedies report them as not tried.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.clock import format_clock, parse_clock
from sim.optimise_settings import OptimiseSettings
from sim.scenario import Scenario

from .moves import counts
from .settings import allowed_stations
from .shifts import Roster

EARLIER_MIN = 30
MAX_TRAINEES = 2


@dataclass
class Lever:
    """One change to the hall: what it relaxes, in both languages, and how it changes a scenario dictionary."""

    kind: str                       # windows, headcount, earlier_shift, cross_train (or a "+"-joined combination)
    limit: str                      # the binding limit, e.g. "windows at inspection (1)"
    change_en: str
    change_zh: str
    edit: Callable[[dict], None]    # changes a scenario dictionary (with its "optimise" block) in place
    station: str = ""
    staff_type: str = ""
    skill: str = ""
    people: int = 0                 # cross_train: staff trained
    one_off_cost: float = 0.0
    cost_per_day: float = 0.0       # the one-off cost spread over the amortisation days
    assumption_en: str = ""
    assumption_zh: str = ""
    parts: list[Lever] = field(default_factory=list)

    def apply(self, scenario: Scenario, settings: OptimiseSettings) -> dict:
        """The scenario dictionary with this change (its ``optimise`` block: ``settings`` changed)."""
        data = scenario.model_dump(mode="json")
        data["optimise"] = settings.model_dump(mode="json")
        self.edit(data)
        return data


def combine(a: Lever, b: Lever) -> Lever:
    """Both changes at once."""
    def edit(data: dict) -> None:
        a.edit(data)
        b.edit(data)
    return Lever(f"{a.kind}+{b.kind}", f"{a.limit}; {b.limit}", f"{a.change_en}, and {b.change_en}",
                 f"{a.change_zh}，并{b.change_zh}", edit, a.station or b.station, a.staff_type or b.staff_type,
                 a.skill or b.skill, a.people + b.people, a.one_off_cost + b.one_off_cost,
                 a.cost_per_day + b.cost_per_day, "; ".join(x for x in (a.assumption_en, b.assumption_en) if x),
                 "；".join(x for x in (a.assumption_zh, b.assumption_zh) if x), [a, b])


def _named(code: str, item, lang: str) -> str:
    """``code (label)`` in English; in Chinese the ``label_zh`` alone (查验区, not a code), else as in English."""
    if lang == "zh" and item.label_zh:
        return item.label_zh
    return f"{code} ({item.label})" if item.label else code


def _name(scenario: Scenario, station: str, lang: str = "en") -> str:
    return _named(station, scenario.stations[station], lang)


def _type_name(scenario: Scenario, k: str, lang: str = "en") -> str:
    return _named(k, scenario.staff_types[k], lang)


def skills_at(scenario: Scenario, station: str) -> dict[str, float]:
    """Skills needed at ``station`` and their expected work per citizen of the mix (standard minutes)."""
    out: dict[str, float] = {}
    for code, svc in scenario.services.items():
        share = scenario.arrivals.mix.get(code, 0.0)
        for st in svc.steps:
            if st.station == station:
                skill = st.skill or code
                out[skill] = out.get(skill, 0.0) + share * st.probability * st.work.mean
    return out


def _max_on_duty(roster: Roster, station: str) -> int:
    grid = np.arange(0.0, 1440.0, 5.0) + 2.5
    on = np.zeros(len(grid))
    for (k, j, s, g), n in counts(roster).items():
        if s == station:
            for a, b in roster.shift_patterns[j].work_periods_min():
                on += n * ((grid >= a) & (grid < b))
    return int(on.max()) if len(on) else 0


def windows_lever(scenario: Scenario, station: str) -> Lever:
    """One more window at ``station``."""
    n = scenario.stations[station].windows

    def edit(data: dict) -> None:
        data["stations"][station]["windows"] += 1
    return Lever("windows", f"the {n} window(s) at {station}",
                 f"add one window at {_name(scenario, station)} ({n} -> {n + 1})",
                 f"{_name(scenario, station, 'zh')}增加一个窗口（{n}→{n + 1}个）", edit, station=station)


def _headcount(scenario: Scenario, settings: OptimiseSettings, k: str, station: str) -> Lever:
    n = settings.headcount[k]

    def edit(data: dict) -> None:
        data["optimise"]["headcount"][k] += 1
    return Lever("headcount", f"headcount of {k} ({n})",
                 f"one more {_type_name(scenario, k)} available ({n} -> {n + 1})",
                 f"增加一名{_type_name(scenario, k, 'zh')}（编制{n}→{n + 1}）", edit, station=station,
                 staff_type=k)


def _after_session_start(scenario: Scenario, start_min: float) -> bool:
    """True when ``start_min`` lies inside a session, after its start (a shift that could start earlier)."""
    return any(sess.start + 1e-9 < start_min < sess.end for sess in scenario.hours.sessions)


def _earlier(scenario: Scenario, settings: OptimiseSettings, templates: list[str], station: str) -> Lever:
    def edit(data: dict) -> None:
        for tid in templates:
            start = data["optimise"]["shift_templates"][tid]["start"]
            earliest = parse_clock(start["earliest"])
            floor = max(sess.start for sess in scenario.hours.sessions if sess.start < earliest)
            start["earliest"] = format_clock(max(floor, earliest - EARLIER_MIN))
            if start.get("latest") is None:
                start["latest"] = format_clock(earliest)
    which = ", ".join(templates)
    return Lever("earlier_shift", f"the start times of shift templates {which}",
                 f"let shift templates {which} start up to {EARLIER_MIN} min earlier",
                 f"班次模板{which}可提前{EARLIER_MIN}分钟开始", edit, station=station)


def _cross_train(scenario: Scenario, settings: OptimiseSettings, k: str, skill: str, station: str,
                 people: int) -> Lever | None:
    c = scenario.costs
    new = f"{k}_{skill}"[:40]
    if new in scenario.staff_types or (k in settings.headcount and settings.headcount[k] < people):
        return None

    def edit(data: dict) -> None:
        t = copy.deepcopy(data["staff_types"][k])
        t["skills"][skill] = c.trained_speed_factor
        t["label"] = f"{t.get('label') or k} + {skill}"
        if t.get("label_zh"):
            t["label_zh"] = f"{t['label_zh']}（培训{skill}）"
        data["staff_types"][new] = t
        o = data["optimise"]
        if k in o["headcount"]:
            o["headcount"][k] -= people
        o["headcount"][new] = people
        if k in o["stations"]:
            o["stations"][new] = sorted(set(o["stations"][k]) | {station})
        for tmpl in o["shift_templates"].values():
            if tmpl.get("staff_types") is not None and k in tmpl["staff_types"]:
                tmpl["staff_types"].append(new)
        for rule in o["cover_rules"]:
            if k in rule["staff_types"]:
                rule["staff_types"].append(new)

    one_off = people * (c.training_per_person_skill or 0.0)
    per_day = c.training_per_day(people)
    if c.training_per_person_skill is None:
        en = "no training cost counted (the scenario states none: costs.training_per_person_skill)"
        zh = "未计培训成本（情景未给出 costs.training_per_person_skill）"
    else:
        en = (f"training {one_off:g} {c.currency} one-off, {per_day:.2f} {c.unit_per_day} over "
              f"{c.training_amortisation_days} working days")
        zh = f"培训一次性{one_off:g} {c.currency}，按{c.training_amortisation_days}个工作日摊销为每日{per_day:.2f}"
    speed = (f"the trained work {skill} at speed factor {c.trained_speed_factor:g}",
             f"新学业务{skill}的速度系数为{c.trained_speed_factor:g}")
    return Lever("cross_train", f"skill {skill} at {station}, held by one staff type",
                 f"train {people} {_type_name(scenario, k)} in {skill} (to work at {station})",
                 f"培训{people}名{_type_name(scenario, k, 'zh')}办理{skill}业务（在{_name(scenario, station, 'zh')}）",
                 edit, station=station, staff_type=k,
                 skill=skill, people=people, one_off_cost=one_off, cost_per_day=per_day,
                 assumption_en=f"{en}; {speed[0]}", assumption_zh=f"{zh}；{speed[1]}")


def binding_levers(scenario: Scenario, settings: OptimiseSettings, roster: Roster, stations: list[str],
                   shortfalls=None, trainees: int = 1) -> tuple[list[Lever], list[tuple[str, str, str]]]:
    """The levers of the limits that bind at ``stations`` (module docstring), and those not tried.

    Returns ``(levers, not_tried)``; ``not_tried`` holds ``(limit, reason_en, reason_zh)``.
    """
    levers: list[Lever] = []
    not_tried: list[tuple[str, str, str]] = []
    c = counts(roster)
    full_windows = set()
    if shortfalls is not None and len(shortfalls):
        full_windows = {r.station for r in shortfalls.itertuples() if "windows at" in str(r.binding)}
    seen_types: set[str] = set()
    for s in stations:
        needed = skills_at(scenario, s)
        types = [k for k in scenario.staff_types if s in allowed_stations(scenario, settings, k)]
        if _max_on_duty(roster, s) >= scenario.stations[s].windows or s in full_windows:
            levers.append(windows_lever(scenario, s))
        for k in sorted(types, key=lambda k: scenario.staff_types[k].cost_per_hour):
            limit = settings.headcount.get(k)
            if limit is not None and k not in seen_types and sum(n for key, n in c.items() if key[0] == k) >= limit:
                levers.append(_headcount(scenario, settings, k, s))
                seen_types.add(k)
        late = [tid for tid, t in settings.shift_templates.items()
                if _after_session_start(scenario, t.start.earliest)
                and (t.staff_types is None or set(t.staff_types) & set(types))]
        if late:
            levers.append(_earlier(scenario, settings, late, s))
        for skill in sorted(needed, key=lambda x: -needed[x]):
            holders = [k for k in types if skill in scenario.staff_types[k].skills]
            if len(holders) != 1:
                continue
            holder = holders[0]
            used_up = holder in settings.headcount and \
                sum(n for key, n in c.items() if key[0] == holder) >= settings.headcount[holder]
            rate = scenario.staff_types[holder].cost_per_hour
            learners = [k for k in scenario.staff_types if k not in holders
                        and s in settings.stations.get(k, list(scenario.stations))
                        and (used_up or scenario.staff_types[k].cost_per_hour < rate)]
            if not learners:
                continue
            k = min(learners, key=lambda k: scenario.staff_types[k].cost_per_hour)
            lever = _cross_train(scenario, settings, k, skill, s, trainees)
            if lever is not None:
                levers.append(lever)
                break           # the busiest such skill of the station
    if not any(l.kind == "earlier_shift" for l in levers):
        not_tried.append(("shift templates", "every template open to these stations starts when a session opens",
                          "可用班次模板均从开门（上午或下午）时开始"))
    not_tried.append(("opening hours", "opening earlier or staying open longer changes who comes when, which the "
                      "scenario's arrival profile does not state", "提前开门或延长营业会改变到达时间分布，情景未给出"))
    return levers, not_tried
