"""``queueplan sweep`` (a scenario over a parameter grid) and ``queueplan frontier`` (cost vs service level).

    queueplan sweep SCENARIO --vary PATH=V1,V2,... [--vary ...] [--reps N] [--seed S] [--workers W]
                             [--out DIR] [--lang en|zh] [--no-report]
    queueplan frontier SCENARIO [--levels 0.6,0.7,0.8,0.9,0.95] [--target ID] [--settings FILE] [--reps N]
                                [--verify-reps N] [--max-iter K] [--solver highs|cbc] [--time-limit S]
                                [--workers W] [--out DIR] [--lang en|zh]

Wiring in :mod:`study.cli`::

    from .commands import sweep as sweep_cmd
    sweep_cmd.add_parser(sub)             # adds "sweep"
    sweep_cmd.add_frontier_parser(sub)    # adds "frontier"
    handlers["sweep"] = sweep_cmd.run
    handlers["frontier"] = sweep_cmd.run_frontier

The sweep's grammar and folder are described in :mod:`study.analysis.sweep`. The
frontier folder (written atomically, never over an old one) holds:

frontier.csv     one row per level: cost, paid hours, staff, verified share of hourly targets met ...
                 (columns: :mod:`optimise.frontier`)
rosters.csv      the roster of every level (level, staff type, station, shift, how many, paid hours, cost)
frontier.html    the page: figure, table, notes; self-contained
figures/         frontier.png, frontier.svg (cost against level; a marker where verification fails)
manifest.json    the base scenario, settings, seeds, versions, command

Exit codes: 0 done; 2 bad input (scenario, path or value of ``--vary``,
settings, levels, an output folder that exists), nothing written; 3 no roster
can meet a cover rule (frontier).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import LANGUAGES
from .args import add_workers, non_negative_int, positive_int, positive_seconds

if TYPE_CHECKING:
    import pandas as pd

# numpy, pandas, the simulator and the optimiser are imported when a command runs, not when `queueplan` starts.

EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3


def _levels(text: str) -> list[float]:
    try:
        levels = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of numbers") from None
    bad = [v for v in levels if not 0 < v <= 1]
    if bad or not levels:
        raise argparse.ArgumentTypeError("levels are shares in (0, 1], e.g. 0.6,0.8,0.95"
                                         + (f"; not {', '.join(f'{v:g}' for v in bad)}" if bad else ""))
    return levels


def _workers(n: int) -> int:
    return (os.cpu_count() or 1) if n == 0 else n


def _exists(out: Path) -> bool:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        print(f"error: {out} already exists; results are never overwritten (choose another --out)", file=sys.stderr)
        return True
    return False


# ---------------------------------------------------------------- sweep


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``sweep`` command to ``subparsers`` (of ``argparse``)."""
    p = subparsers.add_parser(
        "sweep", help="run a scenario over a grid of parameter values and compare the points",
        description="Run SCENARIO at every point of a grid of changes (the product of all --vary options), "
                    "every point on the same seed (common random numbers); write a run folder per point, "
                    "sweep.csv and a comparison (comparison.csv, compare.html).",
        epilog="examples: --vary arrivals.daily_volume*=0.8,1,1.2   "
               "--vary staff_types.auxiliary.attendance.absence_probability=0.03,0.1   "
               "--vary targets.sl20.fraction=0.8,0.9   --vary roster.0.count=3,4   "
               "--vary scenario=a.yaml,b.yaml")
    p.add_argument("scenario", help="scenario YAML file (the base; its seed and replications are the defaults)")
    p.add_argument("--vary", action="append", required=True, metavar="PATH=V1,V2,...",
                   help="a dotted path into the scenario and its values; PATH*=F1,F2 multiplies; "
                        "scenario=FILE1,FILE2 varies the whole scenario (repeat for a grid)")
    p.add_argument("--reps", type=positive_int, help="replications per point (default: the scenario's)")
    p.add_argument("--seed", type=non_negative_int, help="seed of every point (default: the scenario's)")
    add_workers(p)
    p.add_argument("--out", type=Path, help="folder to create (default: results/<scenario>/sweep-<time>)")
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the pages (default en)")
    p.add_argument("--no-report", dest="report", action="store_false",
                   help="skip each point's report.html and figures (the comparison page is always written)")
    return p


