"""Replications of a scenario: serially, in a local process pool, or on a Dask cluster.

Each replication depends only on ``(seed, replication)``; results are put
back in replication order, so the numbers are identical whatever the
executor and the number of workers. Workers compute the KPI tables of their
replication and return them (and the event log only when asked), so memory
does not grow with the event logs unless they are wanted.

Executors
---------
``workers=1``            this process
``workers=N`` (0 = all)  a local process pool
``dask="local"``         a Dask LocalCluster of ``workers`` processes (the ``dask`` extra)
``dask="tcp://host:8786"`` an existing Dask scheduler
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .eventlog import EventLog
from .metrics import replication_kpis
from .run import run_replication
from .scenario import Scenario
from .summary import (summarise_appointments, summarise_by_interval, summarise_citizens, summarise_staff,
                      summarise_steps, target_status)


@dataclass
class ExperimentResult:
    """Per-replication KPI tables of one experiment, and their summaries."""

    scenario: Scenario
    seed: int
    replications: int
    tables: dict[str, pd.DataFrame]
    logs: list[EventLog] | None = None
    wall_time_s: float = 0.0
    _summary: dict | None = field(default=None, repr=False)

    @property
    def reps(self) -> np.ndarray:
        return np.arange(self.replications)

    def summary(self) -> dict[str, pd.DataFrame]:
        """Summaries over replications: citizens, targets, staff, queue (computed once)."""
        if self._summary is None:
            citizens = summarise_citizens(self.tables["citizens"], self.reps)
            self._summary = {
                "citizens": citizens,
                "targets": target_status(citizens, self.scenario),
                "staff": summarise_staff(self.tables["staff"], self.reps),
                "staff_interval": summarise_by_interval(self.tables["staff_interval"],
                                                        ["interval_start_min", "interval", "staff_type", "station"],
                                                        ["staff_on_duty", "utilisation"]),
                "queue": summarise_by_interval(self.tables["queue"], ["interval_start_min", "interval", "station"],
                                               ["queue_mean", "queue_max"]),
                "steps": summarise_steps(self.tables["steps"]),
            }
            if self.scenario.appointments is not None:
                self._summary["appointments"] = summarise_appointments(self.tables["appointments"])
        return self._summary

    def day(self) -> pd.Series:
        """The whole-day row of the citizens summary (all service types and classes)."""
        c = self.summary()["citizens"]
        return c[(c["interval"] == "day") & (c["service_type"] == "*") & (c["class"] == "*")].iloc[0]


DASK_CONNECT_TIMEOUT_S = 10


class ExecutorError(Exception):
    """The executor cannot be used (Dask not installed, or no scheduler answers)."""


def _one(args) -> tuple[dict[str, pd.DataFrame], EventLog | None]:
    scenario, rep, seed, keep_log = args
    log = run_replication(scenario, rep, seed)
    return replication_kpis(log, scenario), (log if keep_log else None)


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
    tables, logs = _Collector(), []

    def collect(result) -> None:
        tables.add(result[0])
        if keep_logs:
            logs.append(result[1])
        if progress:
            progress(tables.count)

    if dask is not None:
        for result in _dask_results(tasks, dask, workers, progress):
            collect(result)
    elif workers <= 1 or replications <= 1:
        for task in tasks:
            collect(_one(task))
    else:
        chunk = max(1, min(8, replications // (4 * workers)))
        with ProcessPoolExecutor(max_workers=min(workers, replications)) as pool:
            for result in pool.map(_one, tasks, chunksize=chunk):
                collect(result)
    return ExperimentResult(scenario, seed, replications, tables.frames(), logs if keep_logs else None,
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
    tasks = [(result.scenario, rep, result.seed, False) for rep in range(result.replications, replications)]
    tables = _Collector()
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            tables.add(_one(task)[0])
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
            for frames, _ in pool.map(_one, tasks, chunksize=max(1, min(8, len(tasks) // (4 * workers)))):
                tables.add(frames)
    new = tables.frames()
    joined = {name: pd.concat([result.tables[name], new[name]], ignore_index=True) for name in result.tables}
    return ExperimentResult(result.scenario, result.seed, replications, joined, None,
                            result.wall_time_s + time.perf_counter() - started)


class _Collector:
    """Per-replication KPI tables, joined in replication order as they arrive.

    Small frames are concatenated every ``CHUNK`` replications: a frame of a
    few hundred rows costs about three times its data in pandas overhead, so
    holding one per replication would make memory grow far faster than the
    tables themselves.
    """

    CHUNK = 25

    def __init__(self):
        self.count = 0
        self.pending: dict[str, list[pd.DataFrame]] = {}
        self.joined: dict[str, list[pd.DataFrame]] = {}

    def add(self, frames: dict[str, pd.DataFrame]) -> None:
        self.count += 1
        for name, frame in frames.items():
            self.pending.setdefault(name, []).append(frame)
        if self.count % self.CHUNK == 0:
            self._join()

    def _join(self) -> None:
        for name, frames in self.pending.items():
            if frames:
                self.joined.setdefault(name, []).append(pd.concat(frames, ignore_index=True))
        self.pending = {name: [] for name in self.pending}

    def frames(self) -> dict[str, pd.DataFrame]:
        self._join()
        return {name: pd.concat(parts, ignore_index=True) for name, parts in self.joined.items()}
