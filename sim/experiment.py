"""Replications of a scenario: serially, in a local process pool, or on a Dask cluster.

Each replication depends only on ``(seed, replication)``; results are put
back in replication order, so the numbers are identical whatever the
executor and the number of workers. Workers compute the KPI tables of their
replication as arrays with fixed rows (:mod:`sim.tables`) and return them
(and the event log only when asked); the experiment stores their numbers in
one preallocated structure (:mod:`sim.accumulate`) and a pooled wait
histogram, and labels them into pandas frames only when ``tables`` is read.

Executors
---------
``workers=1``            this process
``workers=N`` (0 = all)  a local process pool, kept for the next experiment of the process (the
                         optimiser runs hundreds of short experiments; starting a pool for each
                         cost about a quarter of its CPU), shut down at exit or when an experiment fails
``dask="local"``         a Dask LocalCluster of ``workers`` processes (the ``dask`` extra)
``dask="tcp://host:8786"`` an existing Dask scheduler
"""

from __future__ import annotations

import atexit
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .accumulate import Accumulator, Tables
from .eventlog import EventLog
from .gcpause import gc_paused
from .metrics import replication_tables
from .run import run_replication
from .scenario import Scenario
from .summary import (summarise_appointments, summarise_by_interval, summarise_citizens, summarise_staff,
                      summarise_steps, target_status)


@dataclass
class ExperimentResult:
    """The KPI numbers of every replication of one experiment (:class:`sim.accumulate.Accumulator`),
    their frames (``tables``, built on first use) and their summaries (``summary()``, computed once)."""

    scenario: Scenario
    seed: int
    replications: int
    store: Accumulator
    logs: list[EventLog] | None = None
    wall_time_s: float = 0.0
    _summary: dict | None = field(default=None, repr=False)
    _tables: Tables | None = field(default=None, repr=False)

    @property
    def reps(self) -> np.ndarray:
        return np.arange(self.replications)

    @property
    def tables(self) -> Tables:
        """Per-replication frames by name: citizens, queue, queue_grid, staff, staff_interval, steps, appointments."""
        if self._tables is None:
            self._tables = Tables(self.store)
        return self._tables

    @property
    def wait_hist(self) -> np.ndarray:
        """Pooled wait histogram per row of the citizens table layout (:mod:`sim.histogram`)."""
        return self.store.wait_hist

    def summary(self) -> dict[str, pd.DataFrame]:
        """Summaries over replications: citizens, targets, staff, queue (computed once)."""
        if self._summary is None:
            k, v = self.store.keys, self.store.values
            citizens = summarise_citizens(k["citizens"], v["citizens"], self.store.wait_hist)
            si = dict(v["staff_interval"])
            si["utilisation"] = si["busy_min"] / np.where(si["on_duty_min"] > 0, si["on_duty_min"], np.nan)
            self._summary = {
                "citizens": citizens,
                "targets": target_status(citizens, self.scenario),
                "staff": summarise_staff(k["staff"], v["staff"]),
                "staff_interval": summarise_by_interval(k["staff_interval"], si,
                                                        ["interval_start_min", "interval", "staff_type", "station"],
                                                        ["staff_on_duty", "utilisation"]),
                "queue": summarise_by_interval(k["queue"], v["queue"], ["interval_start_min", "interval", "station"],
                                               ["queue_mean", "queue_max"]),
                "steps": summarise_steps(k["steps"], v["steps"]),
            }
            if self.scenario.appointments is not None:
                self._summary["appointments"] = summarise_appointments(v["appointments"])
        return self._summary

    def day(self) -> pd.Series:
        """The whole-day row of the citizens summary (all service types and classes)."""
        c = self.summary()["citizens"]
        return c[(c["interval"] == "day") & (c["service_type"] == "*") & (c["class"] == "*")].iloc[0]


DASK_CONNECT_TIMEOUT_S = 10


class ExecutorError(Exception):
    """The executor cannot be used (Dask not installed, or no scheduler answers)."""


def _one(args) -> tuple[int, dict, tuple, EventLog | None]:
    scenario, rep, seed, keep_log = args
    with gc_paused():
        log = run_replication(scenario, rep, seed)
        tables, hist = replication_tables(log, scenario)
    return rep, tables, hist, (log if keep_log else None)


