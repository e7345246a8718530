"""Every executor gives the same numbers: serial, process pool, Dask LocalCluster."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sim import experiment
from sim.experiment import ExecutorError, run_experiment
from sim.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
COUNTY = ROOT / "scenarios" / "county_hall.yaml"


def _assert_same(a, b) -> None:
    for name in a.tables:
        assert a.tables[name].equals(b.tables[name]), f"table {name} differs"
    for name, frame in a.summary().items():
        assert frame.equals(b.summary()[name]), f"summary {name} differs"


@pytest.fixture(scope="module")
def serial():
    return run_experiment(load_scenario(COUNTY), replications=8, seed=11, workers=1)


def test_process_pool_matches_serial(serial):
    _assert_same(serial, run_experiment(load_scenario(COUNTY), replications=8, seed=11, workers=2))


def test_kept_pool_is_reused_and_changes_no_number(serial):
    """The pool of the previous experiment is reused (extend too), the numbers stay the serial ones, and a
    pool shut down (as after a failed experiment) is started afresh."""
    scenario = load_scenario(COUNTY)
    first = run_experiment(scenario, replications=3, seed=11, workers=2)
    pool = experiment._POOLS[2]
    _assert_same(serial, experiment.extend_experiment(first, 8, workers=2))
    assert experiment._POOLS[2] is pool
    experiment.shutdown_pools()
    assert not experiment._POOLS
    _assert_same(serial, run_experiment(scenario, replications=8, seed=11, workers=2))
    assert experiment._POOLS[2] is not pool


def test_dask_local_cluster_matches_serial(serial):
    pytest.importorskip("dask.distributed")
    _assert_same(serial, run_experiment(load_scenario(COUNTY), replications=8, seed=11, workers=2, dask="local"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dask_address_that_does_not_answer(monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(experiment, "DASK_CONNECT_TIMEOUT_S", 2)
    with pytest.raises(ExecutorError, match="no Dask scheduler answers"):
        run_experiment(load_scenario(COUNTY), replications=2, dask=f"tcp://127.0.0.1:{_free_port()}")


def test_cli_dask_error_writes_nothing(tmp_path):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "study.cli", "run", str(COUNTY), "--reps", "2", "--dask",
                           f"tcp://127.0.0.1:{_free_port()}", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 2
    assert "no Dask scheduler answers" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() and not any(tmp_path.iterdir())
