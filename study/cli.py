"""The ``queueplan`` command line.

    queueplan run SCENARIO [--reps N] [--seed S] [--workers W] [--dask ADDRESS|local] [--out DIR] [--json] [--events]
    queueplan validate SCENARIO
    queueplan schema
    queueplan optimise SCENARIO [--out DIR] [--solver highs|cbc] [--time-limit S] [--reps N] [--max-iter K]
    queueplan compare RUN_DIR... [--out DIR] [--lang en|zh]
    queueplan report RUN_DIR [--lang en|zh]
    queueplan sweep SCENARIO --vary PATH=V1,V2,... [--vary ...] [--reps N] [--out DIR]
    queueplan frontier SCENARIO [--levels 0.6,0.7,0.8,0.9,0.95] [--target ID] [--out DIR]
    queueplan fit LOG... -o SCENARIO.yaml [--base SCENARIO] [--map FILE] [--skip-bad-rows]
    queueplan calibrate SCENARIO LOG... [--out DIR] [--reps N]
    queueplan forecast LOG... [--weeks N] [--holdout N] [--effects FILE]
    queueplan roster SCENARIO [--out DIR] [--reps N] [--seed S] [--workers W] [--time-limit S]

A mistake in a scenario file is reported as ``error: FILE, line N: FIELD:
MESSAGE`` on standard error with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from .commands import compare as compare_cmd
from .commands import optimise as optimise_cmd
from .commands import sweep as sweep_cmd
from .commands import ticketlog as ticketlog_cmd
from .commands.args import add_workers, non_negative_int, positive_int
from .commands.help_text import describe
from .commands.signals import Terminated, terminate_as_interrupt
from .week import command as roster_cmd

if TYPE_CHECKING:
    from sim.scenario import Scenario

# Each command imports what it needs when it runs (the simulator, pandas, the optimiser, matplotlib
# only for the report), so `queueplan --help` and `queueplan validate` start in a fraction of a second.

EXIT_BAD_INPUT = 2


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("queueplan")
    except metadata.PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="queueplan", description="Plan the staffing of a public service hall.",
                                epilog="example:\n  queueplan run scenarios/county_hall.yaml\n"
                                       "`queueplan COMMAND --help` describes each command, with an example.",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"queueplan {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="simulate a scenario and write a results folder")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--reps", type=positive_int, help="replications (default: the scenario's experiment.replications)")
    run.add_argument("--seed", type=non_negative_int, help="seed (default: the scenario's experiment.seed)")
    add_workers(run)
    run.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster: tcp://HOST:8786, or 'local' "
                                                       "for a local cluster (needs the dask extra)")
    run.add_argument("--out", type=Path, help="run folder to create (default: results/<scenario>/<run-id>)")
    run.add_argument("--json", action="store_true", help="print the summary as JSON on standard output")
    run.add_argument("--events", action="store_true",
                     help="also write the per-citizen event log (citizens.parquet, events.parquet)")
    run.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the HTML report (default en)")
    run.add_argument("--no-report", dest="report", action="store_false", help="skip report.html and the figures")
    run.add_argument("--force", action="store_true",
                     help="run even when the estimated size (citizens x replications) is beyond the limit")
    run.add_argument("--ticket-log", type=Path, metavar="FILE",
                     help="also write the simulated days (one per replication, consecutive working days from "
                          "--log-start) as a ticket-system export (.csv with Chinese headers, or .xlsx)")
    run.add_argument("--log-start", default="2026-01-05", help="date of the first simulated day (default 2026-01-05)")
    run.add_argument("--day", metavar="NAME", help="a week scenario: simulate this day of its horizon (Mon, "
                                                   "2026-03-03 ...) with the file's roster (default: the file's "
                                                   "shared day); queueplan roster plans the whole week")

    val = sub.add_parser("validate", help="check a scenario file and report every problem")
    val.add_argument("scenario", help="scenario YAML file")

    sub.add_parser("schema", help="print the JSON Schema of scenario files (for editors)")
    optimise_cmd.add_parser(sub)
    compare_cmd.add_parser(sub)
    compare_cmd.add_report_parser(sub)
    sweep_cmd.add_parser(sub)
    sweep_cmd.add_frontier_parser(sub)
    ticketlog_cmd.add_parser(sub)
    roster_cmd.add_parser(sub)
    describe(sub)
    return p


def _load(path: str, lang: str = "en") -> Scenario:
    from sim.loading import load_scenario, scenario_warnings

    scenario = load_scenario(path)
    for warning in scenario_warnings(scenario):
        print(f"warning: {path}: {warning}", file=sys.stderr)
        if lang == "zh":
            print(f"警告：{path}：{warning.text('zh')}", file=sys.stderr)
    return scenario


def _cmd_validate(args) -> int:
    s = _load(args.scenario)
    staff = sum(e.count for e in s.roster)
    print(f"ok: {args.scenario}: scenario '{s.name}', {len(s.services)} service types, {len(s.stations)} stations, "
          f"{staff} staff on the roster, {len(s.targets)} targets")
    return 0


def _cmd_schema(_args) -> int:
    from sim.scenario import Scenario

    schema = Scenario.model_json_schema()
    schema["title"] = "queueplan scenario"
    print(json.dumps(schema, indent=2))
    return 0


def _write_ticket_log(args, scenario, result, seed):
    """Write the simulated days as a ticket-system export; return ``result`` without its logs unless ``--events``."""
    import dataclasses
    import datetime as dt

    from .ticketlog.export import run_logs_rows, write_ticket_log

    rows = run_logs_rows(scenario, result.logs, seed, dt.date.fromisoformat(args.log_start))
    write_ticket_log(rows, args.ticket_log)
    print(f"ticket log: {args.ticket_log} ({len(result.logs)} days, {len(rows)} rows)", file=sys.stderr)
    return result if args.events else dataclasses.replace(result, logs=None)


def _cmd_run(args) -> int:
    from tqdm import tqdm

    from sim.run_size import run_size_problem
    from sim.experiment import ExecutorError, run_experiment

    from .analysis.summary import format_summary
    from .runs.folders import default_run_dir, reserve
    from .runs.write import write_run

    from sim.week_days import week_run_note
    from sim.week_scenarios import simulated_day

    week = _load(args.scenario, getattr(args, "lang", "en"))
    scenario = simulated_day(week, args.day, args.scenario)
    if week.horizon is not None:
        print(f"note: {week_run_note(week, args.day)}", file=sys.stderr)
    reps = args.reps or scenario.experiment.replications
    seed = scenario.experiment.seed if args.seed is None else args.seed
    workers = args.workers or (os.cpu_count() or 1)
    too_big = run_size_problem(scenario, reps)
    if too_big and not args.force:
        print(f"error: {args.scenario}: {too_big}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = args.out or default_run_dir(scenario, seed)
    if args.ticket_log is not None and args.ticket_log.exists():
        print(f"error: {args.ticket_log} already exists; a ticket log is never overwritten", file=sys.stderr)
        return EXIT_BAD_INPUT
    with reserve(out):  # before simulating: a second run aimed at the same folder is refused at once
        try:
            with tqdm(total=reps, desc=f"{scenario.name}", unit="rep", file=sys.stderr, disable=None) as bar:
                result = run_experiment(scenario, reps, seed, workers=workers,
                                        keep_logs=args.events or args.ticket_log is not None,
                                        progress=lambda done: bar.update(done - bar.n), dask=args.dask)
        except ExecutorError as exc:
            print(f"error: {exc}; nothing was written", file=sys.stderr)
            return EXIT_BAD_INPUT
        if args.ticket_log is not None:
            result = _write_ticket_log(args, scenario, result, seed)
        summary = write_run(result, out, args.scenario, workers, sys.argv, lang=args.lang, report=args.report,
                            warn=lambda message: print(f"warning: {message}", file=sys.stderr))
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(format_summary(summary))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``queueplan`` console script."""
    from sim.loading import ScenarioError

    from .runs.folders import RunFolderError
    from .runs.load import CompareError

    args = _parser().parse_args(argv)
    handlers = {"run": _cmd_run, "validate": _cmd_validate, "schema": _cmd_schema,
                "optimise": optimise_cmd.run, "compare": compare_cmd.run, "report": compare_cmd.run_report,
                "sweep": sweep_cmd.run, "frontier": sweep_cmd.run_frontier,
                "fit": ticketlog_cmd.run, "calibrate": ticketlog_cmd.run, "forecast": ticketlog_cmd.run,
                "roster": roster_cmd.run}
    try:
        with terminate_as_interrupt():
            return handlers[args.command](args)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (RunFolderError, CompareError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `queueplan schema | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Terminated:
        print("terminated; nothing was written", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130


def console_main(argv: list[str] | None = None) -> int:
    """The ``queueplan`` console script and ``python -m study.cli``: :func:`main`, then a quick exit.

    When the command has returned, the objects still alive (the libraries' modules above all) are
    frozen out of the cyclic collector (:func:`gc.freeze`): the collections the interpreter runs at
    exit would otherwise walk every one of them only to find nothing to free (0.2-0.3 s of CPU after
    pandas, matplotlib and openpyxl are imported; `benchmarks/bench_phases.py` measures the exit).
    Everything a command writes is written and closed before it returns. :func:`main` itself leaves
    the collector alone, so a notebook or test that calls it keeps collecting as usual.
    """
    code = main(argv)
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(console_main())
