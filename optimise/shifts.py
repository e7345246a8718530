"""The shift MILP: the cheapest roster that covers the staffing requirements.

The model (variables, constraints, the implicit break model and the
tie-break) is built in :mod:`optimise.milp_model`; this module solves it,
reads the roster and what the solve proved (:mod:`optimise.milp_status`),
and diagnoses infeasibility.

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

import dataclasses
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

from .messages import Message
from .milp_model import ShiftModel, build_model
from .milp_status import MilpStatus, read_status
from .requirements import Requirements
from .settings import PatternOption, generate_patterns

SOLVERS = {"highs": "HiGHS", "cbc": "PULP_CBC_CMD"}


class SolverUnavailable(RuntimeError):
    """The chosen MILP solver is not installed."""


class NoRosterInTime(RuntimeError):
    """The solver stopped on its time limit before finding any roster (nothing to report, nothing proven)."""


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
        raise NoRosterInTime(f"the {solver} solver found no roster within {time_limit_s:g} s "
                             f"(status {pulp.LpStatus[status]}); raise the time limit (--time-limit)")
    values = {key: int(round(v.varValue)) for key, v in model.x.items() if v.varValue and round(v.varValue) > 0}
    entries = tuple(RosterEntry(staff_type=k, shift=j, station=s, count=n, **({"window_group": g} if g else {}))
                    for (k, j, s, g), n in sorted(values.items(), key=lambda kv: tuple(str(p) for p in kv[0])))
    used = {j for _, j, _, _ in values}
    roster = Roster(entries, {j: model.patterns[j].pattern for j in sorted(used)})
    if model.x:
        info = read_status(model.problem, status, seconds, epsilon=model.epsilon, people=sum(values.values()),
                           max_people=model.max_people, grid=model.grid)
        if model.slacks:
            info = dataclasses.replace(info, penalised=True)
    else:
        info = MilpStatus("optimal", 0.0, 0.0, 0.0, seconds, 0, model.problem.numConstraints())
    return ShiftSolution(roster, roster.cost(scenario), roster.paid_hours(), info.status, info.optimal, seconds,
                         _on_duty_frame(model, values), _shortfalls(model, scenario, settings),
                         model.problem.numVariables(), model.problem.numConstraints(), info)


def _binding(model: ShiftModel, scenario: Scenario, settings: OptimiseSettings, info: dict) -> str:
    """Why a shortfall cannot be covered: windows, headcount, template caps, or no pattern on duty."""
    s, t = info["station"], info["period"]
    i = int(np.flatnonzero(model.periods == t)[0])
    reasons = []

    def tight(key):  # a <= constraint of the model holding with equality
        c = model.rows.get(key)
        return c is not None and c.value() is not None and abs(c.value()) <= 1e-6

    if tight(("windows", s, None, float(t))):
        reasons.append(Message("milp.windows_in_use", windows=scenario.stations[s].windows, station=s))
    for k, limit in settings.headcount.items():
        if tight(("headcount", k)):
            reasons.append(Message("milp.headcount_used", staff_type=k, limit=limit))
    for tid, tmpl in settings.shift_templates.items():
        if tight(("template", tid)):
            reasons.append(Message("milp.template_full", template=tid, max_staff=tmpl.max_staff))
    types = {k for (k, _, ss, _) in model.x if ss == s}
    if info["kind"] == "rule":
        types &= set(next(r for r in settings.cover_rules if r.id == info["rule"]).staff_types)
    elif info["kind"] == "cover":
        types &= {k for k in types if info["skill"] in scenario.staff_types[k].skills}
    if not any(model.full[j][i] for (k, j, ss, _) in model.x if ss == s and k in types):
        reasons.append(Message("milp.no_pattern_on_duty" if types else "milp.no_type_here"))
    return "; ".join(reasons) or Message("milp.other_rules")


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
