"""Figures of one simulated day by interval: service level, queue, staff on duty, utilisation, time in the hall.

Each takes a table of a run folder (``targets.csv``, ``queue_grid.csv``,
``staff_intervals.csv``, ``intervals.csv``) and an optional ``ax=``, and returns
the ``Axes`` drawn on (the multi-panel queue and staffing figures: an array
of them, one per panel).
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.clock import format_clock

from ..i18n import label
from .style import (ALL, HATCHES, PALETTE, STATUS_COLOURS, _axes, _clock_axis, _finish, _gapped, _interval_mid,
                    _panels, _require, _step_of, figure_style, series_style)
from .waits import _sl_targets


def plot_service_level(target_status: pd.DataFrame, targets=None, lang: str = "en",
                       interval_min: float | None = None, ax=None) -> Axes:
    """Service level per interval with its 95% band, the goal, and missed intervals marked.

    ``target_status`` is ``targets.csv`` (``target, kind, interval_start_min,
    goal, estimate, lo, hi, met``); only service-level targets checked per
    interval are drawn. ``targets`` (scenario targets) adds the wait threshold
    to the legend.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on: ``ax`` if given, else those of a new figure (``.figure``).
    """
    _require(target_status, ["target", "kind", "interval", "interval_start_min", "goal", "estimate", "lo", "hi", "met"],
             "plot_service_level")
    ts = target_status[(target_status["kind"] == "service_level") & (target_status["interval"] != "day")]
    spec = {t["id"]: t for t in _sl_targets(targets)}
    step = interval_min or _step_of(ts["interval_start_min"])
    with figure_style(lang):
        fig, ax, own = _axes(ax, (8.5, 4.5))
        missed_shown = False
        for i, (tid, g) in enumerate(ts.groupby("target", sort=False)):
            g = g.sort_values("interval_start_min")
            style = series_style(i)
            x0 = _interval_mid(g, step)
            x, (est, lo, hi) = _gapped(x0, [g["estimate"], g["lo"], g["hi"]], step)
            name = tid + (f" ({label('called_within', lang, minutes=spec[tid]['wait_min'])})" if tid in spec else "")
            ax.fill_between(x, lo, hi, color=style["color"], alpha=0.15, hatch=HATCHES[i % len(HATCHES)],
                            edgecolor=style["color"], linewidth=0, label=f"{tid}: {label('ci95', lang)}")
            ax.plot(x, est, label=name, **style)
            ax.axhline(g["goal"].iloc[0], color=style["color"], linestyle=(0, (2, 2)), linewidth=1,
                       label=f"{tid}: {label('goal', lang, goal=g['goal'].iloc[0])}")
            miss = ~g["met"].astype(bool).to_numpy()
            if miss.any():
                ax.plot(x0[miss], g["estimate"].to_numpy(float)[miss], linestyle="none", marker="X", markersize=10,
                        markerfacecolor=STATUS_COLOURS["MISS"], markeredgecolor="black",
                        label="_" if missed_shown else label("missed", lang))
                missed_shown = True
        if len(ts):
            _clock_axis(ax, ts["interval_start_min"].min(), ts["interval_start_min"].max() + step)
        ax.set_ylim(min(0.5, float(ts["lo"].min()) if len(ts) else 0.5) - 0.02, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel(label("time_of_day", lang))
        ax.set_ylabel(label("service_level", lang))
        ax.set_title(label("fig_service_level", lang))
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
        _finish(fig, own)
        return ax


def plot_queue(queue_grid: pd.DataFrame, lang: str = "en", stations=None, ax=None) -> np.ndarray:
    """Citizens waiting over the day: median over replications and the 10-90% band, per station.

    ``queue_grid`` has ``rep, station, t_min, waiting`` (``queue_grid.csv``);
    the first panel is all stations together (``station == "*"``).
    ``ax``: a sequence of axes, one per panel (``stations``, or every station
    of the grid with ``"*"`` first); without it a new figure is made.

    Returns
    -------
    numpy.ndarray
        The panels' ``Axes``, in order (``ax[0].figure`` is the figure).
    """
    _require(queue_grid, ["rep", "station", "t_min", "waiting"], "plot_queue")
    names = list(stations) if stations is not None else sorted(queue_grid["station"].unique(), key=lambda s: (s != ALL, s))
    with figure_style(lang):
        fig, axes, own = _panels(ax, names, (8.5, 1.2 + 1.6 * len(names)), "plot_queue")
        for i, (ax, station) in enumerate(zip(axes, names)):
            g = queue_grid[queue_grid["station"] == station].groupby("t_min")["waiting"]
            q = g.quantile([0.1, 0.5, 0.9]).unstack()
            style = {"color": "black", "linestyle": "-"} if station == ALL else \
                {k: v for k, v in series_style(i - 1).items() if k != "marker"}
            ax.fill_between(q.index, q[0.1], q[0.9], color=style["color"], alpha=0.18, hatch="//",
                            edgecolor=style["color"], linewidth=0, label=label("band_10_90", lang))
            ax.plot(q.index, q[0.5], drawstyle="steps-post", label=label("median", lang), **style)
            ax.set_title(label("all_stations", lang) if station == ALL else station, loc="left", fontsize=9)
            ax.set_ylabel(label("citizens_waiting", lang))
            ax.set_ylim(bottom=0, top=max(1.0, float(q[0.9].max()) * 1.05))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
            if i == 0:
                ax.legend(loc="upper right")
        lo, hi = queue_grid["t_min"].min(), queue_grid["t_min"].max()
        for ax in axes if not own else axes[-1:]:       # a caller's panels need not share their x axis
            _clock_axis(ax, lo, hi)
        axes[-1].set_xlabel(label("time_of_day", lang))
        if own:                                         # a caller's figure keeps its own title
            fig.suptitle(label("fig_queue", lang))
        _finish(fig, own)
        return axes


def plot_staffing(on_duty: pd.DataFrame, requirements: pd.DataFrame | None = None, lang: str = "en",
                  group: str = "station", from_roster: bool = False, ax=None) -> np.ndarray:
    """Staff on duty per interval, one panel per ``group`` value, against a requirement if given.

    ``on_duty`` has ``interval_start_min``, ``group`` and ``staff_on_duty``
    (mean staff on duty over the interval; rows of the same interval and
    group are added up); ``requirements`` (optional, e.g.
    from the optimiser) has ``interval_start_min``, ``group`` and ``required``.
    Intervals below the requirement are hatched. ``ax``: a sequence of axes,
    one per ``group`` value in order of first appearance; without it a new
    figure is made.

    Returns
    -------
    numpy.ndarray
        The panels' ``Axes``, in order (``ax[0].figure`` is the figure).
    """
    _require(on_duty, ["interval_start_min", group, "staff_on_duty"], "plot_staffing")
    if requirements is not None:
        _require(requirements, ["interval_start_min", group, "required"], "plot_staffing requirements")
    # several rows per interval and group (e.g. staff types of one station) are added up
    on_duty = on_duty.groupby(["interval_start_min", group], as_index=False, sort=False)["staff_on_duty"].sum()
    names = [n for n in dict.fromkeys(on_duty[group]) if n != ALL]
    step = _step_of(on_duty["interval_start_min"])
    with figure_style(lang):
        fig, axes, own = _panels(ax, names, (8.5, 1.2 + 1.5 * len(names)), "plot_staffing")
        for i, (ax, name) in enumerate(zip(axes, names)):
            g = on_duty[on_duty[group] == name].sort_values("interval_start_min")
            x = np.r_[g["interval_start_min"].to_numpy(float), g["interval_start_min"].max() + step]
            y = np.r_[g["staff_on_duty"].to_numpy(float), g["staff_on_duty"].iloc[-1]]
            ax.step(x, y, where="post", color=PALETTE[0], linestyle="-", linewidth=1.8,
                    label=label("on_duty_roster" if from_roster else "on_duty", lang))
            if requirements is not None:
                r = requirements[requirements[group] == name].set_index("interval_start_min")["required"]
                req = r.reindex(x[:-1]).to_numpy(float)
                req = np.r_[req, req[-1]]
                ax.step(x, req, where="post", color=PALETTE[1], linestyle="--", linewidth=1.5,
                        label=label("required", lang))
                short = np.nan_to_num(req[:-1]) > y[:-1] + 1e-9
                if short.any():
                    ax.bar(x[:-1][short], (req[:-1] - y[:-1])[short], bottom=y[:-1][short], width=step, align="edge",
                           fill=False, hatch="xx", edgecolor=PALETTE[1], linewidth=0, label=label("shortfall", lang))
            ax.set_title(label("all_staff", lang) if name == ALL else str(name), loc="left", fontsize=9)
            ax.set_ylabel(label("staff_on_duty", lang))
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
            if i == 0:
                ax.legend(loc="upper right")
        for ax in axes if not own else axes[-1:]:       # a caller's panels need not share their x axis
            _clock_axis(ax, on_duty["interval_start_min"].min(), on_duty["interval_start_min"].max() + step)
        axes[-1].set_xlabel(label("time_of_day", lang))
        if own:                                         # a caller's figure keeps its own title
            fig.suptitle(label("fig_staffing", lang))
        _finish(fig, own)
        return axes


def plot_utilisation(staff_intervals: pd.DataFrame, lang: str = "en", ax=None) -> Axes:
    """Heatmap of utilisation (busy / on-duty time), staff type x interval, with the values written in.

    Cells with less than half a staff member on duty on average (``staff_on_duty``
    below 0.5: lunch, after closing) are left blank: the few who stay there
    are the ones finishing a citizen, always 100% busy, which would look
    like a peak.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on: ``ax`` if given, else those of a new figure (``.figure``).
    """
    _require(staff_intervals, ["interval_start_min", "staff_type", "utilisation"], "plot_utilisation")
    if "station" in staff_intervals.columns:  # one row per staff type (all stations)
        staff_intervals = staff_intervals[staff_intervals["station"] == "*"]
    if "staff_on_duty" in staff_intervals.columns:
        staff_intervals = staff_intervals.assign(utilisation=staff_intervals["utilisation"].where(
            staff_intervals["staff_on_duty"] >= 0.5))
    table = staff_intervals.pivot_table(index="staff_type", columns="interval_start_min", values="utilisation",
                                        aggfunc="mean", dropna=False)
    table = table.loc[sorted(table.index, key=lambda s: (s == ALL, s))]
    values = table.to_numpy(float)
    with figure_style(lang):
        fig, ax, own = _axes(ax, (8.5, 1.6 + 0.55 * len(table)))
        # viridis: luminance rises with the value, so the heatmap reads in greyscale
        cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#eeeeee")
        im = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=cmap, vmin=0, vmax=1)
        for (r, c), v in np.ndenumerate(values):
            ax.text(c, r, "–" if np.isnan(v) else f"{v:.0%}", ha="center", va="center", fontsize=7,
                    color="black" if np.isnan(v) or v > 0.55 else "white")
        ax.set_xticks(range(values.shape[1]), [format_clock(x) for x in table.columns], rotation=45, ha="right")
        ax.set_yticks(range(len(table)), [label("all_staff", lang) if s == ALL else s for s in table.index])
        ax.grid(False)
        ax.set_xlabel(label("time_of_day", lang))
        ax.set_ylabel(label("staff_type", lang))
        ax.set_title(label("fig_utilisation", lang))
        bar = fig.colorbar(im, ax=ax, format=PercentFormatter(1.0, decimals=0), fraction=0.05)
        bar.set_label(label("utilisation", lang))
        _finish(fig, own)
        return ax


def plot_time_in_system(intervals: pd.DataFrame, lang: str = "en", ax=None) -> Axes:
    """Mean wait to first call and mean end-to-end time in the hall per service type, with 95% CIs (day rows).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on: ``ax`` if given, else those of a new figure (``.figure``).
    """
    cols = ["interval", "service_type", "class", "wait_mean_min", "wait_mean_min_lo", "wait_mean_min_hi",
            "time_in_system_mean_min", "time_in_system_mean_min_lo", "time_in_system_mean_min_hi"]
    _require(intervals, cols, "plot_time_in_system")
    day = intervals[(intervals["interval"] == "day") & (intervals["class"] == ALL)]
    day = day.sort_values("service_type", key=lambda s: s.map(lambda v: (v != ALL, v)))
    names = [label("all_services", lang) if s == ALL else s for s in day["service_type"]]
    y = np.arange(len(day))
    with figure_style(lang):
        fig, ax, own = _axes(ax, (8.5, 1.4 + 0.45 * len(day)))
        for k, (col, key, hatch, colour) in enumerate([("wait_mean_min", "mean_wait", "//", PALETTE[1]),
                                                      ("time_in_system_mean_min", "mean_time_in_system", "", PALETTE[0])]):
            v = day[col].to_numpy(float)
            err = np.vstack([v - day[col + "_lo"].to_numpy(float), day[col + "_hi"].to_numpy(float) - v])
            ax.barh(y + (k - 0.5) * 0.38, v, height=0.36, xerr=np.nan_to_num(np.clip(err, 0, None)),
                    color=colour, alpha=0.85 if k else 0.6, hatch=hatch, edgecolor="black", linewidth=0.5,
                    error_kw={"elinewidth": 0.8, "capsize": 2}, label=label(key, lang))
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel(label("minutes", lang))
        ax.set_title(label("fig_time_in_system", lang))
        ax.legend(loc="lower right")
        _finish(fig, own)
        return ax
