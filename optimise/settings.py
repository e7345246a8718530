"""Optimiser settings: where they come from, and the shift patterns they generate.

The settings models live in :mod:`sim.optimise_settings` (pure data, so that
``Scenario`` can hold an ``optimise:`` block without ``sim`` importing
``optimise``). This module resolves the settings of a run (passed
explicitly, or the scenario's own block), reads a settings file, and expands
the shift templates into concrete :class:`sim.scenario.ShiftPattern` objects.

Pattern expansion
-----------------
A template yields one pattern per start time on its grid, per length and per
placement of each break (combinations outside the opening hours are skipped
unless the template sets ``outside_opening_hours``) (every break starts on its own grid inside its
window and lies strictly inside the shift, as :mod:`sim.checks` demands).
Patterns are named ``<template>-<HHMM start>-<HHMM end>`` plus
``-b<HHMM>`` per break, e.g. ``CONT-0830-1730-b1200``; identical patterns
from different templates are kept once (the first name wins, staff types
merged). With ``include_scenario_shifts`` the scenario's own patterns are
offered under their own names to every staff type.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from sim.clock import format_clock
from sim.loading import Problem, ScenarioError, ScenarioLoader, format_path
from sim.optimise_checks import allowed_stations, check_settings
from sim.optimise_settings import (BreakRule, CoverRule, OptimiseSettings, ShiftTemplate, StartGrid,
                                   WindowsOpenAtLeast)
from sim.scenario import Scenario, ShiftPattern

__all__ = ["OptimiseSettings", "ShiftTemplate", "StartGrid", "BreakRule", "CoverRule", "WindowsOpenAtLeast",
           "PatternOption", "load_settings", "resolve_settings", "settings_from_dict", "generate_patterns",
           "allowed_stations"]


@dataclass(frozen=True)
class PatternOption:
    """A shift pattern the optimiser may use, and who may work it."""

    name: str
    pattern: ShiftPattern
    staff_types: frozenset[str] | None      # None: every staff type
    template: str | None                    # None: one of the scenario's own patterns
    max_staff: int | None = None

    @property
    def paid_hours(self) -> float:
        return self.pattern.paid_hours

    def allows(self, staff_type: str) -> bool:
        return self.staff_types is None or staff_type in self.staff_types


def settings_from_dict(data: dict, source: str = "<settings>") -> OptimiseSettings:
    """Validate an ``optimise:`` block (or a mapping holding one under ``optimise``)."""
    if isinstance(data, dict) and set(data) == {"optimise"}:
        data = data["optimise"]
    try:
        return OptimiseSettings.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([Problem(source, None, format_path(("optimise",) + tuple(e["loc"])), e["msg"])
                             for e in exc.errors()]) from None


def load_settings(path: str | Path) -> OptimiseSettings:
    """Read optimiser settings from a YAML file (the ``optimise:`` block of a scenario, or the block alone)."""
    p = Path(path)
    try:
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=ScenarioLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(p), None, "", f"cannot be read: {exc}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(str(p), None, "", f"invalid YAML: {exc}")]) from None
    return settings_from_dict(data, str(p))


def resolve_settings(scenario: Scenario, settings: OptimiseSettings | None = None,
                     source: str = "<scenario>") -> OptimiseSettings:
    """The settings of a run: ``settings`` if given, else ``scenario.optimise``; checked against the scenario.

    Raises
    ------
    ScenarioError
        No settings at all, or settings that do not fit the scenario (unknown
        staff types or stations, templates outside the opening hours ...).
    """
    settings = settings if settings is not None else getattr(scenario, "optimise", None)
    if settings is None:
        raise ScenarioError([Problem(source, None, "optimise", "the scenario has no optimise: block (shift templates, "
                                     "headcount, cover rules); add one or pass the settings explicitly")])
    errors = check_settings(scenario, settings)
    if errors:
        raise ScenarioError([Problem(source, None, format_path(p), m) for p, m in errors])
    return settings


def _hhmm(t: float) -> str:
    return format_clock(t).replace(":", "")


def _template_patterns(tid: str, t: ShiftTemplate, open_min: float, close_min: float) -> list[tuple[str, ShiftPattern]]:
    out = []
    for start in t.start.times_min():
        for length in t.lengths_min():
            end = start + length
            if not t.outside_opening_hours and (start < open_min or end > close_min):
                continue
            placements = [[b0 for b0 in b.starts_min() if start < b0 and b0 + b.length_min < end] for b in t.breaks]
            for combo in itertools.product(*placements):
                spans = sorted(zip(combo, (b.length_min for b in t.breaks)))
                if any(a0 + la > b0 for (a0, la), (b0, _) in zip(spans, spans[1:])):
                    continue  # overlapping breaks
                name = f"{tid}-{_hhmm(start)}-{_hhmm(end)}" + "".join(f"-b{_hhmm(b0)}" for b0, _ in spans)
                pattern = ShiftPattern.model_validate({
                    "start": format_clock(start), "end": format_clock(end),
                    "breaks": [{"start": format_clock(b0), "end": format_clock(b0 + la)} for b0, la in spans],
                    "outside_opening_hours": t.outside_opening_hours, "label": t.label or tid, "label_zh": t.label_zh})
                out.append((name, pattern))
    return out


def generate_patterns(scenario: Scenario, settings: OptimiseSettings) -> list[PatternOption]:
    """Every shift pattern the templates (and, if asked, the scenario) offer, in a stable order.

    A pattern stays tied to its template: two templates giving the same times (a Saturday morning template
    and a part-time morning one) give two patterns, each with its template's staff types, cap and days
    (merged, the Saturday template's "anyone" would widen the part-time one). A template pattern equal to
    one of the scenario's own shifts (``include_scenario_shifts``) is merged into it, as before.
    """
    options: dict[tuple, PatternOption] = {}

    def key(p: ShiftPattern) -> tuple:
        return (p.start, p.end, tuple(sorted((b.start, b.end) for b in p.breaks)))

    if settings.include_scenario_shifts:
        for name, p in scenario.shift_patterns.items():
            options.setdefault(key(p), PatternOption(name, p, None, None))
    for tid, t in settings.shift_templates.items():
        types = None if t.staff_types is None else frozenset(t.staff_types)
        for name, p in _template_patterns(tid, t, scenario.hours.open_min, scenario.hours.close_min):
            base = key(p)
            own = options.get(base)
            if own is not None and own.template is None and t.max_staff is None:   # one of the scenario's shifts
                merged = None if own.staff_types is None or types is None else own.staff_types | types
                options[base] = PatternOption(own.name, own.pattern, merged, None, None)
            else:                                                   # tied to its template (capped ones too)
                options.setdefault(base + (tid,), PatternOption(name, p, types, tid, t.max_staff))
    return list(options.values())
