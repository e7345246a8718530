"""The shift MILP: the cheapest roster that covers the staffing requirements.

Formulation
-----------
Sets: staff types ``k``; shift patterns ``j`` (from the templates, see
:mod:`optimise.settings`); stations ``s``; skills ``q`` needed at ``s``;
planning periods ``p`` of ``grid_min`` minutes (requirement periods: those in
the ticket hours, and drain periods after a closure, see
:mod:`optimise.requirements`). ``full[j, p] = 1`` when pattern ``j`` is on duty
throughout the part of ``p`` inside the ticket hours (the whole of ``p``
outside them), ``any[j, p] = 1`` when it is on duty at some moment of ``p``.

Variables:

* ``x[k, j, s, g]`` integer >= 0: staff of type ``k`` working pattern ``j`` at
  station ``s`` in window group ``g`` (``g = None``: the station's ordinary
  windows; only where ``k`` may work ``j`` and ``s``).
* ``y[k, s, q, p]`` >= 0: on-duty staff of type ``k`` at ``s`` allocated to
  skill ``q`` in period ``p`` (only where ``k`` holds ``q``). Staff of the
  same type at the same station are interchangeable, so allocating per type
  (rather than per type and pattern) loses nothing and keeps the model small.
* ``z[r, p]`` binary: conditional rule ``r`` is triggered in period ``p``.

Write ``N[k, s, p] = sum_{j, g} full[j, p] x[k, j, s, g]`` over the ordinary windows and the
groups whose staff help others when idle (staff on duty who count toward the
requirements), ``A[k, s, g, p]`` the same for one group and ``A[k, s, p]`` for all seats.

    minimise    sum_{k,j,s} cost_per_hour[k] paid_hours[j] x[k, j, s]
    alloc_{k}_{s}_{p}:    sum_q y[k, s, q, p] <= N[k, s, p]              (a person is counted once)
    cover_{s}_{q}_{p}:    sum_k y[k, s, q, p] / speed[k, q] >= T[s, q, p]  (standard-speed staff per skill)
    pool_{s}_{p}:         sum_k N[k, s, p] >= T[s, p]                    (staff on duty per station)
    windows_{s}_{p}:      sum_{k,j} any[j, p] x[k, j, s, None] <= windows[s] - sum_g windows[s, g]
    windows_{s}_{g}_{p}:  sum_{k,j} any[j, p] x[k, j, s, g] <= windows[s, g]   (every period)
    headcount_{k}:        sum_{j,s} x[k, j, s] <= headcount[k]
    template_{t}:         sum_{k, j in t, s} x[k, j, s] <= max_staff[t]
    rule_{r}_{p}:         sum_{k in K_r} A[k, s_r, (g_r), p] >= m_r         (when: always)
                          sum_{k in K_r} A[k, s_r, (g_r), p] >= m_r z[r, p] (when: windows_open_at_least n)
    rule_{r}_{p}_trigger: sum_k A[k, s_r, p] <= n - 1 + windows[s_r] z[r, p]
                          (a rule with a window_group g_r counts the staff seated in it only)

``T`` comes from :class:`optimise.requirements.Requirements` (``T[s, p]``
integer, ``T[s, q, p]`` fractional). Rules apply in every period in which
tickets are issued. Overtime is not in the objective (the simulation records it).

Infeasibility
-------------
When the model is infeasible the same model is solved with a slack on every
``cover``, ``pool`` and ``rule`` constraint (cost 1000 per staff-period); the
slacks that must be positive name the periods, stations, skills and rules
that cannot be met, and what binds them (windows, headcount, a template cap,
or no shift pattern on duty then). :class:`InfeasiblePlan` carries them and
the path of the ``.lp`` file of the original model.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pulp

from sim.clock import format_clock
from sim.loading import scenario_from_dict
from sim.optimise_settings import OptimiseSettings
from sim.scenario import RosterEntry, Scenario, ShiftPattern

from .milp_status import MilpStatus, read_status, tie_break_weight
from .requirements import Requirements
from .settings import PatternOption, allowed_stations, generate_patterns

SOLVERS = {"highs": "HiGHS", "cbc": "PULP_CBC_CMD"}
SLACK_COST = 1000.0


class SolverUnavailable(RuntimeError):
    """The chosen MILP solver is not installed."""


class InfeasiblePlan(Exception):
    """No roster meets the requirements and rules; ``problems`` says where and why.

    Attributes
    ----------
    status : str
        The solver status of the original model.
    lp_path : Path or None
        The ``.lp`` file of the original model.
    problems : list of str
        One line per requirement or rule that cannot be met.
    shortfalls : pandas.DataFrame
        ``constraint, kind, station, skill, rule, period, required, shortfall, binding``.
    """

    def __init__(self, status: str, lp_path: Path | None, problems: list[str], shortfalls: pd.DataFrame | None = None):
        self.status, self.lp_path, self.problems = status, lp_path, problems
        self.shortfalls = shortfalls if shortfalls is not None else pd.DataFrame()
        where = f" (model written to {lp_path})" if lp_path else ""
        super().__init__(f"no roster meets the requirements{where}:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Roster:
    """Staff counts per type, shift pattern and station, with the patterns they use."""

    entries: tuple[RosterEntry, ...]
    shift_patterns: dict[str, ShiftPattern]

    def cost(self, scenario: Scenario) -> float:  # noqa: D102
        return sum(e.count * scenario.staff_types[e.staff_type].cost_per_hour * self.shift_patterns[e.shift].paid_hours
                   for e in self.entries)

    def paid_hours(self) -> float:
        return sum(e.count * self.shift_patterns[e.shift].paid_hours for e in self.entries)

    def staff(self) -> int:
        return sum(e.count for e in self.entries)

    def table(self, scenario: Scenario) -> pd.DataFrame:
        """One row per roster entry: staff type, station, start, breaks, end, how many, hours, cost."""
        rows = []
        for e in self.entries:
            p = self.shift_patterns[e.shift]
            rate = scenario.staff_types[e.staff_type].cost_per_hour
            rows.append({"staff_type": e.staff_type, "station": e.station,
                         "window_group": getattr(e, "window_group", None) or "", "shift": e.shift,
                         "start": format_clock(p.start),
                         "breaks": " ".join(f"{format_clock(b.start)}-{format_clock(b.end)}" for b in p.breaks),
                         "end": format_clock(p.end), "count": e.count, "paid_hours": e.count * p.paid_hours,
                         "cost": e.count * p.paid_hours * rate})
        return pd.DataFrame(rows, columns=["staff_type", "station", "window_group", "shift", "start", "breaks", "end",
                                           "count", "paid_hours", "cost"])

    def apply(self, scenario: Scenario, **changes) -> Scenario:
        """``scenario`` with this roster and its shift patterns (validated by the simulator's own checks)."""
        data = scenario.model_dump(mode="json")
        used = {e.shift for e in self.entries}
        patterns = {n: p.model_dump(mode="json") for n, p in self.shift_patterns.items() if n in used}
        data["shift_patterns"] = patterns or data["shift_patterns"]
        data["roster"] = [e.model_dump(mode="json") for e in self.entries]
        data.update(changes)
        return scenario_from_dict(data, source=f"<{scenario.name} optimised>")


@dataclass
class ShiftSolution:
    """A solved MILP: the roster, its cost and how the solve went."""

    roster: Roster
    cost: float
    paid_hours: float
    status: str
    optimal: bool
    solve_time_s: float
    on_duty: pd.DataFrame = field(repr=False)   # period, station, staff_type, on_duty
    shortfalls: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)  # fill mode: what is not covered
    variables: int = 0                          # size of the MILP solved
    constraints: int = 0
    milp: MilpStatus | None = None              # optimal / time_limited (gap, bound) / infeasible