def _fmt(x, digits: int = 1, pct: bool = False) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{100 * x:.{digits}f}%" if pct else f"{x:.{digits}f}"


def format_sweep(table: pd.DataFrame) -> str:
    """One line per point: mean wait with CI, hourly targets met, abandonment, cost."""
    lines = []
    for _, r in table.iterrows():
        lines.append(f"  {r['point']}: mean wait {_fmt(r.get('wait_mean_min'))} min "
                     f"({_fmt(r.get('wait_mean_min_lo'))}-{_fmt(r.get('wait_mean_min_hi'))}), "
                     f"hourly targets met {r['hourly_targets_met']}/{r['hourly_targets']}, "
                     f"abandoned {_fmt(r.get('abandon_fraction'), pct=True)}, cost {_fmt(r.get('cost'))}")
    return "\n".join(lines)


def run(args) -> int:
    """Run ``queueplan sweep`` with parsed ``args``; return the exit code."""
    from sim.loading import ScenarioError, scenario_warnings

    from ..analysis.sweep import SweepError, build_points, parse_vary, run_sweep
    from ..runs.folders import RunFolderError, fresh_folder
    from ..runs.load import CompareError

    try:
        varies = [parse_vary(v) for v in args.vary]
        points = build_points(args.scenario, varies, seed=args.seed, replications=args.reps)
    except SweepError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print("nothing was run or written", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    seen = set()
    for p in points:
        for w in scenario_warnings(p.scenario):
            if w not in seen:
                seen.add(w)
                print(f"warning: {p.source}: {w}", file=sys.stderr)
    first = points[0].scenario
    out = args.out or fresh_folder(Path("results") / Path(args.scenario).stem /
                             f"sweep-{time.strftime('%Y%m%d-%H%M%S')}-s{first.experiment.seed}")
    if _exists(out):
        return EXIT_BAD_INPUT
    workers = _workers(args.workers)
    print(f"Sweep of {args.scenario}: {len(points)} points x {first.experiment.replications} replications, "
          f"seed {first.experiment.seed}", file=sys.stderr)

    def progress(i, p):
        print(f"point {i + 1}/{len(points)}: {p.name}", file=sys.stderr, flush=True)

    try:
        result = run_sweep(points, out, workers=workers, lang=args.lang, report=args.report, command=sys.argv,
                           meta={"scenario_file": args.scenario, "vary": list(args.vary)}, progress=progress,
                           warn=lambda m: print(f"warning: {m}", file=sys.stderr))
    except (RunFolderError, CompareError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for note in result.comparison.notes:
        print(note)
    print(format_sweep(result.table))
    for sentence in result.comparison.sentences:
        print(sentence)
    print(f"\nSweep: {out / 'sweep.csv'}; comparison: {out / 'compare.html'}; runs: {out / 'points'}")
    return 0


# ---------------------------------------------------------------- frontier


def add_frontier_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``frontier`` command to ``subparsers``."""
    p = subparsers.add_parser(
        "frontier", help="cost against the service-level target: re-optimise at several target levels",
        description="Set a service-level target's fraction to each level, find the cheapest roster that meets "
                    "every target (queueplan optimise) and verify it; write frontier.csv, rosters.csv, "
                    "frontier.html and a figure.")
    p.add_argument("scenario", help="scenario YAML file (with an optimise: block, or see --settings)")
    p.add_argument("--levels", type=_levels, default=[0.6, 0.7, 0.8, 0.9, 0.95],
                   help="comma-separated target levels (default 0.6,0.7,0.8,0.9,0.95)")
    p.add_argument("--target", help="id of the service-level target to vary (default: the first hourly one)")
    p.add_argument("--settings", type=Path, help="optimiser settings YAML (overrides the scenario's optimise:)")
    p.add_argument("--reps", type=positive_int, help="replications per optimiser iteration (default: the settings')")
    p.add_argument("--verify-reps", type=positive_int, dest="verify_reps",
                   help="replications of each level's verification (default: the settings')")
    p.add_argument("--max-iter", type=non_negative_int, dest="max_iter", help="simulations per level while optimising")
    p.add_argument("--solver", choices=["highs", "cbc"], help="MILP solver (default: the settings')")
    p.add_argument("--time-limit", type=positive_seconds, dest="time_limit_s", help="MILP time limit per solve, seconds")
    add_workers(p)
    p.add_argument("--out", type=Path, help="folder to create (default: results/<scenario>/frontier-<time>)")
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the page (default en)")
    return p


def plot_frontier(table: pd.DataFrame, lang: str = "en", target: str = "", wait_min: float = 0.0):
    """Cost (top) and the verified share of hourly targets met (bottom) against the target level.

    Levels whose verification misses a target are drawn with an open red ``X`` on both panels.
    """
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    from .. import figures as plots

    from ..pages.frontier_page import TEXT

    tx = TEXT[lang]
    t = table.sort_values("level")
    x = t["level"].to_numpy(float)
    fail = ~t["verification_ok"].astype(bool).to_numpy()
    with plots.figure_style(lang):
        fig = Figure(figsize=(7.0, 5.2), layout="constrained")
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        style = plots.series_style(0)
        top.plot(x, t["cost"], label=tx["cost"], **style)
        bottom.plot(x, t["verified_share_met"], **{**plots.series_style(2), "label": tx["share"]})
        for xi, c in zip(x, t["cost"].to_numpy(float)):   # the values, so a narrow cost axis is not misread
            top.annotate(f"{c:.1f}", (xi, c), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
        for ax, y in ((top, t["cost"].to_numpy(float)), (bottom, t["verified_share_met"].to_numpy(float))):
            if fail.any():
                ax.plot(x[fail], y[fail], linestyle="none", marker="X", markersize=11, markerfacecolor="white",
                        markeredgecolor=plots.STATUS_COLOURS["MISS"], markeredgewidth=1.6, label=tx["fail"])
        bottom.axhline(1.0, color="black", linestyle=(0, (2, 2)), linewidth=1)
        top.set_ylabel(tx["cost"])
        bottom.set_ylabel(tx["share"])
        bottom.set_ylim(min(0.5, float(np.nanmin(t["verified_share_met"])) - 0.05) if len(t) else 0, 1.03)
        bottom.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        bottom.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        bottom.set_xticks(x)
        bottom.set_xlabel(tx["level"].format(target=target, wait=wait_min))
        top.set_title(tx["fig"])
        top.legend(loc="upper left")
        fig.draw_without_rendering()
    return fig


def write_frontier(table: pd.DataFrame, rosters: pd.DataFrame, out: Path, scenario, source: str,
                   settings_source: str | None, lang: str, command: list[str], wall_time_s: float,
                   reps_text: str) -> list[str]:
    """Write the frontier folder atomically (module docstring); return warnings (fonts)."""
    import warnings as _warnings

    from optimise.frontier import non_monotone

    from .. import figures as plots
    from ..pages.frontier_page import TEXT, frontier_html
    from ..pages.html import write_text_atomic
    from ..runs.folders import manifest, run_folder, write_json

    tx = TEXT[lang]
    target = table["target"].iloc[0]
    spec = next(t for t in scenario.targets if t.id == target)
    messages: list[str] = []
    with run_folder(out) as tmp:
        info = manifest(scenario, source, scenario.experiment.seed,
                        scenario.experiment.replications, 1, wall_time_s, command)
        info["frontier"] = {"target": target, "levels": table["level"].tolist(), "settings_file": settings_source}
        write_json(tmp / "manifest.json", info)
        table.to_csv(tmp / "frontier.csv", index=False, float_format="%.6g")
        rosters.to_csv(tmp / "rosters.csv", index=False, float_format="%.6g")
        with _warnings.catch_warnings(record=True) as caught:
            _warnings.simplefilter("always", plots.MissingFontWarning)
            fig = plot_frontier(table, lang, target, spec.wait_min or 0.0)
            png = plots.save_figure(fig, tmp / "figures", "frontier", ("png", "svg"))[0]
        messages += list(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, plots.MissingFontWarning)))
        notes = [tx["dip"].format(a=a, b=b) for a, b in non_monotone(table)]
        from optimise.messages import translate     # the optimiser's notes in the page's language

        notes += [f"{r['level']:g}: {translate(r['notes'], lang)}" for _, r in table.iterrows()
                  if isinstance(r["notes"], str) and r["notes"]]
        write_text_atomic(tmp / "frontier.html", frontier_html(table, rosters, png, scenario, lang, reps_text, notes,
                                                               messages))
    return messages


def run_frontier(args) -> int:
    """Run ``queueplan frontier`` with parsed ``args``; return the exit code."""
    from optimise.frontier import frontier, service_level_target
    from optimise.settings import load_settings, resolve_settings
    from optimise.shifts import InfeasiblePlan, SolverUnavailable
    import pandas as pd

    from sim.loading import ScenarioError, load_scenario

    from ..runs.folders import RunFolderError, fresh_folder, new_run_id

    try:
        scenario = load_scenario(args.scenario)
        settings = load_settings(args.settings) if args.settings else None
        target = service_level_target(scenario, args.target)
        resolved = resolve_settings(scenario, settings, source=args.scenario)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = args.out or fresh_folder(Path("results") / scenario.name / f"frontier-{new_run_id(scenario, scenario.experiment.seed)}")
    if _exists(out):
        return EXIT_BAD_INPUT
    rosters = []

    def on_plan(level, plan):
        t = plan.roster.table(plan.scenario)
        t.insert(0, "level", level)
        rosters.append(t)
        v = plan.verified_targets()
        hourly = v[v["interval"] != "day"] if not v.empty else v
        print(f"level {level:g}: cost {plan.cost:.2f}, {plan.roster.staff()} staff, {plan.paid_hours:.1f} paid h, "
              f"verified hourly targets met {int(hourly['met'].sum()) if len(hourly) else 0}/{len(hourly)} "
              f"({len(plan.iterations)} iterations, {plan.wall_time_s:.0f} s)", flush=True)

    started = time.perf_counter()
    try:
        table = frontier(scenario, args.levels, target, settings, replications=args.reps,
                         verify_replications=args.verify_reps, max_iterations=args.max_iter, solver=args.solver,
                         time_limit_s=args.time_limit_s, workers=_workers(args.workers), on_plan=on_plan)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SolverUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InfeasiblePlan as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("nothing was written (run `queueplan optimise` at that level for the model and diagnosis)",
              file=sys.stderr)
        return EXIT_INFEASIBLE
    reps = args.reps or resolved.replications
    v_reps = args.verify_reps or resolved.verify_replications or scenario.experiment.replications
    reps_text = f"{reps} replications per iteration, verification {v_reps}"
    try:
        messages = write_frontier(table, pd.concat(rosters, ignore_index=True), out, scenario, args.scenario,
                                  str(args.settings) if args.settings else None, args.lang, sys.argv,
                                  time.perf_counter() - started, reps_text)
    except RunFolderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for m in messages:
        print(f"warning: {m}", file=sys.stderr)
    print(f"\nFrontier: {out / 'frontier.csv'}; page: {out / 'frontier.html'}")
    return 0
