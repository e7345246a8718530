"""The wait distribution of a run from its pooled histogram (``wait_histogram.csv``).

Every wait of every replication is in the histogram (:mod:`sim.histogram`),
so the curve is the true pooled distribution without the per-citizen event
log (``--events``): the share of ticketed citizens called within ``t``
minutes, per service type, exact at the no-wait atom (``t = 0``) and linear
inside each bin (a bin is 2.3% of its lower edge wide).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..i18n import label
from .style import ALL, _require
from .waits import _sl_targets, wait_curves_figure


def pooled_cdf(bins: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """``(wait_min, share called within, ticketed citizens)`` of one service type's histogram rows.

    Citizens never called (abandoned, unserved) count in the denominator
    only, so the curve ends below 1 when some were.
    """
    b = bins.sort_values("wait_hi_min")
    counts = b["called"].to_numpy(float)
    total = b["citizens"].to_numpy(float).sum()
    x = np.concatenate([[0.0], b["wait_hi_min"].to_numpy(float)])
    share = np.concatenate([[0.0], np.cumsum(counts) / total]) if total > 0 else np.zeros(len(x))
    # the zero bin is [0, 0]: the curve jumps at 0 to the share called at once
    return x, share, int(total)


def plot_wait_histogram(hist: pd.DataFrame, targets=None, lang: str = "en", max_wait_min: float | None = None,
                        ax=None) -> Axes:
    """Share of ticketed citizens called within ``t`` minutes, per service type, from ``wait_histogram.csv``.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on: ``ax`` if given, else those of a new figure (``.figure``).
    """
    _require(hist, ["service_type", "wait_lo_min", "wait_hi_min", "citizens", "called"], "plot_wait_histogram")
    sl = _sl_targets(targets)
    services = sorted(set(hist["service_type"]), key=lambda s: (s != ALL, s))
    curves = {s: pooled_cdf(hist[hist["service_type"] == s]) for s in services}
    if max_wait_min is None:
        x, share, _ = curves.get(ALL, next(iter(curves.values()), (np.zeros(1), np.ones(1), 0)))
        p99 = float(x[min(np.searchsorted(share, 0.99 * share[-1]), len(x) - 1)])
        max_wait_min = max(p99, 1.5 * max([t["wait_min"] for t in sl], default=0.0), 10.0)
    curves_in_order = [(label("all_services", lang) if s == ALL else s, *curves[s]) for s in services]
    return wait_curves_figure(curves_in_order, sl, max_wait_min, lang, ax=ax)
