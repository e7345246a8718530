"""One preallocated store per experiment for the KPI tables of its replications.

Each replication's tables (:class:`sim.tables.Table`) have the same rows, so
their numbers go into ``replications x rows`` arrays allocated when the first
replication arrives; the label columns are kept once. The waits of every
citizen group are added into one pooled histogram (:mod:`sim.histogram`), so
the wait distribution costs the same memory for 10 or 10,000 replications.
A replication takes about ``8 x rows x columns`` bytes (a few kB to a few
tens of kB), against about 0.2 MiB as seven pandas frames.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import histogram
from .tables import Table, table_frame


class Accumulator:
    """Numbers of ``replications`` replications, stored by table and column (see the module docstring)."""

    def __init__(self, replications: int):
        self.replications = replications
        self.count = 0
        self.keys: dict[str, dict[str, np.ndarray]] = {}
        self.values: dict[str, dict[str, np.ndarray]] = {}
        self.wait_hist: np.ndarray | None = None    # every ticketed citizen's wait (censored included)
        self.called_hist: np.ndarray | None = None  # waits of citizens called at the first step

    def add(self, rep: int, tables: dict[str, Table], hists: tuple) -> None:
        """Store replication ``rep`` (its tables and sparse wait histograms, see ``sim.metrics.citizen_table``)."""
        if not self.keys:
            for name, t in tables.items():
                self.keys[name] = t.keys
                self.values[name] = {c: np.empty((self.replications, len(v))) for c, v in t.values.items()}
            rows = len(next(iter(tables["citizens"].values.values())))
            self.wait_hist = np.zeros((rows, histogram.N_BINS), dtype=np.int64)
            self.called_hist = np.zeros((rows, histogram.N_BINS), dtype=np.int64)
        for name, t in tables.items():
            store = self.values[name]
            for c, v in t.values.items():
                store[c][rep] = v
        for store, (flat, counts) in zip((self.wait_hist, self.called_hist), hists):
            store.reshape(-1)[flat] += counts  # keys are unique within a replication
        self.count += 1

    def grown(self, replications: int) -> Accumulator:
        """A store for ``replications`` replications holding this one's as its first (for sequential sampling)."""
        out = Accumulator(replications)
        out.count, out.keys = self.count, self.keys
        out.values = {name: {c: np.concatenate([v, np.empty((replications - self.replications, v.shape[1]))])
                             for c, v in cols.items()} for name, cols in self.values.items()}
        out.wait_hist = None if self.wait_hist is None else self.wait_hist.copy()
        out.called_hist = None if self.called_hist is None else self.called_hist.copy()
        return out

    def frame(self, name: str, reps: slice | None = None) -> pd.DataFrame:
        """Table ``name`` as a long frame (all replications, or the slice ``reps``)."""
        reps = slice(None) if reps is None else reps
        values = {c: v[reps] for c, v in self.values[name].items()}
        return table_frame(name, self.keys[name], values, np.arange(self.replications)[reps])


class Tables(Mapping):
    """``result.tables[name]``: the per-replication frames, each built once on first use."""

    def __init__(self, acc: Accumulator):
        self._acc, self._frames = acc, {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            if name not in self._acc.values:
                raise KeyError(name)
            self._frames[name] = self._acc.frame(name)
        return self._frames[name]

    def __iter__(self):
        return iter(self._acc.values)

    def __len__(self) -> int:
        return len(self._acc.values)