@dataclass
class ShiftModel:
    """The PuLP problem and what is needed to read its solution."""

    problem: pulp.LpProblem
    x: dict[tuple[str, str, str, str | None], pulp.LpVariable]   # (staff type, pattern, station, window group)
    patterns: dict[str, PatternOption]
    periods: np.ndarray
    full: dict[str, np.ndarray]
    slacks: dict[str, tuple[pulp.LpVariable, dict]]
    targets: dict[tuple, float]
    epsilon: float = 0.0            # tie-break weight per person (see tie_break_weight)
    grid: float | None = None       # cost grid of every roster (None: not on a cent grid)
    max_people: int = 0             # an upper bound on the people of any feasible roster


def make_solver(name: str, time_limit_s: float = 60.0, mip_gap: float = 1e-6, msg: bool = False):
    """A PuLP solver object for ``"highs"`` (through highspy) or ``"cbc"``; a clear error if missing."""
    if name not in SOLVERS:
        raise SolverUnavailable(f"unknown solver '{name}'; choose one of: {', '.join(SOLVERS)}")
    with warnings.catch_warnings():   # PuLP 3.3 deprecates its bundled CBC for 4.0; it is still the one shipped
        warnings.simplefilter("ignore", DeprecationWarning)
        solver = getattr(pulp, SOLVERS[name])(msg=msg, timeLimit=time_limit_s, gapRel=mip_gap)
        others = [n for n, cls in SOLVERS.items() if n != name and getattr(pulp, cls)(msg=False).available()]
    if not solver.available():
        hint = {"highs": "pip install highspy", "cbc": "install PuLP with its bundled CBC (pip install pulp)"}[name]
        raise SolverUnavailable(f"solver '{name}' is not installed ({hint}); "
                                + (f"available instead: {', '.join(others)}" if others else "no other solver is available"))
    return solver


