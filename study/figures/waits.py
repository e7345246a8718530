"""Wait-time figures: the share of citizens called within t minutes.

Wait-time distribution
----------------------
:func:`plot_wait_cdf` is built from per-citizen waits (``citizens.parquet``)
pooled over replications. The curve at ``t`` is the share of *ticketed*
citizens called at their first step within ``t`` minutes, so at a target's
``wait_min`` it equals the day's pooled service level of that target.
Citizens who abandoned or were unserved before their first call are never
"called": the curve levels off below 1 at the share ever called (censored
waits are counted, not dropped). Without per-citizen data (a run with
``--no-events``) use :func:`plot_wait_percentiles`, which draws the day's
average 50th/90th/95th percentiles and the service level at each target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from ..i18n import label
from .style import ALL, _axes, _finish, _require, figure_style, series_style


def _ticketed_waits(citizens: pd.DataFrame):
    ticketed = citizens[citizens["outcome"] != "turned_away"]
    wait = ticketed["wait_min"].to_numpy(dtype=float)
    left = ticketed["outcome"].isin(["abandoned", "unserved"]).to_numpy()
    # abandoned / unserved before the first call: waited until they left (wait ends at leave_min)
    never_called = left & np.isclose(ticketed["ticket_min"].to_numpy(float) + wait, ticketed["leave_min"].to_numpy(float))
    return ticketed, np.where(never_called, np.inf, wait)


def _target_dict(t) -> dict:
    """A target as a mapping: a scenario's ``Target`` model or a mapping as in ``manifest.json``."""
    return t.model_dump() if hasattr(t, "model_dump") else dict(t)


def _sl_targets(targets) -> list[dict]:
    """The service-level targets with a wait threshold, from ``scenario.targets`` as they are (or mappings)."""
    return [t for t in map(_target_dict, targets or []) if t.get("kind", "service_level") == "service_level"
            and t.get("wait_min") is not None]


def plot_wait_cdf(citizens: pd.DataFrame, targets=None, lang: str = "en", warmup_end_min: float | None = None,
                  max_wait_min: float | None = None, ax=None) -> Axes:
    """Share of ticketed citizens called within ``t`` minutes, per service type (see module docstring).

    Parameters
    ----------
    citizens
        One row per citizen and replication: ``service_type``, ``outcome``,
        ``ticket_min``, ``wait_min``, ``leave_min`` (``citizens.parquet``).
    targets
        Scenario targets (mappings with ``id``, ``kind``, ``wait_min``, ``fraction``);
        service-level targets are drawn as a point with guide lines.
    warmup_end_min
        Leave out citizens ticketed before this time (steady-state runs).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on: ``ax`` if given, else those of a new figure (``.figure``).
    """
    _require(citizens, ["service_type", "outcome", "ticket_min", "wait_min", "leave_min"], "plot_wait_cdf")
    if warmup_end_min is not None:
        citizens = citizens[citizens["ticket_min"].isna() | (citizens["ticket_min"] >= warmup_end_min)]
    ticketed, wait = _ticketed_waits(citizens)
    sl = _sl_targets(targets)
    finite = wait[np.isfinite(wait)]
    top = max_wait_min or max(np.quantile(finite, 0.99) if len(finite) else 10.0,
                              1.5 * max([t["wait_min"] for t in sl], default=0.0), 10.0)
    grid = np.linspace(0.0, top, 400)
    services = list(dict.fromkeys(ticketed["service_type"]))
    groups = [(label("all_services", lang), np.ones(len(wait), bool))] + [
        (s, (ticketed["service_type"] == s).to_numpy()) for s in services]
    curves = []
    for name, sel in groups:
        w = np.sort(wait[sel])
        curves.append((name, grid, np.searchsorted(w, grid, side="right") / max(len(w), 1), len(w)))
    return wait_curves_figure(curves, sl, top, lang, drawstyle="steps-post", ax=ax)


def wait_curves_figure(curves, sl_targets, max_wait_min: float, lang: str, drawstyle: str = "default",
                       ax=None) -> Axes:
    """Share called within t: one curve per ``(name, t, share, n)``, the first (all services) in bold, with targets.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on: ``ax`` if given, else those of a new figure (``.figure``).
    """
    with figure_style(lang):
        fig, ax, own = _axes(ax, (8.5, 4.8))
        for i, (name, x, share, n) in enumerate(curves):
            style = {"color": "black", "linestyle": "-", "marker": None, "linewidth": 2.4} if i == 0 else \
                dict(series_style(i - 1), linewidth=1.3, markevery=40, markersize=4)
            ax.plot(x, share, label=f"{name} (n={n})", drawstyle=drawstyle, **style)
        for t in sl_targets:
            ax.axvline(t["wait_min"], color="grey", linestyle=":", linewidth=1)
            ax.axhline(t["fraction"], color="grey", linestyle=":", linewidth=1)
            ax.plot([t["wait_min"]], [t["fraction"]], marker="X", markersize=9, color="black", linestyle="none",
                    label=label("target_line", lang, target=f"{t['id']}: {t['fraction']:.0%} "
                                + label("called_within", lang, minutes=t["wait_min"])))
        ax.set_xlim(0, max_wait_min)
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel(label("wait_min", lang))
        ax.set_ylabel(label("share_called", lang))
        ax.set_title(label("fig_wait_cdf", lang))
        if curves or sl_targets:
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
        _finish(fig, own)
        return ax


def plot_wait_percentiles(intervals: pd.DataFrame, targets=None, lang: str = "en", ax=None) -> Axes:
    """Day-level wait percentiles (p50, p90, p95) and service levels per service type (no per-citizen data).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on: ``ax`` if given, else those of a new figure (``.figure``).
    """
    _require(intervals, ["interval", "service_type", "class", "wait_p50_min", "wait_p90_min", "wait_p95_min"],
             "plot_wait_percentiles")
    day = intervals[(intervals["interval"] == "day") & (intervals["class"] == ALL)]
    sl = [t for t in _sl_targets(targets) if f"sl_{t['id']}" in day.columns]
    with figure_style(lang):
        fig, ax, own = _axes(ax, (8.5, 4.8))
        rows = sorted(day.itertuples(index=False), key=lambda r: (r.service_type != ALL, r.service_type))
        for i, r in enumerate(rows):
            r = r._asdict()
            pts = [(r["wait_p50_min"], 0.5), (r["wait_p90_min"], 0.9), (r["wait_p95_min"], 0.95)]
            pts += [(t["wait_min"], r[f"sl_{t['id']}"]) for t in sl]
            pts = sorted((x, y) for x, y in pts if pd.notna(x) and pd.notna(y))
            name = label("all_services", lang) if r["service_type"] == ALL else r["service_type"]
            style = {"color": "black", "linestyle": "-", "marker": "o", "linewidth": 2.4} if r["service_type"] == ALL \
                else series_style(i - 1)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=name, **style)
        for t in sl:
            ax.axvline(t["wait_min"], color="grey", linestyle=":", linewidth=1)
            ax.axhline(t["fraction"], color="grey", linestyle=":", linewidth=1)
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel(label("wait_min", lang))
        ax.set_ylabel(label("share_called", lang))
        ax.set_title(label("fig_wait_cdf_pct", lang))
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
        _finish(fig, own)
        return ax
