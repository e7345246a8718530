"""Speed as a user runs it, against minimal idiomatic SimPy (``benchmarks/minimal_simpy.py``), on CPU time.

Lines (speed = citizens per CPU second of the project over those of minimal SimPy):

W, the event loop         ``sim.run.run_replication`` for ``--reps`` days (the model and its event log only)
W, replication + tables   ``sim.experiment.run_experiment(s, reps, workers=1)`` and ``.summary()``
W, whole command          ``queueplan run W.yaml --workers 1 --reps N`` as a subprocess (report included)
                          against ``python benchmarks/minimal_simpy.py --reps N`` as a subprocess
                          (CPU of the child processes, ``resource.getrusage(RUSAGE_CHILDREN)``); issue 11
                          asked 1.5x, which the floor puts out of reach: the command is judged per day
W, command, no report     the same with ``--no-report`` (tables, workbook and summary; no figures or page),
                          to show what the report costs; no goal
W, command, per day       the whole command's cost of a simulated day: both commands of the whole-command
                          line (``--reps N``) less the same at ``--reps 1``, run after the lines of the round
                          (what a longer run adds, without the fixed costs)
floor                     below the lines, each round: a fresh interpreter importing every third-party
                          module the W command imports (in its order) plus the W event loop line's CPU,
                          against the CPU the whole command may take for 1.5x: no table, figure or page
                          is in the floor, so a floor above that budget means the 1.5x goal cannot be
                          met by the code around the event loop
W2, replication + tables  as above on W2 (20 windows: 10 with skill A, 10 with A and B; citizens A or B half
                          each), against minimal SimPy with a ``FilterStore`` of staff
scale                     the city office at 1x, 4x and 16x staff, windows and demand: CPU microseconds per
                          citizen of ``run_experiment(..., workers=1)`` with its summary, and 16x over 1x

Workload W: one 480-minute day, Poisson 4 per minute, 22 identical windows,
exponential work of mean 5 minutes, FCFS, everyone admitted served (an
M/M/22 at 91% load, about 1,920 citizens a day). The lines of a round are
run one after the other, each model beside its yardstick, the order
reversed every round; the figures are medians over ``--rounds``. Nothing is
asserted. ``--root`` measures another checkout of the project (e.g. the
commit before a change: ``git worktree add /tmp/base eab94ea``), with the
same yardstick.

    python benchmarks/bench_core.py [--reps 200] [--command-reps 200] [--rounds 3] [--root DIR] [--no-scale]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
GOALS = {"W event loop": None, "W replication + tables": 2.0, "W whole command": 1.5, "W command, no report": None,
         "W command, per day": 1.5, "W2 replication + tables": 3.0}


def _args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200, help="days per in-process measurement (default 200)")
    ap.add_argument("--command-reps", type=int, default=200, help="--reps of the whole command (default 200)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--root", type=Path, default=HERE.parent, help="checkout of the project to measure")
    ap.add_argument("--no-scale", dest="scale", action="store_false", help="skip the scale line")
    ap.add_argument("--scale-reps", default="4,2,1", help="days at 1x, 4x, 16x (default 4,2,1)")
    return ap.parse_args(argv)


A = _args(sys.argv[1:]) if __name__ == "__main__" else None
ROOT = (A.root if A else HERE.parent).resolve()
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import minimal_simpy  # noqa: E402
from childproc import run_child  # noqa: E402
from sim.experiment import run_experiment  # noqa: E402
from sim.loading import scenario_from_dict  # noqa: E402
from sim.run import run_replication  # noqa: E402
from tests.builders import mmc_dict  # noqa: E402


def w_dict(reps: int, seed: int) -> dict:
    w = minimal_simpy.W
    return mmc_dict(w["arrivals_per_min"], w["mean_work_min"], w["servers"], open_min=minimal_simpy.OPEN_MIN,
                    close_min=minimal_simpy.CLOSE_MIN, replications=reps, seed=seed)


def w2_dict(reps: int, seed: int) -> dict:
    w2 = minimal_simpy.W2
    d = mmc_dict(w2["arrivals_per_min"], w2["mean_work_min"], w2["a_only"] + w2["a_and_b"],
                 open_min=minimal_simpy.OPEN_MIN, close_min=minimal_simpy.CLOSE_MIN, replications=reps, seed=seed)
    work = {"dist": "exponential", "mean_min": w2["mean_work_min"]}
    d["services"] = {k: {"steps": [{"station": "desk", "work": work}]} for k in ("A", "B")}
    d["arrivals"]["mix"] = {"A": 0.5, "B": 0.5}
    d["staff_types"] = {"a_only": {"skills": {"A": 1.0}}, "a_and_b": {"skills": {"A": 1.0, "B": 1.0}}}
    d["roster"] = [{"staff_type": t, "shift": "ALL", "station": "desk", "count": w2[t]} for t in ("a_only", "a_and_b")]
    return d


def scaled_city(k: int) -> dict:
    """The city office with k times its windows, staff and demand."""
    d = yaml.safe_load((ROOT / "scenarios" / "city_office.yaml").read_text(encoding="utf-8"))
    for st in d["stations"].values():
        st["windows"] *= k
        for g in (st.get("window_groups") or {}).values():
            g["windows"] *= k
    for entry in d["roster"]:
        entry["count"] *= k
    d["arrivals"]["daily_volume"] *= k
    if d.get("appointments"):
        d["appointments"]["capacity_per_slot"] = {s: v * k for s, v in d["appointments"]["capacity_per_slot"].items()}
    d.pop("optimise", None)
    return d


def _day_arrivals(result) -> int:
    t = result.tables["citizens"]
    return int(t[(t["interval"] == "day") & (t["service_type"] == "*") & (t["class"] == "*")]["arrivals"].sum())


def cpu(fn) -> tuple[float, int]:
    """(CPU seconds, citizens) of ``fn()`` which returns its number of citizens."""
    c0 = time.process_time()
    n = fn()
    return time.process_time() - c0, n


def child_cpu(cmd: list[str], env: dict | None = None) -> float:
    """CPU seconds of ``cmd`` run from the checkout (its output discarded)."""
    return run_child(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)[1]


def minimal_days(workload: str, reps: int, seed: int) -> int:
    waits: list = []
    return sum(minimal_simpy.REPLICATION[workload](rep, seed, waits) for rep in range(reps))


LIBRARIES_OF = r"""
import json, sys
std = set(sys.stdlib_module_names) | {"__main__", "__mp_main__"}
import study.cli
try:
    study.cli.main(sys.argv[1:])
