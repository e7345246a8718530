"""Single moves from a roster, and the rules every roster must keep (without simulating it).

Moves (each makes the roster cheaper; a move that costs the same cannot show
that something cheaper exists, so it is not in the neighbourhood):

* ``remove``: one person fewer on an entry (staff type, shift pattern, station, window group);
* ``retime``: one person of an entry to another shift pattern of the same
  staff type, station and window group that is paid less and lies inside the
  current one (a later start, an earlier end, another lunch placement of a
  shorter day, e.g. a full day to a part-time morning);
* ``swap``: one person of an entry replaced by one of a cheaper staff type on
  the same pattern and station, holding a skill needed there;
* ``replan`` (:func:`replan_moves`): the requirement of one station in one
  reporting interval lowered by one and the whole roster re-solved by the
  MILP (the MILP re-plans the rest: a removal there can come with other
  staff moved to cover the remaining requirements more cheaply); kept when
  the new roster is cheaper than the current one.

Checks without simulation (:func:`breaks_rule`): headcount per staff type,
``max_staff`` of capped templates, windows per station and window group at
every moment (staff on duty, breaks excluded), and the cover rules in the
ticket hours (``always`` and ``windows_open_at_least``), on a 5-minute grid of
moments. :func:`below_fluid` flags a roster whose standard-speed staff on
duty at a station is below the offered load ``m(t)`` of the arrivals after
opening (the batch at opening left out: a queue absorbs it) at some period:
utilisation above 1 at that moment. It is a screen, not a necessary
condition (a queue can carry work into the next period), so the search's
confirming pass simulates every move it pruned; the valid lower bound is
:mod:`optimise.lower_bound`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from sim.clock import format_clock
from sim.optimise_settings import OptimiseSettings
from sim.scenario import RosterEntry, Scenario

from .requirements import Requirements
from .settings import PatternOption, allowed_stations
from .shifts import Roster

GRID_MIN = 5.0

Key = tuple[str, str, str, str | None]      # staff type, pattern name, station, window group


@dataclass(frozen=True)
class Move:
    kind: str                # remove, retime, swap, replan
    key: Key
    to: Key | None           # the entry the person moves to (None: removed)
    saving: float
    roster: Roster
    text: str = ""           # replan: what was lowered
    requirements: Requirements | None = field(default=None, compare=False, repr=False)   # replan: the new ones
    milp_s: float = 0.0      # replan: the MILP solve
    milp: object = field(default=None, compare=False, repr=False)   # replan: its MilpStatus

    @property
    def ident(self) -> str:
        """Identity for "already failed": a replan depends on the requirements it starts from."""
        if self.kind != "replan":
            return self.label
        return self.label + " | " + "; ".join(f"{s}@{iv:g}{d:+d}" for (s, iv), d in
                                                sorted(self.requirements.adjust.items()))

    @property
    def label(self) -> str:
        if self.kind == "replan":
            return self.text
        k, j, s, g = self.key
        where = f"{k}/{j}@{s}" + (f"[{g}]" if g else "")
        if self.kind == "remove":
            return f"remove one {where}"
        if self.kind == "retime":
            return f"move one {where} to {self.to[1]}"
        return f"swap one {where} for {self.to[0]}"


def counts(roster: Roster) -> dict[Key, int]:
    out: dict[Key, int] = {}
    for e in roster.entries:
        key = (e.staff_type, e.shift, e.station, getattr(e, "window_group", None))
        out[key] = out.get(key, 0) + e.count
    return out


def build_roster(c: dict[Key, int], patterns: dict) -> Roster:
    """A :class:`Roster` from counts (``patterns``: name -> ShiftPattern)."""
    entries = tuple(RosterEntry(staff_type=k, shift=j, station=s, count=n, **({"window_group": g} if g else {}))
                    for (k, j, s, g), n in sorted(c.items(), key=lambda kv: tuple(str(p) for p in kv[0])) if n > 0)
    used = {e.shift for e in entries}
    return Roster(entries, {j: patterns[j] for j in sorted(used)})


def _paid_cost(scenario: Scenario, patterns: dict, key: Key) -> float:
    return scenario.staff_types[key[0]].cost_per_hour * patterns[key[1]].paid_hours


def neighbours(scenario: Scenario, settings: OptimiseSettings, roster: Roster,
               options: list[PatternOption]) -> list[Move]:
    """Every cheaper single move from ``roster`` (largest saving first), before any check."""
    patterns = {o.name: o.pattern for o in options} | dict(roster.shift_patterns)
    by_name = {o.name: o for o in options}
    now = counts(roster)
    moves: list[Move] = []

    def add(kind, key, to):
        c = dict(now)
        c[key] -= 1
        saving = _paid_cost(scenario, patterns, key)
        if to is not None:
            c[to] = c.get(to, 0) + 1
            saving -= _paid_cost(scenario, patterns, to)
        if saving > 1e-9:
            moves.append(Move(kind, key, to, saving, build_roster(c, patterns)))

    for key, n in now.items():
        if n <= 0:
            continue
        k, j, s, g = key
        add("remove", key, None)
        cur = patterns[j]
        for o in options:   # a shorter day inside the current one (another start, end or lunch placement)
            if o.name != j and o.allows(k) and o.pattern.start >= cur.start and o.pattern.end <= cur.end:
                add("retime", key, (k, o.name, s, g))
        skills_here = {st.skill or code for code, svc in scenario.services.items() for st in svc.steps
                       if st.station == s}
        option = by_name.get(j)
        for k2, t2 in scenario.staff_types.items():
            if k2 == k or t2.cost_per_hour >= scenario.staff_types[k].cost_per_hour:
                continue
            if s not in allowed_stations(scenario, settings, k2) or not (set(t2.skills) & skills_here):
                continue
            if option is not None and not option.allows(k2):
                continue
            add("swap", key, (k2, j, s, g))
    moves.sort(key=lambda m: (-m.saving, m.kind, m.label))
    return moves


def replan_moves(scenario: Scenario, roster: Roster, req: Requirements, intervals: list[float],
                 milp: Callable[[Requirements], object], *, limit: int = 12, cache: dict | None = None) -> list[Move]:
    """Lower one station's requirement in one interval by one; the MILP re-solves the roster (cheaper ones only).

    ``intervals`` in the order to try them (e.g. targets held with the most
    room first); at most ``limit`` MILP solves not already in ``cache``
    (keyed by the requirements' adjustments). ``milp(requirements)`` returns a
    :class:`optimise.shifts.ShiftSolution` or None (no roster).
    """
    cache = {} if cache is None else cache
    now = roster.cost(scenario)
    out, solved = [], 0
    for iv in intervals:
        for s in req.stations:
            sel = req.period_interval_min == iv
            if not (req.station_target(s)[sel] > 0).any():
                continue
            trial = req.with_adjust(s, iv, -1)
            if np.array_equal(trial.station_target(s), req.station_target(s)):
                continue                                   # already at the load it must carry
            key = tuple(sorted(trial.adjust.items()))
            if key not in cache:
                if solved >= limit:
                    continue
                solved += 1
                cache[key] = milp(trial)
            sol = cache[key]
            if sol is None or sol.cost >= now - 1e-9 or sol.roster == roster:
                continue
            out.append(Move("replan", ("", "", s, None), None, now - sol.cost, sol.roster,
                            f"lower {s}@{format_clock(iv)} by one, MILP re-plan", trial, sol.solve_time_s,
                            getattr(sol, "milp", None)))
    return out


def _on_duty(pattern, grid: np.ndarray) -> np.ndarray:
    on = np.zeros(len(grid), bool)
    for a, b in pattern.work_periods_min():
        on |= (grid >= a) & (grid < b)
    return on


def breaks_rule(scenario: Scenario, settings: OptimiseSettings, roster: Roster,
                options: list[PatternOption]) -> str | None:
    """The first rule ``roster`` breaks (headcount, template cap, windows, cover rule), or None."""
    c = counts(roster)
    for k, limit in settings.headcount.items():
        used = sum(n for key, n in c.items() if key[0] == k)
        if used > limit:
            return f"headcount of {k} ({limit})"
    by_name = {o.name: o for o in options}
    for tid, t in settings.shift_templates.items():
        if t.max_staff is not None:
            used = sum(n for key, n in c.items() if by_name.get(key[1]) is not None and by_name[key[1]].template == tid)
            if used > t.max_staff:
                return f"template {tid} max_staff ({t.max_staff})"
    h = scenario.hours
    grid = np.arange(min(p.start for p in roster.shift_patterns.values()) if roster.shift_patterns else h.open_min,
                     h.hard_stop_min, GRID_MIN) + GRID_MIN / 2
    on = {j: _on_duty(p, grid) for j, p in roster.shift_patterns.items()}
    for s, st in scenario.stations.items():
        seats = {None: st.windows - sum(g.windows for g in st.window_groups.values()),
                 **{g: grp.windows for g, grp in st.window_groups.items()}}
        for g, limit in seats.items():
            used = sum((n * on[j] for (k, j, ss, gg), n in c.items() if ss == s and gg == g), np.zeros(len(grid)))
            if (used > limit).any():
                return f"windows at {s}" + (f" [{g}]" if g else "") + f" at {format_clock(grid[np.argmax(used > limit)])}"
    ticket = np.zeros(len(grid), bool)
    for sess in h.sessions:
        ticket |= (grid >= sess.start) & (grid < min(sess.end, h.last_ticket_min))
    for rule in settings.cover_rules:
        have = sum((n * on[j] for (k, j, s, g), n in c.items() if s == rule.station and k in rule.staff_types
                    and (rule.window_group is None or g == rule.window_group)), np.zeros(len(grid)))
        need = ticket.copy()
        if rule.when != "always":
            total = sum((n * on[j] for (k, j, s, g), n in c.items() if s == rule.station), np.zeros(len(grid)))
            need &= total >= rule.when.windows_open_at_least
        short = need & (have < rule.min_staff)
        if short.any():
            return f"cover rule {rule.id} at {format_clock(grid[np.argmax(short)])}"
    return None


def below_fluid(scenario: Scenario, roster: Roster, fluid: Requirements) -> str | None:
    """A station and period where standard-speed staff on duty are below the offered load, or None."""
    c = counts(roster)
    grid = float(fluid.grid_min)
    for s in fluid.stations:
        load = fluid.pooled_load[s]
        for i, p in enumerate(fluid.period_start_min):
            if fluid.kinds()[i] != "ticket" or load[i] <= 1e-9:
                continue
            mid = np.array([p + grid / 2])
            staff = sum(n * float(_on_duty(roster.shift_patterns[j], mid)[0]) * _speed(scenario, k, s)
                        for (k, j, ss, g), n in c.items() if ss == s)
            if staff < load[i] - 1e-9:
                return f"{s} at {format_clock(p)}: {staff:.1f} staff for an offered load of {load[i]:.1f}"
    return None


def _speed(scenario: Scenario, staff_type: str, station: str) -> float:
    """Work a person of ``staff_type`` does at ``station`` per minute, in standard-speed minutes (best skill)."""
    skills = scenario.staff_types[staff_type].skills
    here = [skills[st.skill or code] for code, svc in scenario.services.items() for st in svc.steps
            if st.station == station and (st.skill or code) in skills]
    return 1.0 / min(here) if here else 0.0
