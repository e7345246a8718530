"""``queueplan fit``, ``queueplan calibrate`` and ``queueplan forecast``: from the hall's ticket log.

    queueplan fit LOG... -o SCENARIO.yaml [--base SCENARIO] [--map FILE] [--skip-bad-rows] [--report DIR] [--no-report]
    queueplan calibrate SCENARIO LOG... [--out DIR] [--reps N] [--map FILE] [--skip-bad-rows]
    queueplan forecast LOG... [--weeks N] [--holdout N] [--effects FILE] [--map FILE] [--skip-bad-rows]

A bad log is reported as ``error: FILE, line N: COLUMN: MESSAGE`` (every
bad row, at most 50 shown) with exit code 2; ``--skip-bad-rows`` drops them
and says how many.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .args import positive_int

EXIT_BAD_INPUT = 2


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--map", dest="map_path", metavar="FILE", help="column map (YAML) for other layouts and headers")
    p.add_argument("--skip-bad-rows", action="store_true", help="drop rows that cannot be read (they are counted)")


def add_parser(subparsers) -> None:
    """Add the ``fit``, ``calibrate`` and ``forecast`` subcommands."""
    fit = subparsers.add_parser("fit", help="fit a scenario from ticket logs (CSV or .xlsx)")
    fit.add_argument("logs", nargs="+", help="ticket-log files")
    fit.add_argument("-o", "--output", required=True, type=Path, help="scenario YAML to write (never overwritten)")
    fit.add_argument("--base", help="scenario whose hall (stations, staff, roster, rules) the fit keeps")
    fit.add_argument("--name", help="scenario name (default: the output file's stem)")
    fit.add_argument("--report", type=Path, help="folder for the fit report (default: OUTPUT without .yaml + _fit)")
    fit.add_argument("--no-report", dest="write_report", action="store_false", help="skip the fit report")
    _common(fit)

    cal = subparsers.add_parser("calibrate", help="simulate a scenario with the staffing seen in a log and compare")
    cal.add_argument("scenario", help="scenario YAML (usually the fitted one)")
    cal.add_argument("logs", nargs="+", help="ticket-log files")
    cal.add_argument("--out", type=Path, help="folder for calibration.html and the tables (default: calibration_<name>)")
    cal.add_argument("--reps", type=positive_int, default=5, help="replications per day of the log (default 5)")
    _common(cal)

    fc = subparsers.add_parser("forecast", help="forecast daily volume from ticket logs, with a backtest")
    fc.add_argument("logs", nargs="+", help="ticket-log files")
    fc.add_argument("--weeks", type=positive_int, default=4, help="weeks ahead (default 4)")
    fc.add_argument("--holdout", type=positive_int, default=2, help="weeks held out for the backtest (default 2)")
    fc.add_argument("--effects", type=Path, help="CSV of named date effects: date,name[,factor]")
    fc.add_argument("--out", type=Path, help="CSV to write the forecast to (default: print only; never overwritten)")
    fc.add_argument("--scenario", type=Path, help="base scenario: write one week scenario per forecast week "
                                                  "(its horizon's days with the forecast volumes) into --horizon-out")
    fc.add_argument("--horizon-out", type=Path, dest="horizon_out",
                    help="folder for the week scenarios (default: next to --scenario)")
    fc.add_argument("--plan-for", choices=("mean", "upper"), default="mean", dest="plan_for",
                    help="each day's volume: the forecast mean or its upper 95%% prediction bound (default mean)")
    _common(fc)


def _read(args):
    from ..ticketlog.importing import read_logs

    rows, skipped = read_logs(args.logs, args.map_path, args.skip_bad_rows)
    if skipped:
        print(f"warning: skipped {skipped} bad rows (--skip-bad-rows)", file=sys.stderr)
    return rows


def _fit(args) -> int:
    import yaml

    from sim.loading import ScenarioLoader, load_scenario, scenario_from_dict

    from ..ticketlog.fitting import fit_log
    from ..ticketlog.pages import write_fit_report
    from ..ticketlog.scenario_writer import load_base, scenario_yaml

    out: Path = args.output
    if out.exists():
        print(f"error: {out} already exists; it is never overwritten (choose another -o)", file=sys.stderr)
        return EXIT_BAD_INPUT
    rows = _read(args)
    base = base_raw = None
    if args.base:
        base = load_scenario(args.base)
        base_raw = load_base(args.base)
        fit = fit_log(rows, sessions=[(s.start, s.end) for s in base.hours.sessions],
                      slots=[(p.start, p.end) for p in base.arrivals.profile], interval_min=base.hours.interval_min,
                      last_ticket_min=base.hours.last_ticket_min,
                      reopen_waits=base.hours.closed_arrivals == "wait")
    else:
        fit = fit_log(rows)
    name = args.name or out.stem.replace("-", "_")
    text = scenario_yaml(fit, name, [str(p) for p in args.logs], base_raw, args.base)
    scenario_from_dict(yaml.load(text, Loader=ScenarioLoader), str(out))  # the file must run as written
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    report = args.report or out.with_name(out.stem + "_fit")
    page = write_fit_report(fit, report, str(out)) if args.write_report else None
    pat = fit.patience
    print(f"fitted {fit.n_tickets} tickets over {len(fit.days)} days: {out}")
    print(f"  daily volume {fit.daily_volume:.1f} walk-ins (day-to-day cv {fit.volume_cv:.2f}); weekday factors "
          + ", ".join(f"{w.weekday[:3]} {w.factor:.2f}" for w in fit.weekdays.itertuples()))
    if "family" in pat:
        print(f"  patience: {pat['family']} mean {pat['mean_min']:.1f} min (censored ML, {pat['events']} left, "
              f"{pat['censored']} censored); naive mean of leavers' waits {pat['naive_mean_min']:.1f} min")
    if page is not None:
        print(f"  report: {page}")
    return 0


def _calibrate(args) -> int:
    from sim.loading import load_scenario

    from ..ticketlog.calibrate import calibrate
    from ..ticketlog.pages import write_calibration_page

    scenario = load_scenario(args.scenario)
    rows = _read(args)
    out = args.out or Path(f"calibration_{scenario.name}")
    if out.exists() and any(out.iterdir()):
        print(f"error: {out} already exists; results are never overwritten (choose another --out)", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = calibrate(scenario, rows, reps=args.reps)
    page = write_calibration_page(result, out, args.scenario)
    print(result.verdict_text())
    print(f"page: {page}")
    return 0


def _forecast(args) -> int:
    from ..ticketlog.fitting import tickets_of
    from ..ticketlog.forecast import backtest, daily_counts, forecast, read_effects

    from sim.loading import load_scenario

    if args.out is not None and Path(args.out).exists():
        raise FileExistsError(f"{args.out} already exists; results are never overwritten")
    if args.scenario is not None:
        load_scenario(args.scenario)  # a bad base scenario: ScenarioError (study.cli.main: exit 2) before any writing
    rows = _read(args)
    effects = read_effects(args.effects) if args.effects else {}
    counts = daily_counts(tickets_of(rows))
    bt = backtest(counts, holdout_weeks=args.holdout, effects=effects)
    fc = forecast(counts, weeks=args.weeks, effects=effects)
    print(bt.text())
    print(fc.text())
    if args.scenario is not None:
        from ..ticketlog.horizon_writer import write_week_scenarios

        folder = args.horizon_out or args.scenario.parent
        for path in write_week_scenarios(args.scenario, fc.table, folder, args.plan_for):
            print(f"week scenario: {path}  (queueplan roster {path})")
    if args.out:
        write_csv_once(fc.table, args.out)
        print(f"written: {args.out}")
    return 0


def write_csv_once(frame, path: Path) -> None:
    """Write ``frame`` as CSV (UTF-8 with BOM) atomically; an existing file is never overwritten."""
    import os

    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists; results are never overwritten")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig")
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def run(args) -> int:
    """Dispatch ``fit``/``calibrate``/``forecast``; a bad log exits 2 with every problem listed."""
    from ..ticketlog.importing import MAX_SHOWN, LogError

    try:
        return {"fit": _fit, "calibrate": _calibrate, "forecast": _forecast}[args.command](args)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except LogError as exc:
        for problem in exc.problems[:MAX_SHOWN]:
            print(f"error: {problem}", file=sys.stderr)
        if len(exc.problems) > MAX_SHOWN:
            print(f"error: ... and {len(exc.problems) - MAX_SHOWN} more problems "
                  "(--skip-bad-rows drops the bad rows)", file=sys.stderr)
        return EXIT_BAD_INPUT
