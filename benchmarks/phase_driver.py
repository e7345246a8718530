"""Run one queueplan command in this process with named functions timed: the driver of the phase benchmarks.

    python benchmarks/phase_driver.py '["sim.run:run_replication", ...]' run W.yaml --workers 1 ...

Each ``"module:function"`` (or ``"module:Class.method"``) is wrapped, everywhere it is bound by name, by a
timer of ``time.process_time``; the command then runs as the console script runs it
(``study.cli.console_main``), and one line ``PHASES {json}`` on stderr gives the seconds spent in each
(a call nested in another wrapped call counts in both), ``imported first`` (CPU before the command starts)
and ``in process`` (CPU from the first line to the command's return); a command that fails exits with its
code and prints no such line. Used by ``bench_phases.py`` and by ``bench_command_ab.py --this-less``; it
only reads the clock, so the command does the same work.
"""

import importlib
import json
import sys
import time

t0 = time.process_time()
spent: dict[str, float] = {}


def wrap(spec: str) -> None:
    mod_name, _, attr = spec.partition(":")
    mod = importlib.import_module(mod_name)
    owner, name = (getattr(mod, attr.split(".")[0]), attr.split(".")[1]) if "." in attr else (mod, attr)
    f = getattr(owner, name)

    def timed(*a, **k):
        c = time.process_time()
        try:
            return f(*a, **k)
        finally:
            spent[spec] = spent.get(spec, 0.0) + time.process_time() - c

    if owner is not mod:
        setattr(owner, name, timed)
        return
    for m in list(sys.modules.values()):   # every module that bound the function by name
        d = getattr(m, "__dict__", None)
        if d is not None:
            for key, value in list(d.items()):
                if value is f:
                    d[key] = timed


specs, argv = json.loads(sys.argv[1]), sys.argv[2:]
import study.cli  # noqa: E402  (the project, from PYTHONPATH)

for spec in specs:
    wrap(spec)
spent["imported first"] = time.process_time() - t0
try:
    code = getattr(study.cli, "console_main", study.cli.main)(argv)   # as the console script runs it
except SystemExit as exc:   # argparse's errors
    code = exc.code
if code not in (None, 0):
    sys.exit(code)          # a failed command is not measured
spent["in process"] = time.process_time() - t0
print("PHASES " + json.dumps(spent), file=sys.stderr)
