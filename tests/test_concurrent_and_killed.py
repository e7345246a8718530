"""Runs started at the same moment, runs aimed at the same folder, and runs killed at random moments.

* Several runs of one scenario and seed with the default output folder all
  complete, each into its own folder (the run id ends in a random suffix; the
  folder is reserved with an exclusive lock before simulating).
* Two runs with the same ``--out``: one completes, the other is refused at
  once (exit 2, "being written by another queueplan run"), before simulating.
* A run killed with SIGTERM exits cleanly (code 143, temporary folder
  removed); one killed with SIGKILL leaves at most a hidden ``.partial``
  folder and ``.lock``, which the next run in that place removes and reports.
  Never a visible half-written folder.
* A full disk while writing (``OSError(ENOSPC)``) is a clear error, exit 2,
  nothing left behind.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "county_hall.yaml"
COMPLETE = ("manifest.json", "summary.json", "intervals.csv", "targets.csv", "replications.csv", "staff.csv")


def _start(cwd: Path, *extra: str, reps: int = 2, workers: int = 1) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "study.cli", "run", str(SCENARIO), "--reps", str(reps),
                             "--workers", str(workers), "--no-report", *extra], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _visible_runs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


def _assert_complete(run: Path) -> None:
    missing = [f for f in COMPLETE if not (run / f).is_file()]
    assert not missing, f"{run} is half-written: {missing} missing"


def test_simultaneous_default_runs_go_to_distinct_folders(tmp_path):
    procs = [_start(tmp_path) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert "Traceback" not in err
    runs = _visible_runs(tmp_path / "results" / "county_hall")
    assert len(runs) == 3
    for run in runs:
        _assert_complete(run)
    assert not [p for p in (tmp_path / "results" / "county_hall").iterdir() if p.name.startswith(".")]


def test_same_out_second_run_is_refused_before_simulating(tmp_path):
    procs = [_start(tmp_path, "--out", "same", reps=3) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    errs = "\n".join(err for _, err in outs)
    assert "Traceback" not in errs
    assert codes == [0, 2], errs  # (if the first had finished before the second looked: "already exists")
    assert "being written by another queueplan run" in errs or "already exists" in errs
    _assert_complete(tmp_path / "same")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_existing_out_is_refused_before_simulating(tmp_path, capsys, monkeypatch):
    from study.cli import main

    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    import sim.experiment

    monkeypatch.setattr(sim.experiment, "run_experiment", lambda *a, **k: pytest.fail("simulated"))
    assert main(["run", str(SCENARIO), "--reps", "1", "--workers", "1", "--out", str(tmp_path / "taken")]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("sig,delay", [(signal.SIGTERM, 0.3), (signal.SIGTERM, 2.5), (signal.SIGTERM, 5.0),
                                       (signal.SIGKILL, 0.3), (signal.SIGKILL, 2.5), (signal.SIGKILL, 5.0)])
def test_killed_run_leaves_nothing_half_written(tmp_path, sig, delay):
    proc = _start(tmp_path, reps=30)
    time.sleep(delay)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    folder = tmp_path / "results" / "county_hall"
    for run in _visible_runs(folder):  # finished before the signal: complete
        _assert_complete(run)
    hidden = [p for p in folder.iterdir() if p.name.startswith(".")] if folder.exists() else []
    assert "Traceback" not in err
    if sig == signal.SIGTERM:
        assert proc.returncode in (0, 143, -signal.SIGTERM), err  # -15: killed before the handler was installed
        if proc.returncode == 143:
            assert "terminated; nothing was written" in err
        assert hidden == [], hidden
    else:
        assert all(p.name.endswith((".partial", ".lock")) for p in hidden), hidden
        if hidden:  # the next run in that place cleans up and says so
            again = _start(tmp_path, reps=1)
            _, err2 = again.communicate(timeout=300)
            assert again.returncode == 0, err2
            assert "left by an interrupted run" in err2
            assert [p for p in folder.iterdir() if p.name.startswith(".")] == []


def test_sigterm_stops_a_run_on_a_process_pool_at_once(tmp_path):
    """With two workers, SIGTERM cancels the queued replications instead of waiting for them all."""
    proc = _start(tmp_path, reps=2000, workers=2)
    time.sleep(4.0)
    proc.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    _, err = proc.communicate(timeout=120)
    # 2,000 county days take minutes on 2 workers; stopping waits for at most the replications in hand
    assert time.monotonic() - stopped < 20, "SIGTERM waited for the queued replications"
    assert proc.returncode in (143, -signal.SIGTERM), err
    assert "Traceback" not in err
    folder = tmp_path / "results" / "county_hall"
    assert _visible_runs(folder) == []
    assert [p for p in folder.iterdir() if p.name.startswith(".")] == [] if folder.exists() else True


def test_full_disk_is_a_clear_error(tmp_path, capsys, monkeypatch):
    import study.runs.write
    from study.cli import main

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "intervals.csv")

    monkeypatch.setattr(study.runs.write, "_csv", full)
    out = tmp_path / "run"
    assert main(["run", str(SCENARIO), "--reps", "1", "--workers", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the disk is full" in err and "nothing was written" in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []
