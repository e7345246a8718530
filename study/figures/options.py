"""Figures across options: cost and targets met per optimiser iteration, one target for several runs.

Examples
--------
>>> import pandas as pd
>>> it = pd.DataFrame({"iteration": [0, 1], "cost": [50.0, 47.5], "targets_met": [14, 18], "targets_total": [18, 18]})
>>> fig = plot_iterations(it)
>>> fig.axes[0].get_xlabel()
'iteration'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..i18n import label
from .style import (HATCHES, PALETTE, _axes, _clock_axis, _finish, _gapped, _interval_mid, _require, _step_of,
                    figure_style, series_style)


def plot_iterations(iterations: pd.DataFrame, lang: str = "en", ax=None) -> Axes:
    """Cost (left axis) and targets met (right axis) per optimiser iteration.

    ``iterations`` has ``iteration, cost, targets_met, targets_total``
    (``iterations.csv``); optional ``cost_lo``/``cost_hi`` draw a 95% CI.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on: ``ax`` if given, else those of a new figure (``.figure``).
    """
    _require(iterations, ["iteration", "cost", "targets_met", "targets_total"], "plot_iterations")
    it = iterations.sort_values("iteration")
    with figure_style(lang):
        fig, ax, own = _axes(ax, (7.5, 4.0))
        x = it["iteration"].to_numpy()
        cost = it["cost"].to_numpy(float)
        if {"cost_lo", "cost_hi"} <= set(it.columns):
            err = np.vstack([cost - it["cost_lo"].to_numpy(float), it["cost_hi"].to_numpy(float) - cost])
            ax.errorbar(x, cost, yerr=np.clip(err, 0, None), color=PALETTE[0], linestyle="-", marker="o",
                        capsize=3, label=label("cost_per_day", lang))
        else:
            ax.plot(x, cost, color=PALETTE[0], linestyle="-", marker="o", label=label("cost_per_day", lang))
        ax.set_xlabel(label("iteration", lang))
        ax.set_ylabel(label("cost_per_day", lang))
        # whole iterations, as many as read well (a tick per iteration smears into one another past about 30)
        ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10], integer=True, min_n_ticks=1))
        if len(x):
            ax.set_xlim(float(x.min()) - 0.5, float(x.max()) + 0.5)
        right = ax.twinx()
        right.plot(x, it["targets_met"], color=PALETTE[1], linestyle="--", marker="s", label=label("targets_met", lang))
        right.plot(x, it["targets_total"], color="grey", linestyle=":", label=label("targets_total", lang))
        right.set_ylabel(label("targets_met", lang))
        right.set_ylim(0, max(1, float(it["targets_total"].max())) * 1.05)
        right.grid(False)
        right.spines["right"].set_visible(True)
        handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="lower left")
        ax.set_title(label("fig_iterations", lang))
        _finish(fig, own)
        return ax


def plot_compare_service_level(options: dict[str, pd.DataFrame], target: str, lang: str = "en",
                               ax=None) -> Axes:
    """One service-level target per interval for several options (``{name: targets.csv frame}``), with bands.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on: ``ax`` if given, else those of a new figure (``.figure``).
    """
    with figure_style(lang):
        fig, ax, own = _axes(ax, (8.5, 4.2))
        goal, lo_x, hi_x, step = None, np.inf, -np.inf, 60.0
        for i, (name, ts) in enumerate(options.items()):
            g = ts[(ts["target"] == target) & (ts["interval"] != "day")].sort_values("interval_start_min")
            if g.empty:
                continue
            step = _step_of(g["interval_start_min"])
            style = series_style(i)
            x, (est, lo, hi) = _gapped(_interval_mid(g, step), [g["estimate"], g["lo"], g["hi"]], step)
            ax.fill_between(x, lo, hi, color=style["color"], alpha=0.12, hatch=HATCHES[i % len(HATCHES)],
                            edgecolor=style["color"], linewidth=0)
            ax.plot(x, est, label=str(name), **style)
            goal = g["goal"].iloc[0]
            lo_x, hi_x = min(lo_x, g["interval_start_min"].min()), max(hi_x, g["interval_start_min"].max() + step)
        if goal is not None:
            ax.axhline(goal, color="black", linestyle=(0, (2, 2)), linewidth=1, label=label("goal", lang, goal=goal))
            _clock_axis(ax, lo_x, hi_x)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel(label("time_of_day", lang))
        ax.set_ylabel(f"{label('service_level', lang)} ({target})")
        ax.set_title(label("fig_compare_sl", lang))
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
        _finish(fig, own)
        return ax