_POOLS: dict[int, ProcessPoolExecutor] = {}


def shutdown_pools() -> None:
    """Stop the kept process pools (at exit, or after a failed experiment: a broken pool is never reused)."""
    pools = list(_POOLS.values())
    _POOLS.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pools)


def _pooled(tasks: list, workers: int):
    """``_one`` of every task in a kept pool of ``workers`` processes, in task order.

    Results depend only on each task's ``(seed, replication)``, never on the
    pool, so reusing it changes no number.
    """
    pool = _POOLS.get(workers)
    if pool is None:
        pool = _POOLS[workers] = ProcessPoolExecutor(max_workers=workers)
    try:
        yield from pool.map(_one, tasks, chunksize=max(1, min(8, len(tasks) // (4 * workers))))
    except BaseException:  # interrupted, or a worker died: never leave it running nor reuse it
        shutdown_pools()
        raise


def _dask_results(tasks, address: str, workers: int, progress=None) -> list:
    """Run the tasks on a Dask cluster and return their results in task order."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ExecutorError("Dask is not installed: pip install -e '.[dask]'") from None
    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            try:
                client = Client(address, timeout=f"{DASK_CONNECT_TIMEOUT_S}s")
            except (OSError, TimeoutError) as exc:
                raise ExecutorError(f"no Dask scheduler answers at {address} ({exc})") from None
        with client:
            futures = client.map(_one, tasks, pure=False)
            done = 0
            for _ in as_completed(futures):
                done += 1
                if progress:
                    progress(done)
            return client.gather(futures)
    finally:
        if cluster is not None:
            cluster.close()


def run_experiment(scenario: Scenario, replications: int | None = None, seed: int | None = None,
                   workers: int = 1, keep_logs: bool = False,
                   progress: Callable[[int], None] | None = None, dask: str | None = None) -> ExperimentResult:
    """Run replications ``0 .. replications-1`` and collect their KPI tables.

    Parameters
    ----------
    replications, seed
        Default to the scenario's ``experiment`` settings.
    workers
        1 runs in this process; more use a local process pool (0: all cores).
    keep_logs
        Also return every replication's event log (memory grows with it).
    progress
        Called with the number of replications finished so far.
    dask
        ``"local"`` for a Dask LocalCluster, or a scheduler address; None for no Dask.
    """
    replications = scenario.experiment.replications if replications is None else replications
    seed = scenario.experiment.seed if seed is None else seed
    workers = (os.cpu_count() or 1) if workers == 0 else workers
    tasks = [(scenario, rep, seed, keep_logs) for rep in range(replications)]
    started = time.perf_counter()
    store, logs = Accumulator(replications), []

    def collect(result) -> None:
        rep, tables, hist, log = result
        store.add(rep, tables, hist)
        if keep_logs:
            logs.append(log)
        if progress:
            progress(store.count)

    if dask is not None:
        for result in _dask_results(tasks, dask, workers, progress):
            collect(result)
    elif workers <= 1 or replications <= 1:
        for task in tasks:
            collect(_one(task))
    else:
        for result in _pooled(tasks, workers):
            collect(result)
    return ExperimentResult(scenario, seed, replications, store, logs if keep_logs else None,
                            time.perf_counter() - started)


def extend_experiment(result: ExperimentResult, replications: int, workers: int = 1) -> ExperimentResult:
    """``result`` with replications ``result.replications .. replications - 1`` added (same seed and scenario).

    The new replications are exactly those :func:`run_experiment` would run, so
    ``extend_experiment(run_experiment(s, 10, seed), 30)`` equals
    ``run_experiment(s, 30, seed)`` (sequential sampling: screen on few
    replications, add more only to confirm).
    """
    if replications <= result.replications:
        return result
    started = time.perf_counter()
    store = result.store.grown(replications)
    tasks = [(result.scenario, rep, result.seed, False) for rep in range(result.replications, replications)]
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            store.add(*_one(task)[:3])
    else:
        for rep, tables, hist, _ in _pooled(tasks, workers):
            store.add(rep, tables, hist)
    return ExperimentResult(result.scenario, result.seed, replications, store, None,
                            result.wall_time_s + time.perf_counter() - started)