except SystemExit:
    pass
own = ("study", "sim", "optimise", "__editable__")
print(json.dumps([m for m in sys.modules if m.split(".")[0] not in std and not m.startswith(own)]))
"""
IMPORT_ALL = r"""
import importlib, json, sys
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception:   # an alias in sys.modules that is not importable by its name
        pass
import gc
gc.freeze()             # the command's own quick exit (study.cli.console_main)
"""


def libraries_of(cmd: list[str], env: dict) -> list[str]:
    """The third-party modules (and their submodules), in import order, that ``queueplan CMD`` imports."""
    done = subprocess.run([sys.executable, "-c", LIBRARIES_OF, *cmd], check=True, capture_output=True, text=True,
                          env=env, cwd=ROOT)
    return json.loads(done.stdout.splitlines()[-1])


def main(a) -> None:
    w = scenario_from_dict(w_dict(a.reps, a.seed), source="<W>")
    w2 = scenario_from_dict(w2_dict(a.reps, a.seed), source="<W2>")
    tmp = Path(tempfile.mkdtemp(prefix="bench-core-"))
    w_yaml = tmp / "W.yaml"
    w_yaml.write_text(yaml.safe_dump(w_dict(a.command_reps, a.seed)), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    runs = [0]

    def command(*extra: str, reps: int = a.command_reps) -> float:
        runs[0] += 1
        out = tmp / f"run{runs[0]}"
        return child_cpu([sys.executable, "-m", "study.cli", "run", str(w_yaml), "--workers", "1", "--reps",
                          str(reps), "--out", str(out), *extra], env)

    def minimal_command(reps: int = a.command_reps) -> float:
        return child_cpu([sys.executable, str(HERE / "minimal_simpy.py"), "--reps", str(reps),
                          "--seed", str(a.seed)])

    libraries = libraries_of(["run", str(w_yaml), "--workers", "1", "--reps", "1", "--out", str(tmp / "libs")], env)

    def exp(s) -> int:
        r = run_experiment(s, a.reps, a.seed, workers=1)
        r.summary()
        return _day_arrivals(r)

    lines = {
        "W event loop": (lambda: sum(len(run_replication(w, rep, a.seed)) for rep in range(a.reps)),
                         lambda: minimal_days("W", a.reps, a.seed), False),
        "W replication + tables": (lambda: exp(w), lambda: minimal_days("W", a.reps, a.seed), False),
        "W whole command": (command, minimal_command, True),
        "W command, no report": (lambda: command("--no-report"), minimal_command, True),
        "W2 replication + tables": (lambda: exp(w2), lambda: minimal_days("W2", a.reps, a.seed), False),
    }
    print(f"project at {ROOT}; python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores; {a.reps} days per line ({a.command_reps} for the command), {a.rounds} rounds")
    minimal_days("W", 2, a.seed), exp(scenario_from_dict(w_dict(2, a.seed), source="<W>"))  # warm-up
    ratios = {name: [] for name in [*lines, "W command, per day"]}
    floors = []
    for r in range(a.rounds):
        spent = {}
        for name, (project, minimal, whole) in (lines.items() if r % 2 == 0 else reversed(lines.items())):
            pair = [("project", project), ("minimal", minimal)]
            res = {}
            for who, fn in (pair if r % 2 == 0 else pair[::-1]):
                res[who] = fn() if whole else cpu(fn)
            spent[name] = res
            # the whole command: same citizens in both (same workload and seed), so the CPU ratio is the speed
            ratio = res["minimal"] / res["project"] if whole else \
                (res["project"][1] / res["project"][0]) / (res["minimal"][1] / res["minimal"][0])
            ratios[name].append(ratio)
            cpu_p = res["project"] if whole else res["project"][0]
            cpu_m = res["minimal"] if whole else res["minimal"][0]
            print(f"  round {r + 1}  {name:<25} project {cpu_p:7.2f} s CPU, minimal {cpu_m:7.2f} s CPU, "
                  f"speed {ratio:.2f}x", flush=True)
        # per day: the whole-command line's two runs less each command at --reps 1 (the days beyond the first)
        one_day = {}
        for who, fn in ([("project", command), ("minimal", minimal_command)][::1 if r % 2 == 0 else -1]):
            one_day[who] = fn(reps=1)
        extra = {who: spent["W whole command"][who] - one_day[who] for who in one_day}
        if min(extra.values()) > 0:   # at a few days the difference can drown in the noise
            ratios["W command, per day"].append(extra["minimal"] / extra["project"])
        speed = f"{extra['minimal'] / extra['project']:.2f}x" if min(extra.values()) > 0 else "too few days to tell"
        print(f"  round {r + 1}  {'W command, per day':<25} project {extra['project']:7.2f} s CPU, minimal "
              f"{extra['minimal']:7.2f} s CPU, speed {speed}", flush=True)
        imports = child_cpu([sys.executable, "-c", IMPORT_ALL, json.dumps(libraries)], env)
        loop = spent["W event loop"]["project"][0] * a.command_reps / a.reps
        budget = spent["W whole command"]["minimal"] / GOALS["W whole command"]
        floors.append((imports, loop, budget, spent["W whole command"]["project"]))
        print(f"  round {r + 1}  floor of the whole command: {len(libraries)} library modules {imports:.2f} s + "
              f"event loop {loop:.2f} s = {imports + loop:.2f} s CPU; 1.5x allows {budget:.2f} s", flush=True)
    print()
    for name, rs in ratios.items():
        if not rs:
            print(f"{name:<25} too few days to tell (give more --command-reps)")
            continue
        goal = GOALS[name]
        m = statistics.median(rs)
        verdict = "" if goal is None else f"  (goal >= {goal:g}x: {'met' if m >= goal else 'NOT met'})"
        if name == "W whole command":   # see the floor and benchmarks/README.md
            verdict = f"  (issue 11 asked >= {goal:g}x: " + ("met)" if m >= goal else "NOT met; out of reach, see the floor)")
        print(f"{name:<25} {m:5.2f}x minimal SimPy (CPU, median of {len(rs)}){verdict}")
    imports, loop, budget, whole = (statistics.median(f[k] for f in floors) for k in range(4))
    print(f"{'floor':<25} {imports + loop:5.2f} s CPU (library imports {imports:.2f} s + event loop {loop:.2f} s, "
          f"medians) against {budget:.2f} s allowed for 1.5x: the floor is {(imports + loop) / budget:.0%} of it "
          "before any table, figure or page")
    print(f"{'':<25} it leaves {budget - imports - loop:5.2f} s for everything else (the project's modules, the day "
          f"tables, results folder, workbook, figures and page), which takes {whole - imports - loop:.2f} s in the "
          "whole command (medians); the project judges the command by the per-day line (see benchmarks/README.md)")
    if a.scale:
        per = {}
        for k, reps in zip((1, 4, 16), [int(x) for x in a.scale_reps.split(",")]):
            s = scenario_from_dict(scaled_city(k), source=f"<city x{k}>")
            t, n = cpu(lambda: _day_arrivals(_summarised(run_experiment(s, reps, a.seed, workers=1))))
            per[k] = t / n * 1e6
        print("scale (city office)       " + ", ".join(f"{k}x {v:.0f} us/citizen" for k, v in per.items())
              + f"; 16x / 1x = {per[16] / per[1]:.2f} (goal <= 1.2: {'met' if per[16] / per[1] <= 1.2 else 'NOT met'})")


def _summarised(result):
    result.summary()
    return result


if __name__ == "__main__":
    main(A)
