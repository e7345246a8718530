"""Pooled wait histograms and their quantiles.

Bins
----
Bin 0 holds waits exactly 0 (called at once: the no-wait atom stays exact).
Bin 1 holds ``0 < w < FIRST_EDGE_MIN``. Bins ``2 ..`` are logarithmic: bin
``k`` holds ``EDGES[k - 2] <= w < EDGES[k - 1]`` with ``PER_DECADE`` bins a
decade from ``FIRST_EDGE_MIN`` up to ``LAST_EDGE_MIN`` (a bin is 2.3% of its
lower edge wide); the last bin also holds anything longer. A replication
adds its waits to one histogram per group of citizens; the histograms of all
replications add up exactly (integer counts), whatever the executor.

Quantiles
---------
The pooled ``q``-quantile of a histogram with ``N`` waits is the wait at
rank ``q N`` of the pooled waits, interpolated linearly inside the bin that
holds it: with ``C`` the count below the bin and ``c`` its count,
``lo + (q N - C) / c * (hi - lo)``. It is exactly 0 when at least ``q N``
waits are 0, so a hall where 90% are called at once has p90 = 0 (the mean
of per-day percentiles, used before, read high near that atom).

Examples
--------
>>> import numpy as np
>>> h = np.zeros((1, N_BINS), np.int64)
>>> add(h, np.zeros(2, np.int64), np.array([0.0, 3.0]))
>>> float(quantiles(h, [0.5])[0, 0]), round(float(quantiles(h, [1.0])[0, 0]), 2)
(0.0, 3.02)
"""

from __future__ import annotations

import numpy as np

FIRST_EDGE_MIN = 1e-4
LAST_EDGE_MIN = 1e4
PER_DECADE = 100
#: upper edges of bins 1 .. N_BINS - 1 (bin 0 is the exact zero)
EDGES = np.concatenate([[FIRST_EDGE_MIN], FIRST_EDGE_MIN * 10.0 ** (np.arange(1, 8 * PER_DECADE + 1) / PER_DECADE)])
N_BINS = len(EDGES) + 1
_LOWER = np.concatenate([[0.0, 0.0], EDGES[:-1]])
_UPPER = np.concatenate([[0.0], EDGES])


def bin_of(wait_min: np.ndarray) -> np.ndarray:
    """Bin index of each wait (see the module docstring); waits are >= 0."""
    k = np.searchsorted(EDGES, wait_min, side="right") + 1
    k = np.minimum(k, N_BINS - 1)
    return np.where(wait_min <= 0.0, 0, k)


def add(hist: np.ndarray, groups: np.ndarray, wait_min: np.ndarray) -> None:
    """Add waits of citizens in ``groups`` (row indices of ``hist``) to ``hist`` in place."""
    np.add.at(hist.reshape(-1), groups.astype(np.int64) * N_BINS + bin_of(wait_min), 1)


def quantiles(hist: np.ndarray, qs) -> np.ndarray:
    """Pooled quantiles ``qs`` of every row of ``hist`` (groups x bins); NaN for an empty row."""
    hist = np.asarray(hist, dtype=np.int64)
    total = hist.sum(axis=1)
    cum = np.cumsum(hist, axis=1)
    out = np.full((hist.shape[0], len(qs)), np.nan)
    rows = np.flatnonzero(total > 0)
    for j, q in enumerate(qs):
        rank = q * total[rows]
        # first bin whose cumulative count reaches the rank (a rank of 0 falls in the first non-empty bin)
        k = np.array([np.searchsorted(cum[r], max(x, 1e-12), side="left") for r, x in zip(rows, rank)],
                     dtype=np.int64)
        below = np.where(k > 0, cum[rows, np.maximum(k - 1, 0)], 0)
        inside = hist[rows, k]
        frac = np.clip((rank - below) / np.where(inside > 0, inside, 1), 0.0, 1.0)
        out[rows, j] = _LOWER[k] + frac * (_UPPER[k] - _LOWER[k])
    return out


def cdf(hist_row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(wait_min, share called within)`` at the upper edge of every bin of one histogram row."""
    hist_row = np.asarray(hist_row, dtype=float)
    total = hist_row.sum()
    share = np.cumsum(hist_row) / total if total > 0 else np.full(len(hist_row), np.nan)
    return _UPPER.copy(), share
