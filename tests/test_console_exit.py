"""The console script's quick exit: the collector frozen after the command, and nothing lost.

``queueplan`` (and ``python -m study.cli``) run :func:`study.cli.console_main`,
which freezes the objects still alive once the command has returned, so the
interpreter's collections at exit do not walk the libraries' objects;
:func:`study.cli.main`, which notebooks and tests call, leaves the collector
alone. A run that exits through the console script writes the same files,
byte for byte, as one through ``main``, and a pool of workers still shuts down.
"""

from __future__ import annotations

import gc
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "county_hall.yaml"


def test_the_console_script_is_console_main():
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")}
    assert scripts["queueplan"] == "study.cli:console_main"


def test_main_leaves_the_collector_alone():
    from study.cli import main

    frozen, enabled = gc.get_freeze_count(), gc.isenabled()
    assert main(["validate", str(SCENARIO)]) == 0
    assert gc.get_freeze_count() == frozen and gc.isenabled() == enabled


def _run(entry: str, out: Path) -> subprocess.CompletedProcess:
    code = (f"import gc, sys, study.cli\n"
            f"code = study.cli.{entry}(['run', {str(SCENARIO)!r}, '--reps', '3', '--workers', '2', '--no-report', "
            f"'--out', {str(out)!r}])\n"
            f"print('frozen', gc.get_freeze_count() > 0, file=sys.stderr)\n"
            f"sys.exit(code)")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_a_run_through_the_console_script_writes_what_main_writes(tmp_path):
    console, plain = _run("console_main", tmp_path / "console"), _run("main", tmp_path / "plain")
    assert console.returncode == 0 and plain.returncode == 0, console.stderr + plain.stderr
    assert "frozen True" in console.stderr and "frozen False" in plain.stderr
    assert "Traceback" not in console.stderr
    names = sorted(p.name for p in (tmp_path / "plain").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "console").iterdir())
    assert {"replications.csv", "intervals.csv", "summary.json", "manifest.json"} <= set(names)
    for name in ("replications.csv", "intervals.csv", "staff_intervals.csv", "targets.csv"):
        assert (tmp_path / "console" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes(), name
