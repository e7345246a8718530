"""Where a whole command's CPU time goes: its phases, measured in the process that runs it.

    python benchmarks/bench_phases.py W                  # queueplan run <W.yaml> --workers 1 --reps 200
    python benchmarks/bench_phases.py optimise           # queueplan optimise scenarios/city_office.yaml --no-search --workers 1
    python benchmarks/bench_phases.py -- run scenarios/county_hall.yaml --workers 1

The command runs in a fresh ``python`` process (``--workers 1`` is yours to give: with worker processes
their CPU is not seen by the wrappers). Named functions of the project (and HiGHS's ``run``) are
wrapped, everywhere they are bound, by a timer of ``time.process_time``; a wrapper nested in another
(``run_replication`` inside ``run_experiment``) shows on an indented line, and its time is part of its
parent's. Then:

* ``imports`` is the top-level modules' cumulative import time from a second run under
  ``python -X importtime`` (wall time, and the tracing itself adds to it), and under it the CPU the driver
  spends importing ``study.cli`` and the wrapped functions' modules before the command starts (the modules
  the command imports later, lazily, are not in that line);
* ``in process`` is ``time.process_time`` from the driver's first line to the command's return;
* ``start and exit`` is the child's whole CPU (``resource.getrusage(RUSAGE_CHILDREN)``) less that.

A phase's figure covers only what its function does; ``other`` is the in-process total less the top-level
phases and the imports. The driver imports the wrapped functions' modules before the command starts, so their
imports fall outside the phases (a module imported only to be wrapped, such as highspy for a run, is in ``other``). Nothing is asserted; the goals are in ``bench_core.py`` and ``bench_command_ab.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from bench_command_ab import checkout_env   # this checkout on PYTHONPATH, and nothing else
from childproc import phases_of, run_child

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

# (depth, "module:function" or "module:Class.method", shown as); depth 0 lines do not overlap, depth 1 lines
# are part of the depth 0 line above them, depth None lines are counted wherever they are called
PHASES = [
    (0, "sim.experiment:run_experiment", "run_experiment (every experiment)"),
    (1, "sim.run:run_replication", "the event loop of each day (run_replication)"),
    (1, "sim.metrics:replication_tables", "each day's KPI tables"),
    (0, "optimise.shifts:plan_shifts", "shift MILPs (build, solve, read)"),
    (1, "highspy:Highs.run", "HiGHS's own run"),
    (0, "study.runs.write:write_run_tables", "results tables (CSV, JSON)"),
    (0, "study.tables.workbook:write_workbook", "Excel workbook"),
    (0, "study.figures.run_figures:render_figures", "report figures (drawn and saved)"),
    (None, "sim.experiment:ExperimentResult.summary", "summaries (within the lines above, or other)"),
    (None, "optimise.versus_input:compare_with_input", "versus_input: the input roster (within the above)"),
]
PRESETS = {"optimise": ["optimise", "scenarios/city_office.yaml", "--no-search", "--workers", "1"]}

DRIVER = HERE / "phase_driver.py"   # runs the command with the phases timed


def _args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog="-- and queueplan's arguments: any command")
    ap.add_argument("preset", nargs="?", choices=["W", *PRESETS], help="a shipped measurement (or give the "
                    "command's arguments after --)")
    ap.add_argument("--reps", type=int, default=200, help="days of W (default 200)")
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    a = ap.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    a.command = command
    if not a.command and a.preset is None:
        ap.error("give a preset (W, optimise) or -- and the command's arguments")
    return a


def command_of(a, tmp: Path) -> list[str]:
    if a.command:
        return list(a.command)
    if a.preset == "W":
        import bench_core  # noqa: E402  (the workload's definition)

        w_yaml = tmp / "W.yaml"
        w_yaml.write_text(yaml.safe_dump(bench_core.w_dict(a.reps, 1)), encoding="utf-8")
        return ["run", str(w_yaml), "--workers", "1", "--reps", str(a.reps)]
    return list(PRESETS[a.preset])


def measure(cmd: list[str], out: Path) -> tuple[dict, float]:
    """(seconds per phase, the child's whole CPU) of one run of ``cmd`` under the driver."""
    done, child = run_child([sys.executable, str(DRIVER), json.dumps([spec for _, spec, _ in PHASES]), *cmd,
                             "--out", str(out)], cwd=ROOT, env=checkout_env(ROOT), capture_output=True, text=True)
    spent = phases_of(done.stderr)
    if done.returncode != 0 or spent is None:
        raise SystemExit(f"error: the command failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return spent, child


def import_seconds(cmd: list[str], out: Path) -> float:
    """Sum of the top-level modules' cumulative import times under ``-X importtime`` (seconds)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "study.cli", *cmd, "--out", str(out)],
                          cwd=ROOT, env=checkout_env(ROOT), capture_output=True, text=True, check=True)
    total = 0
    for ln in done.stderr.splitlines():
        if ln.startswith("import time:") and ln.count("|") == 2:
            _, cumulative, name = ln[len("import time:"):].split("|")
            if name.startswith(" ") and not name.startswith("  ") and cumulative.strip().isdigit():
                total += int(cumulative)
    return total / 1e6


def main(a) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-phases-"))
    cmd = command_of(a, tmp)
    spent, child = measure(cmd, tmp / "run")
    imports = import_seconds(cmd, tmp / "run-importtime")
    total = spent.pop("in process")
    first = spent.pop("imported first")
    print(f"queueplan {' '.join(cmd)}  (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    print(f"  {'whole command (the child process)':48s} {child:7.2f} s CPU")
    print(f"  {'in process':48s} {total:7.2f} s")
    print(f"  {'start and exit (the rest of the child)':48s} {child - total:7.2f} s")
    print(f"  {'imports (-X importtime, a second run)':48s} {imports:7.2f} s")
    print(f"  {'  of the driver (before the command, in process)':48s} {first:7.2f} s")
    top = 0.0
    for depth, spec, shown in PHASES:
        if spec in spent and depth is not None:
            print(f"  {'  ' * depth + shown:48s} {spent[spec]:7.2f} s")
            top += spent[spec] if depth == 0 else 0.0
    print(f"  {'other (in process less the above and imports)':48s} {total - top - imports:7.2f} s")
    for depth, spec, shown in PHASES:
        if spec in spent and depth is None:
            print(f"  {shown:48s} {spent[spec]:7.2f} s")


if __name__ == "__main__":
    main(_args(sys.argv[1:]))