def _coverage(pattern: ShiftPattern, periods: np.ndarray, grid: float, active: dict[float, tuple[float, float]]):
    work = pattern.work_periods_min()
    full = np.zeros(len(periods), dtype=int)
    anyc = np.zeros(len(periods), dtype=int)
    for i, p in enumerate(periods):
        lo, hi = active.get(float(p), (p, p + grid))
        full[i] = any(a <= lo + 1e-9 and hi <= b + 1e-9 for a, b in work)
        anyc[i] = any(a < p + grid - 1e-9 and p < b - 1e-9 for a, b in work)
    return full, anyc


def active_spans(scenario: Scenario, periods, grid: float) -> dict[float, tuple[float, float]]:
    """The part of each requirement period inside the ticket hours."""
    h = scenario.hours
    spans = [(s.start, min(s.end, h.last_ticket_min)) for s in h.sessions if s.start < h.last_ticket_min]
    out = {}
    for p in periods:
        parts = [(max(a, p), min(b, p + grid)) for a, b in spans if a < p + grid and p < b]
        if parts:
            out[float(p)] = (min(a for a, _ in parts), max(b for _, b in parts))
    return out


def _var(prob: pulp.LpProblem, name: str, cat: str = "Continuous") -> pulp.LpVariable:
    """A variable >= 0 attached to ``prob`` (PuLP 3.3's API; plain ``LpVariable`` on older PuLP)."""
    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, lowBound=0, cat=cat)
    return pulp.LpVariable(name, lowBound=0, cat=cat)


def _constraint(prob: pulp.LpProblem, name: str):
    if hasattr(prob, "get_constraint_by_name"):
        return prob.get_constraint_by_name(name)
    return prob.constraints.get(name)


def _label(t: float) -> str:
    return format_clock(t).replace(":", "")


