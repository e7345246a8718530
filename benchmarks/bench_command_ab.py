"""A command of this checkout against the same command of another checkout (e.g. the commit before a change).

    git worktree add /tmp/base eab94ea
    python benchmarks/bench_command_ab.py --base /tmp/base [--rounds 1] -- optimise scenarios/city_office.yaml
    python benchmarks/bench_command_ab.py --base /tmp/base --this-extra=--no-search -- optimise scenarios/city_office.yaml

``--this-extra`` adds arguments for this checkout only (an option the other one does not have, e.g. to
ask this checkout for the same work as the other's default). ``--this-less module:function`` (repeatable)
runs this checkout's command through ``phase_driver.py``, which times that function wherever it is called,
and also prints this checkout's CPU less the CPU spent in it: for work this checkout does that the other
did not (the comparison with the input roster, the workbook), measured in the same run, not subtracted
from another. The functions named must not call one another (their times are added), and the command must
run in one process (``--workers 1``: time spent in worker processes is not seen by the driver).

    python benchmarks/bench_command_ab.py --base /tmp/base --rounds 3 --this-extra=--no-search \
        --this-less optimise.versus_input:compare_with_input --this-less study.tables.workbook:write_workbook \
        -- optimise scenarios/city_office.yaml --workers 1

Runs ``python -m study.cli ARGS --out <fresh folder>`` with ``PYTHONPATH`` set to
each checkout in turn (alternating which goes first each round), from that
checkout's directory, so each reads its own copy of the scenario (the format
may have changed; ``--same-files`` runs both from this checkout), with
``PYTHONSAFEPATH=1`` and a check first that each imports its own checkout's
packages; and prints the CPU
time (user + system of the child and its children, ``resource.getrusage``)
and wall time of each, and the ratio base / this. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from childproc import phases_of, run_child

ROOT = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).resolve().parent / "phase_driver.py"


PACKAGES = ("sim", "optimise", "study")


def checkout_env(checkout: Path) -> dict:
    """The environment that imports the project from ``checkout`` and nowhere else.

    ``PYTHONSAFEPATH`` keeps the working directory (this checkout, where the scenario files are read)
    off ``sys.path``; without it ``python -m`` would import this checkout's code whatever
    ``PYTHONPATH`` says, and an A/B run would compare this checkout with itself.
    """
    return dict(os.environ, PYTHONPATH=str(checkout), PYTHONSAFEPATH="1", MPLBACKEND="Agg")


def check_imports(checkout: Path) -> None:
    """Stop unless the child process imports every package from ``checkout``."""
    code = "import " + ", ".join(PACKAGES) + "; print(" + ", ".join(f"{p}.__file__" for p in PACKAGES) + ")"
    found = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=checkout_env(checkout), check=True,
                           capture_output=True, text=True).stdout.split()
    wrong = [f for f in found if not Path(f).resolve().is_relative_to(checkout.resolve())]
    if wrong:
        raise SystemExit(f"error: with {checkout} on PYTHONPATH the command imports {', '.join(wrong)}")


def run_once(checkout: Path, args: list[str], cwd: Path, less: list[str] = ()) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds, CPU seconds in the ``less`` functions) of one run of the command.

    With ``checkout`` on PYTHONPATH, from ``cwd``; with ``less``, through ``phase_driver.py``, which
    times those functions (else 0.0 for the third figure).
    """
    out = Path(tempfile.mkdtemp(prefix="bench-ab-")) / "run"
    head = [str(DRIVER), json.dumps(list(less))] if less else ["-m", "study.cli"]
    t0 = time.perf_counter()
    done, cpu = run_child([sys.executable, *head, *args, "--out", str(out)], cwd=cwd, env=checkout_env(checkout),
                          check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE if less else subprocess.DEVNULL, text=True)
    wall = time.perf_counter() - t0
    spent = 0.0
    if less:
        timed = phases_of(done.stderr)
        missing = [f for f in less if f not in timed]
        if missing:
            raise SystemExit(f"error: the command never called {', '.join(missing)}")
        spent = sum(timed[f] for f in less)
    return cpu, wall, spent


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="the other checkout (e.g. a git worktree)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--same-files", action="store_true",
                    help="both read the files of this checkout (default: each its own copy, as the scenario "
                         "format may have changed between them)")
    ap.add_argument("--this-extra", default="", help="arguments for this checkout only (space separated)")
    ap.add_argument("--this-less", action="append", default=[], metavar="MODULE:FUNCTION",
                    help="also print this checkout's CPU less that spent in this function (repeatable)")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- then the queueplan arguments")
    a = ap.parse_args(argv)
    args = a.command[1:] if a.command[:1] == ["--"] else a.command
    if a.this_less and not any(x == "--workers" and y == "1" for x, y in zip(args, args[1:])):
        ap.error("--this-less needs --workers 1 in the command (worker processes' time is not seen)")
    for checkout in (a.base, ROOT):
        check_imports(checkout)
    runs = {"base": [], "this": []}
    for r in range(a.rounds):
        order = (("base", a.base), ("this", ROOT)) if r % 2 == 0 else (("this", ROOT), ("base", a.base))
        for name, checkout in order:
            runs[name].append(run_once(checkout, args + (a.this_extra.split() if name == "this" else []),
                                       ROOT if a.same_files else checkout, a.this_less if name == "this" else ()))
            cpu, wall, spent = runs[name][-1]
            extra = f", of which in {' + '.join(a.this_less)} {spent:5.2f} s" if spent else ""
            print(f"  round {r + 1} {name}: CPU {cpu:7.1f} s, wall {wall:7.1f} s{extra}", flush=True)
    cpu = {n: statistics.median(c for c, _, _ in v) for n, v in runs.items()}
    wall = {n: statistics.median(w for _, w, _ in v) for n, v in runs.items()}
    print(f"queueplan {' '.join(args)}" + (f" (this checkout also: {a.this_extra})" if a.this_extra else ""))
    print(f"  base {a.base}: CPU {cpu['base']:.1f} s, wall {wall['base']:.1f} s")
    print(f"  this {ROOT}: CPU {cpu['this']:.1f} s, wall {wall['this']:.1f} s")
    print(f"  speed-up (base / this): CPU {cpu['base'] / cpu['this']:.2f}x, wall {wall['base'] / wall['this']:.2f}x")
    if a.this_less:
        rest = statistics.median(c - s for c, _, s in runs["this"])
        spent = [s for _, _, s in runs["this"]]
        print(f"  this, less {' + '.join(a.this_less)} ({min(spent):.2f}-{max(spent):.2f} s of each run): "
              f"CPU {rest:.1f} s; base / that: {cpu['base'] / rest:.2f}x")


if __name__ == "__main__":
    main()
