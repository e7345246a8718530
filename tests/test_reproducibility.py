"""Reproducibility: the numbers depend only on (scenario, seed, replication).

* the same seed gives an identical event log, different seeds give different ones;
* the executor never changes the numbers: ``run_experiment`` with one worker
  and with a process pool of two gives identical KPI tables and summaries;
* random streams are keyed by name: each is ``SeedSequence(seed,
  spawn_key=(replication, stream_id))`` with ids that are never renumbered, so
  adding a stream leaves every existing stream (and every result) unchanged;
* the committed scenarios run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import streams
from sim.experiment import run_experiment
from sim.loading import load_scenario
from sim.run import run_replication
from sim.streams import STREAM_IDS, make_rngs, stream
from tests.builders import mmc_scenario

ROOT = Path(__file__).resolve().parents[1]
COUNTY = ROOT / "scenarios" / "county_hall.yaml"

# The ids in use when these tests were written: append-only, never renumbered.
PINNED_STREAM_IDS = {"arrivals": 0, "thinning": 1, "service_type": 2, "class": 3, "route": 4, "work": 5,
                     "patience": 6, "absence": 7, "lateness": 8}


@pytest.fixture(scope="module")
def county():
    return load_scenario(COUNTY)


def _frame_hash(log) -> int:
    frame = log.to_frame()
    return int(pd.util.hash_pandas_object(frame, index=True).sum()), frame


def _log_bytes(log) -> bytes:
    return log.to_frame().to_csv(index=False, float_format="%.17g").encode()


def _logs_equal(a, b) -> bool:
    arrays = ("arrive_min", "ticket_min", "service", "klass", "patience_min", "outcome", "wait_min", "leave_min",
              "visit_citizen", "visit_step", "visit_join_min", "visit_start_min", "visit_end_min", "visit_staff",
              "visit_window", "duty_staff", "duty_on_min", "duty_off_min", "duty_scheduled_off_min",
              "unserved_citizen", "unserved_step", "unserved_join_min")
    return all(np.array_equal(getattr(a, n), getattr(b, n), equal_nan=n.endswith("_min")) for n in arrays)


# --------------------------------------------------------------------------- same seed, same log
@pytest.mark.parametrize("rep", [0, 3])
def test_same_seed_gives_identical_event_log(county, rep):
    a, b = run_replication(county, rep, seed=7), run_replication(county, rep, seed=7)
    (ha, fa), (hb, fb) = _frame_hash(a), _frame_hash(b)
    assert ha == hb
    pd.testing.assert_frame_equal(fa, fb)
    assert _log_bytes(a) == _log_bytes(b)
    assert _logs_equal(a, b)


def test_scenario_seed_is_the_default(county):
    a = run_replication(county, 1)
    b = run_replication(county, 1, seed=county.experiment.seed)
    assert _log_bytes(a) == _log_bytes(b)


def test_different_seeds_or_replications_differ(county):
    base = _log_bytes(run_replication(county, 0, seed=7))
    assert _log_bytes(run_replication(county, 0, seed=8)) != base
    assert _log_bytes(run_replication(county, 1, seed=7)) != base


def test_reproducible_with_priority_classes_and_patience():
    scenario = mmc_scenario(0.4, 5.0, 2, open_min=480, close_min=720, patience_mean_min=15.0,
                            classes={"green": {"priority": 0, "share": 0.2}, "normal": {"priority": 1, "share": 0.8}})
    a, b = run_replication(scenario, 2, seed=11), run_replication(scenario, 2, seed=11)
    assert _frame_hash(a)[0] == _frame_hash(b)[0]
    assert _frame_hash(run_replication(scenario, 2, seed=12))[0] != _frame_hash(a)[0]


# --------------------------------------------------------------------------- executors
def test_one_worker_and_two_workers_give_identical_tables(county):
    serial = run_experiment(county, replications=6, seed=5, workers=1)
    pooled = run_experiment(county, replications=6, seed=5, workers=2)
    assert serial.tables.keys() == pooled.tables.keys()
    for name in serial.tables:
        assert serial.tables[name].equals(pooled.tables[name]), f"table {name} differs between executors"
    s1, s2 = serial.summary(), pooled.summary()
    assert s1.keys() == s2.keys()
    for name in s1:
        assert s1[name].equals(s2[name]), f"summary {name} differs between executors"
    assert serial.day().equals(pooled.day())


def test_kept_logs_are_those_of_single_replications(county):
    result = run_experiment(county, replications=3, seed=5, workers=1, keep_logs=True)
    for rep, log in enumerate(result.logs):
        assert log.replication == rep
        assert _log_bytes(log) == _log_bytes(run_replication(county, rep, seed=5))


# --------------------------------------------------------------------------- streams
def test_stream_ids_are_append_only():
    for name, sid in PINNED_STREAM_IDS.items():
        assert STREAM_IDS.get(name) == sid, f"stream '{name}' was renumbered or removed"
    assert len(set(STREAM_IDS.values())) == len(STREAM_IDS), "two streams share an id"


@pytest.mark.parametrize("seed,rep", [(0, 0), (1, 0), (20261125, 17)])
def test_stream_is_seedsequence_keyed_by_replication_and_id(seed, rep):
    direct = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(rep, 5))).random(16)
    assert np.array_equal(stream(seed, rep, "work").random(16), direct)
    for name, sid in STREAM_IDS.items():
        expect = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(rep, sid))).random(4)
        assert np.array_equal(stream(seed, rep, name).random(4), expect)


def test_streams_are_distinct():
    draws = {name: tuple(g.random(4)) for name, g in make_rngs(3, 0).items()}
    assert len(set(draws.values())) == len(draws)


def test_adding_a_stream_changes_no_existing_stream_or_result(county, monkeypatch):
    before = {name: g.random(8) for name, g in make_rngs(9, 2).items()}
    log_before = _log_bytes(run_replication(county, 2, seed=9))
    monkeypatch.setitem(streams.STREAM_IDS, "a_new_source", max(STREAM_IDS.values()) + 1)
    # a name that sorts first and an id inserted in the middle of the dict must not matter either
    reordered = {"a_new_source": streams.STREAM_IDS["a_new_source"], **{k: v for k, v in STREAM_IDS.items()
                                                                         if k != "a_new_source"}}
    monkeypatch.setattr(streams, "STREAM_IDS", reordered)
    after = make_rngs(9, 2)
    assert "a_new_source" in after
    for name, values in before.items():
        assert np.array_equal(after[name].random(8), values), f"stream '{name}' changed when a stream was added"
    assert _log_bytes(run_replication(county, 2, seed=9)) == log_before


# --------------------------------------------------------------------------- committed scenarios
@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").rglob("*.yaml")), ids=lambda p: p.name)
def test_committed_scenarios_run(path):
    scenario = load_scenario(path)
    result = run_experiment(scenario, replications=3, seed=1)
    day = result.day()
    assert day["tickets"] > 0 and day["served"] > 0
    for rep in range(2):
        log = run_replication(scenario, rep, seed=1)
        assert sum(log.counts().values()) == len(log) > 0