def build_model(scenario: Scenario, settings: OptimiseSettings, req: Requirements,
                patterns: list[PatternOption] | None = None, *, slack: str | None = None) -> ShiftModel:
    """The MILP of the module docstring for these requirements.

    ``slack="requirements"`` makes the ``cover`` and ``pool`` constraints
    elastic (the "fill" mode: staff up to the limits); ``slack="all"`` also the
    rules (the diagnostic model). Slack costs ``SLACK_COST`` per staff-period.
    """
    patterns = {p.name: p for p in (patterns if patterns is not None else generate_patterns(scenario, settings))}
    grid = float(req.grid_min)
    req_periods = [float(p) for p in req.period_start_min]
    starts = [p.pattern.start for p in patterns.values()] + req_periods
    ends = [p.pattern.end for p in patterns.values()] + [p + grid for p in req_periods]
    periods = np.arange(math.floor(min(starts) / grid) * grid, math.ceil(max(ends) / grid) * grid, grid)
    active = active_spans(scenario, req_periods, grid)
    full, anyc = {}, {}
    for name, p in patterns.items():
        full[name], anyc[name] = _coverage(p.pattern, periods, grid, active)
    index = {float(p): i for i, p in enumerate(periods)}
    req_idx = [index[p] for p in req_periods]

    prob = pulp.LpProblem(f"shifts_{scenario.name}", pulp.LpMinimize)
    x = {}
    for k, stype in scenario.staff_types.items():
        for s in allowed_stations(scenario, settings, k):
            for g in (None, *scenario.stations[s].window_groups):
                for name, p in patterns.items():
                    if p.allows(k):
                        x[(k, name, s, g)] = _var(prob, f"x_{k}_{name}_{s}" + (f"_{g}" if g else ""), "Integer")
    cost = pulp.lpSum(scenario.staff_types[k].cost_per_hour * patterns[j].paid_hours * v
                      for (k, j, s, g), v in x.items())

    def serves_all(s, g):   # staff at a restricted window count toward the requirements if they help others
        return g is None or scenario.stations[s].window_groups[g].when_idle == "help_others"

    by_ks: dict[tuple, list] = {}
    for (k, j, s, g), v in x.items():
        by_ks.setdefault((k, s, "all"), []).append((j, v))
        by_ks.setdefault((k, s, g), []).append((j, v))
        if serves_all(s, g):
            by_ks.setdefault((k, s, "cover"), []).append((j, v))

    def on_duty(k, s, i, seats="cover"):
        return pulp.lpSum(v for j, v in by_ks.get((k, s, seats), ()) if full[j][i])

    slacks: dict[str, tuple] = {}
    targets: dict[tuple, float] = {}

    def add(lhs, rhs, name, info):
        """``lhs >= rhs``, with a slack on the left where the mode asks for one."""
        if slack == "all" or (slack == "requirements" and info["kind"] != "rule"):
            e = _var(prob, f"slack_{name}")
            slacks[name] = (e, info)
            lhs = lhs + e
        prob.addConstraint(lhs >= rhs, name)

    for s in req.stations:
        types = [k for k in scenario.staff_types if s in allowed_stations(scenario, settings, k)]
        pool, skill_t = req.station_target(s), req.skill_targets(s)
        for r, i in enumerate(req_idx):
            t = periods[i]
            if pool[r] > 0:
                targets[("pool", s, float(t))] = float(pool[r])
                add(pulp.lpSum(on_duty(k, s, i) for k in types), int(pool[r]), f"pool_{s}_{_label(t)}",
                    {"kind": "pool", "station": s, "period": t, "required": int(pool[r])})
            ys = {}
            for q, target in skill_t.items():
                if target[r] <= 1e-9:
                    continue
                able = [k for k in types if q in scenario.staff_types[k].skills]
                for k in able:
                    ys[(k, q)] = _var(prob, f"y_{k}_{s}_{q}_{_label(t)}")
                targets[("cover", s, q, float(t))] = float(target[r])
                add(pulp.lpSum(ys[(k, q)] / scenario.staff_types[k].skills[q] for k in able), float(target[r]),
                    f"cover_{s}_{q}_{_label(t)}",
                    {"kind": "cover", "station": s, "skill": q, "period": t, "required": float(target[r])})
            for k in types:
                mine = [v for (kk, _), v in ys.items() if kk == k]
                if mine:
                    prob.addConstraint(pulp.lpSum(mine) <= on_duty(k, s, i), f"alloc_{k}_{s}_{_label(t)}")
    for s, st in scenario.stations.items():
        seats = {None: st.windows - sum(g.windows for g in st.window_groups.values()),
                 **{g: grp.windows for g, grp in st.window_groups.items()}}
        for g, limit in seats.items():
            for i, t in enumerate(periods):
                used = [v for (k, j, ss, gg), v in x.items() if ss == s and gg == g and anyc[j][i]]
                if used:
                    prob.addConstraint(pulp.lpSum(used) <= limit,
                                       f"windows_{s}_{_label(t)}" if g is None else f"windows_{s}_{g}_{_label(t)}")
    for k, limit in settings.headcount.items():
        mine = [v for (kk, _, _, _), v in x.items() if kk == k]
        if mine:
            prob.addConstraint(pulp.lpSum(mine) <= limit, f"headcount_{k}")
    for tid, t in settings.shift_templates.items():
        if t.max_staff is not None:
            mine = [v for (_, j, _, _), v in x.items() if patterns[j].template == tid]
            if mine:
                prob.addConstraint(pulp.lpSum(mine) <= t.max_staff, f"template_{tid}")
    ticket_idx = [i for i, kind in zip(req_idx, req.kinds()) if kind == "ticket"]
    for rule in settings.cover_rules:
        s = rule.station
        for i in ticket_idx:
            t = periods[i]
            have = pulp.lpSum(on_duty(k, s, i, rule.window_group or "all") for k in rule.staff_types)
            info = {"kind": "rule", "rule": rule.id, "station": s, "period": t, "required": rule.min_staff}
            if rule.when == "always":
                add(have, rule.min_staff, f"rule_{rule.id}_{_label(t)}", info)
            else:
                z = _var(prob, f"z_{rule.id}_{_label(t)}", "Binary")
                total = pulp.lpSum(on_duty(k, s, i, "all") for k in scenario.staff_types)
                prob.addConstraint(total <= rule.when.windows_open_at_least - 1 + scenario.stations[s].windows * z,
                                   f"rule_{rule.id}_{_label(t)}_trigger")
                add(have - rule.min_staff * z, 0, f"rule_{rule.id}_{_label(t)}", info)
    objective = cost
    # people: each pattern's staff at a station are all on duty at one moment, so at most its windows
    max_people = sum(st.windows for st in scenario.stations.values()) * max(len(patterns), 1)
    capped = [settings.headcount.get(k) for k in scenario.staff_types]
    if capped and all(c is not None for c in capped):
        max_people = min(max_people, int(sum(capped)))
    epsilon, grid = 0.0, None
    if slacks:
        objective = cost + SLACK_COST * pulp.lpSum(e for e, _ in slacks.values())
    elif x:
        epsilon, grid = tie_break_weight([scenario.staff_types[k].cost_per_hour * patterns[j].paid_hours
                                          for (k, j, s, g) in x], max_people)
        if epsilon:
            objective = cost + epsilon * pulp.lpSum(x.values())
    prob.setObjective(objective)
    return ShiftModel(prob, x, patterns, periods, full, slacks, targets, epsilon, grid, max_people)


