"""Parameter sweeps: one scenario over a grid of changes, every point on the same citizens.

Grammar of a change: :mod:`study.analysis.vary` (``PATH=V1,V2,...``, ``PATH*=F1,...``,
``scenario=FILE1,FILE2,...``).

Grid and seeds
--------------
The points are the product of all changes, the first change varying
slowest. Every point runs the same seed and replications (the base
scenario's, or ``--seed``/``--reps``) unless the sweep varies
``experiment.seed`` or ``experiment.replications`` itself, so replication
``r`` of every point sees the same citizens (common random numbers) and the
comparison gives paired differences against the first point.

Every point's scenario is built and validated, and the points checked to
report on the same intervals, before anything runs: a bad path or value
raises :class:`SweepError` naming it, and nothing is written.

Output folder (written atomically: complete or absent)
------------------------------------------------------
``points/<name>/``      one run folder per point (as ``queueplan run`` writes)
``sweep.csv``           one row per point: the values set, headline results with 95% CIs
``comparison.csv``      the points side by side (:mod:`study.analysis.compare`; the first is the baseline)
``compare.html``        the comparison page, ``figures/``
``sweep.json``          command, base scenario, changes, seed, replications, versions
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from sim.experiment import run_experiment
from sim.loading import ScenarioError, load_scenario, scenario_from_dict
from sim.scenario import Scenario

from ..runs.folders import git_commit, run_folder, versions, write_json
from ..runs.load import Run
from ..runs.write import write_run
from .compare import Comparison, check_comparable, compare
from .vary import (SCENARIO_KEY, SweepError, Vary, apply_change, locate, parse_vary,  # noqa: F401 (re-exported)
                   split_values)


@dataclass
class Point:
    """One point of the grid: its name, the values set, its validated scenario and where it came from."""

    name: str
    values: dict[str, Any]
    scenario: Scenario
    source: str


@dataclass
class SweepResult:
    """What :func:`run_sweep` wrote: the folder, the per-point table and the comparison."""

    out_dir: Path
    table: pd.DataFrame
    comparison: Comparison
    warnings: list[str] = field(default_factory=list)


def _label(vary: Vary, value, short: dict[str, str]) -> str:
    if vary.path == SCENARIO_KEY:
        return short[SCENARIO_KEY][value]
    name = short[vary.path]
    return f"{name}x{value:g}" if vary.multiply else f"{name}={value}"


def _file_labels(files, names: dict) -> dict:
    """A short label per scenario file: its stem, else its scenario name, else its folder and stem."""
    for pick in (lambda f: Path(str(f)).stem, lambda f: str(names.get(f) or Path(str(f)).stem),
                 lambda f: f"{Path(str(f)).parent.name}-{Path(str(f)).stem}"):
        labels = {f: pick(f) for f in files}
        if len(set(labels.values())) == len(labels):
            return labels
    return {f: f"{i + 1}-{Path(str(f)).stem}" for i, f in enumerate(files)}


def _safe(name: str) -> str:
    return re.sub(r"[^\w.=+\-]+", "_", name).strip("._") or "point"


def _short_names(varies: list[Vary]) -> dict[str, str]:
    """The last path component, or more of the path when two changes end alike."""
    out = {}
    for v in varies:
        parts = v.path.split(".")
        for k in range(1, len(parts) + 1):
            name = ".".join(parts[-k:])
            if all(".".join(o.path.split(".")[-k:]) != name for o in varies if o.path != v.path):
                break
        out[v.path] = name
    return out


def _paths(node, path: tuple = (), out: dict | None = None) -> dict:
    """Every path of a document, so validation problems name the field (``arrivals.daily_volume``); no lines."""
    out = {} if out is None else out
    out[path] = None
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        _paths(v, path + (k,), out)
    return out


def build_points(scenario_file, varies: list[Vary], seed: int | None = None,
                 replications: int | None = None) -> list[Point]:
    """Every point of the grid, each scenario validated; raise :class:`SweepError` listing every problem.

    Also checks that the points report on the same intervals (the comparison
    needs it), so a sweep that would fail at the end fails before it starts.
    """
    if not varies:
        raise SweepError(["give at least one --vary PATH=V1,V2,..."])
    paths = [v.path for v in varies]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise SweepError([f"--vary {p} is given more than once (put all its values in one --vary)" for p in twice])
    base = load_scenario(scenario_file)                       # ScenarioError: the base file itself
    seed = base.experiment.seed if seed is None else seed
    replications = base.experiment.replications if replications is None else replications
    documents = {None: base.model_dump(mode="json")}
    problems: list[str] = []
    for v in varies:
        if v.path == SCENARIO_KEY:
            for f in v.values:
                try:
                    documents[f] = load_scenario(f).model_dump(mode="json")
                except ScenarioError as exc:
                    problems += [f"--vary {v.text}: {p}" for p in exc.problems]
    if problems:
        raise SweepError(problems)
    scenario_vary = next((v for v in varies if v.path == SCENARIO_KEY), None)
    others = [v for v in varies if v.path != SCENARIO_KEY]
    short: dict = _short_names(others)
    if scenario_vary:
        short[SCENARIO_KEY] = _file_labels(scenario_vary.values,
                                           {f: documents[f].get("name") for f in scenario_vary.values})
    points, names = [], set()
    invalid: dict[tuple, list[str]] = {}                      # (file, field, message) -> points where it occurs
    for combo in itertools.product(*(v.values for v in varies)):
        chosen = {v.path: value for v, value in zip(varies, combo)}       # paths are distinct
        file = chosen.get(SCENARIO_KEY)
        doc = copy.deepcopy(documents[file])
        values: dict[str, Any] = {}
        label = "_".join(_label(v, chosen[v.path], short) for v in varies)
        name = _safe(label)
        if name in names:
            name = f"{name}_{len(points) + 1}"
        names.add(name)
        source = f"{file or scenario_file} [{label}]"
        if scenario_vary:
            values[SCENARIO_KEY] = str(file)
        bad = False
        for v in others:
            try:
                values[v.column] = chosen[v.path]
                set_to = apply_change(doc, v, chosen[v.path])
                if v.multiply:
                    values[v.path] = set_to
            except ValueError as exc:
                problems.append(f"--vary {v.text}: {exc}")
                bad = True
        if bad:
            continue
        doc["experiment"] = doc.get("experiment") or {}
        if "experiment.seed" not in paths:
            doc["experiment"]["seed"] = seed
        if "experiment.replications" not in paths:
            doc["experiment"]["replications"] = replications
        try:
            points.append(Point(name, values, scenario_from_dict(doc, source=source, lines=_paths(doc)), source))
        except ScenarioError as exc:
            for p in exc.problems:
                invalid.setdefault((str(file or scenario_file), p.field, p.message), []).append(label)
    for (where, fld, message), labels in invalid.items():
        shown = ", ".join(labels[:3]) + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")
        problems.append(f"{where} [{shown}]: {fld + ': ' if fld else ''}{message}")
    if problems:
        raise SweepError(list(dict.fromkeys(problems)))       # a path wrong at every point is said once
    stand_ins = [Run(Path(p.name), {"scenario": p.scenario.model_dump(mode="json")}, {}) for p in points]
    try:
        check_comparable(stand_ins)
    except Exception as exc:  # CompareError: the message names both points
        raise SweepError([f"the points cannot be compared: {exc}"]) from None
    return points


# ---------------------------------------------------------------- running


def _hourly_share(run_dir: Path, scenario: Scenario) -> tuple[int, int]:
    t = pd.read_csv(run_dir / "targets.csv")
    hourly = {x.id for x in scenario.targets if x.scope == "interval"}
    t = t[t["target"].isin(hourly) & (t["interval"] != "day")]
    return int(t["met"].astype(bool).sum()), int(len(t))


SWEEP_METRICS = ("cost", "paid_hours", "staff", "wait_mean_min", "wait_mean_min_lo", "wait_mean_min_hi",
                 "wait_p90_min", "abandon_fraction", "abandon_fraction_lo", "abandon_fraction_hi", "unserved",
                 "utilisation", "targets_met_all", "targets_met_all_confident")


def sweep_table(points: list[Point], c: Comparison, run_dirs: list[Path]) -> pd.DataFrame:
    """``sweep.csv``: per point the values set and its headline results (from the comparison)."""
    rows = []
    for p, d, (_, row) in zip(points, run_dirs, c.table.iterrows()):
        met, total = _hourly_share(d, p.scenario)
        r = {"point": p.name, "run_dir": f"points/{p.name}", **p.values,
             "seed": p.scenario.experiment.seed, "replications": p.scenario.experiment.replications}
        r.update({m: row[m] for m in SWEEP_METRICS if m in row.index})
        r.update({"hourly_targets_met": met, "hourly_targets": total,
                  "hourly_share_met": met / total if total else float("nan")})
        for key in ("wait_mean_min", "abandon_fraction", "cost"):
            for suffix in ("", "_lo", "_hi"):
                col = f"diff_{key}{suffix}"
                if col in row.index:
                    r[col] = row[col]
        rows.append(r)
    return pd.DataFrame(rows)


def run_sweep(points: list[Point], out_dir, *, workers: int = 1, lang: str = "en", report: bool = True,
              command: list[str] | None = None, meta: dict | None = None,
              progress: Callable[[int, Point], None] | None = None,
              warn: Callable[[str], None] = lambda message: None) -> SweepResult:
    """Run every point and write ``out_dir`` atomically (module docstring); return what was written.

    ``progress(i, point)`` is called before point ``i`` (0-based) runs.
    Raises ``RunFolderError`` before running anything if ``out_dir`` exists.
    """
    from ..pages.compare_page import write_compare_page
    from ..runs.folders import RunFolderError

    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise RunFolderError(f"{out_dir} already exists; results are never overwritten (choose another --out)")
    started = time.perf_counter()
    with run_folder(out_dir) as tmp:
        dirs = []
        for i, p in enumerate(points):
            if progress:
                progress(i, p)
            result = run_experiment(p.scenario, workers=workers)
            d = tmp / "points" / p.name
            write_run(result, d, p.source, workers, command, lang=lang, report=report,
                      warn=lambda m, name=p.name: warn(f"{name}: {m}"))
            _fix_run_dir(d, out_dir / "points" / p.name)
            dirs.append(d)
        c = compare(dirs, lang, [p.name for p in points])
        c.table["run_dir"] = [str(out_dir / "points" / p.name) for p in points]
        c.table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6g")
        write_compare_page(c, tmp)
        table = sweep_table(points, c, dirs)
        table.to_csv(tmp / "sweep.csv", index=False, float_format="%.6g")
        write_json(tmp / "sweep.json", {
            **(meta or {}), "points": [{"name": p.name, "values": p.values, "run_dir": f"points/{p.name}"}
                                       for p in points],
            "command": command, "versions": versions(), "git_commit": git_commit(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "wall_time_s": round(time.perf_counter() - started, 3)})
    c.out_dir = out_dir
    for m in c.warnings:
        warn(m)
    return SweepResult(out_dir, table, c, list(c.warnings))


def _fix_run_dir(written: Path, final: Path) -> None:
    """The point's ``summary.json`` names its final folder, not the temporary one it was written in."""
    path = written / "summary.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    if "run_dir" in data:
        data["run_dir"] = str(final)
        write_json(path, data)
