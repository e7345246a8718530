"""A command of this checkout against the same command of another checkout (e.g. the commit before a change).

    git worktree add /tmp/base eab94ea
    python benchmarks/bench_command_ab.py --base /tmp/base [--rounds 1] -- optimise scenarios/city_office.yaml
    python benchmarks/bench_command_ab.py --base /tmp/base --this-extra=--no-search -- optimise scenarios/city_office.yaml

``--this-extra`` adds arguments for this checkout only (an option the other one does not have, e.g. to
ask this checkout for the same work as the other's default).

Runs ``python -m study.cli ARGS --out <fresh folder>`` with ``PYTHONPATH`` set to
each checkout in turn (alternating which goes first each round), from this
checkout's directory so both read the same scenario file, and prints the CPU
time (user + system of the child and its children, ``resource.getrusage``)
and wall time of each, and the ratio base / this. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(checkout: Path, args: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of the command with ``checkout`` on PYTHONPATH."""
    out = Path(tempfile.mkdtemp(prefix="bench-ab-")) / "run"
    env = dict(os.environ, PYTHONPATH=str(checkout), MPLBACKEND="Agg")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "study.cli", *args, "--out", str(out)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="the other checkout (e.g. a git worktree)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--this-extra", default="", help="arguments for this checkout only (space separated)")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- then the queueplan arguments")
    a = ap.parse_args(argv)
    args = a.command[1:] if a.command[:1] == ["--"] else a.command
    runs = {"base": [], "this": []}
    for r in range(a.rounds):
        order = (("base", a.base), ("this", ROOT)) if r % 2 == 0 else (("this", ROOT), ("base", a.base))
        for name, checkout in order:
            runs[name].append(run_once(checkout, args + (a.this_extra.split() if name == "this" else [])))
            cpu, wall = runs[name][-1]
            print(f"  round {r + 1} {name}: CPU {cpu:7.1f} s, wall {wall:7.1f} s", flush=True)
    cpu = {n: statistics.median(c for c, _ in v) for n, v in runs.items()}
    wall = {n: statistics.median(w for _, w in v) for n, v in runs.items()}
    print(f"queueplan {' '.join(args)}" + (f" (this checkout also: {a.this_extra})" if a.this_extra else ""))
    print(f"  base {a.base}: CPU {cpu['base']:.1f} s, wall {wall['base']:.1f} s")
    print(f"  this {ROOT}: CPU {cpu['this']:.1f} s, wall {wall['this']:.1f} s")
    print(f"  speed-up (base / this): CPU {cpu['base'] / cpu['this']:.2f}x, wall {wall['base'] / wall['this']:.2f}x")


if __name__ == "__main__":
    main()