def _on_duty_frame(model: ShiftModel, values: dict) -> pd.DataFrame:
    rows = []
    for (k, j, s, g), n in values.items():
        if n:
            for i in np.flatnonzero(model.full[j]):
                rows.append((float(model.periods[i]), s, k, n))
    frame = pd.DataFrame(rows, columns=["period_start_min", "station", "staff_type", "on_duty"])
    return frame.groupby(["period_start_min", "station", "staff_type"], as_index=False).sum()


@contextmanager
def _quiet_stdout():
    """Silence C-level writes to standard output (HiGHS prints a banner even with msg=False)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def _solve(model: ShiftModel, solver: str, time_limit_s: float, mip_gap: float):
    if not model.problem.variables():
        return pulp.LpStatusOptimal, pulp.LpSolutionOptimal, 0.0
    engine = make_solver(solver, time_limit_s, mip_gap)
    started = time.perf_counter()
    with _quiet_stdout():
        status = model.problem.solve(engine)
    return status, model.problem.sol_status, time.perf_counter() - started


def _shortfalls(model: ShiftModel, scenario: Scenario, settings: OptimiseSettings) -> pd.DataFrame:
    rows = []
    for name, (e, info) in model.slacks.items():
        if (e.varValue or 0) > 1e-6:
            rows.append({"constraint": name, "kind": info["kind"], "station": info["station"],
                         "skill": info.get("skill"), "rule": info.get("rule"), "period_start_min": float(info["period"]),
                         "period": format_clock(info["period"]), "required": info["required"],
                         "shortfall": float(e.varValue), "binding": _binding(model, scenario, settings, info)})
    return pd.DataFrame(rows, columns=["constraint", "kind", "station", "skill", "rule", "period_start_min", "period",
                                       "required", "shortfall", "binding"])


def describe_shortfalls(frame: pd.DataFrame) -> list[str]:
    """One readable line per shortfall row."""
    lines = []
    for _, r in frame.iterrows():
        what = {"pool": f"station '{r['station']}' needs {r['required']:g} staff on duty",
                "cover": f"skill {r['skill']} at '{r['station']}' needs {r['required']:.2f} staff",
                "rule": f"rule {r['rule']} needs {r['required']:g} of its staff types at '{r['station']}'"}[r["kind"]]
        lines.append(f"{r['period']}: {what}; short by {r['shortfall']:.2f} ({r['constraint']}); binding: {r['binding']}")
    return lines


def solve(model: ShiftModel, scenario: Scenario, settings: OptimiseSettings, solver: str = "highs",
          time_limit_s: float = 60.0, mip_gap: float = 1e-6) -> ShiftSolution:
    """Solve ``model``; raise :class:`InfeasiblePlan` (without diagnosis) or return the roster.

    ``ShiftSolution.milp`` says what the solve proved (:mod:`optimise.milp_status`);
    ``optimal`` is True only for a proven optimum, never for a time-limited incumbent.
    """
    status, sol_status, seconds = _solve(model, solver, time_limit_s, mip_gap)
    if sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) or \
            any(v.varValue is None for v in model.x.values()):
        if status == pulp.LpStatusInfeasible:
            raise InfeasiblePlan(pulp.LpStatus[status], None, [])
        raise RuntimeError(f"the {solver} solver found no roster within {time_limit_s:g} s "
                           f"(status {pulp.LpStatus[status]}); raise the time limit")
    values = {key: int(round(v.varValue)) for key, v in model.x.items() if v.varValue and round(v.varValue) > 0}
    entries = tuple(RosterEntry(staff_type=k, shift=j, station=s, count=n, **({"window_group": g} if g else {}))
                    for (k, j, s, g), n in sorted(values.items(), key=lambda kv: tuple(str(p) for p in kv[0])))
    used = {j for _, j, _, _ in values}
    roster = Roster(entries, {j: model.patterns[j].pattern for j in sorted(used)})
    if model.x:
        info = read_status(model.problem, status, seconds, epsilon=model.epsilon, people=sum(values.values()),
                           max_people=model.max_people, grid=model.grid)
    else:
        info = MilpStatus("optimal", 0.0, 0.0, 0.0, seconds, 0, len(model.problem.constraints))
    return ShiftSolution(roster, roster.cost(scenario), roster.paid_hours(), info.status, info.optimal, seconds,
                         _on_duty_frame(model, values), _shortfalls(model, scenario, settings),
                         len(model.problem.variables()), len(model.problem.constraints), info)


def _binding(model: ShiftModel, scenario: Scenario, settings: OptimiseSettings, info: dict) -> str:
    """Why a shortfall cannot be covered: windows, headcount, template caps, or no pattern on duty."""
    s, t = info["station"], info["period"]
    i = int(np.flatnonzero(model.periods == t)[0])
    prob = model.problem
    reasons = []

    def tight(name):  # a <= constraint holding with equality
        c = _constraint(prob, name)
        return c is not None and c.value() is not None and abs(c.value()) <= 1e-6

    if tight(f"windows_{s}_{_label(t)}"):
        reasons.append(f"all {scenario.stations[s].windows} windows at '{s}' are in use")
    for k, limit in settings.headcount.items():
        if tight(f"headcount_{k}"):
            reasons.append(f"headcount of {k} ({limit}) is used up")
    for tid, tmpl in settings.shift_templates.items():
        if tight(f"template_{tid}"):
            reasons.append(f"template {tid} is at its max_staff ({tmpl.max_staff})")
    types = {k for (k, _, ss, _) in model.x if ss == s}
    if info["kind"] == "rule":
        types &= set(next(r for r in settings.cover_rules if r.id == info["rule"]).staff_types)
    elif info["kind"] == "cover":
        types &= {k for k in types if info["skill"] in scenario.staff_types[k].skills}
    if not any(model.full[j][i] for (k, j, ss, _) in model.x if ss == s and k in types):
        reasons.append("no allowed shift pattern of an eligible staff type is on duty then"
                       if types else "no staff type may do it at this station")
    return "; ".join(reasons) or "the other requirements and rules"


def diagnose(scenario: Scenario, settings: OptimiseSettings, req: Requirements, solver: str = "highs",
             time_limit_s: float = 60.0, patterns: list[PatternOption] | None = None) -> pd.DataFrame:
    """Solve with a slack on every requirement and rule; the rows that cannot be met (see ``_shortfalls``)."""
    model = build_model(scenario, settings, req, patterns, slack="all")
    _solve(model, solver, time_limit_s, 1e-6)
    return _shortfalls(model, scenario, settings)


def plan_shifts(scenario: Scenario, settings: OptimiseSettings, req: Requirements, *, solver: str | None = None,
                time_limit_s: float | None = None, lp_dir: Path | None = None, fill: bool = False,
                patterns: list[PatternOption] | None = None) -> ShiftSolution:
    """Build and solve the MILP for ``req``.

    With ``fill`` the requirements are elastic: where windows, headcount or
    the templates cannot meet them, the roster staffs up to the limits and
    ``ShiftSolution.shortfalls`` says where and why (rules stay hard).
    Without it, or when a rule cannot be met, the ``.lp`` is written to
    ``lp_dir`` (a temporary folder if None) and :class:`InfeasiblePlan` is
    raised naming every period, station, skill and rule that cannot be met.
    """
    solver = solver or settings.solver
    time_limit_s = time_limit_s or settings.time_limit_s
    patterns = patterns if patterns is not None else generate_patterns(scenario, settings)
    model = build_model(scenario, settings, req, patterns, slack="requirements" if fill else None)
    try:
        return solve(model, scenario, settings, solver, time_limit_s, settings.mip_gap)
    except InfeasiblePlan as exc:
        folder = Path(lp_dir) if lp_dir is not None else Path(tempfile.mkdtemp(prefix="queueplan-lp-"))
        folder.mkdir(parents=True, exist_ok=True)
        lp_path = folder / f"{scenario.name}_infeasible.lp"
        model.problem.writeLP(str(lp_path))
        frame = diagnose(scenario, settings, req, solver, time_limit_s, patterns)
        if fill:
            frame = frame[frame["kind"] == "rule"] if (frame["kind"] == "rule").any() else frame
        problems = describe_shortfalls(frame) or ["the solver reports infeasibility, but every requirement can be "
                                                  "met with slack: check the .lp file"]
        raise InfeasiblePlan(exc.status, lp_path, problems, frame) from None
