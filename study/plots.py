"""Figures from KPI frames (the tables of a run folder), never from the model.

Every function takes pandas frames as written to a run folder (or as
returned by ``ExperimentResult.summary()`` / ``.tables``) and returns a
matplotlib ``Figure``; :func:`save_figure` writes it as PNG and SVG.

Conventions
-----------
* Time of day is on the x axis in clock time; waits are in minutes; service
  levels and utilisation in percent.
* Series differ by colour (Okabe-Ito, colour-blind safe) *and* by line style
  and marker, bands by hatching, so figures read in greyscale.
* ``lang="zh"`` gives Chinese titles and labels. Fonts: DejaVu Sans for Latin
  text with a CJK fallback (:data:`CJK_FONTS`, the first installed one). With
  ``lang="zh"`` and no CJK font installed, a :class:`MissingFontWarning` says
  so (Chinese text would render as empty boxes).

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

Examples
--------
>>> import pandas as pd
>>> it = pd.DataFrame({"iteration": [0, 1], "cost": [50.0, 47.5], "targets_met": [14, 18], "targets_total": [18, 18]})
>>> fig = plot_iterations(it)
>>> fig.axes[0].get_xlabel()
'iteration'
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers; figures are written to files

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator, PercentFormatter  # noqa: E402

from sim.clock import format_clock, parse_clock  # noqa: E402

from .i18n import check_lang, label  # noqa: E402

ALL = "*"
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei",
             "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC",
             "Droid Sans Fallback", "AR PL UMing CN", "Noto Sans CJK JP")
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#666666", "#117733",
           "#332288")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1.5, 1, 1.5, 1, 1.5)), (0, (8, 2)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")
HATCHES = ("//", "\\\\", "..", "xx", "--", "++")
STATUS_COLOURS = {"ok": "#009E73", "~": "#E69F00", "MISS": "#D55E00"}


class MissingFontWarning(UserWarning):
    """Chinese labels were asked for but no CJK font is installed."""


def series_style(i: int) -> dict:
    """Colour, line style and marker of the ``i``-th series (distinct in greyscale too)."""
    return {"color": PALETTE[i % len(PALETTE)], "linestyle": LINESTYLES[i % len(LINESTYLES)],
            "marker": MARKERS[i % len(MARKERS)]}


_font_rescanned = False


def cjk_fonts() -> list[str]:
    """Installed CJK font families from :data:`CJK_FONTS`, in preference order.

    Matplotlib caches the font list; a font installed after the cache was
    built is found by rescanning the system font folders once.
    """
    global _font_rescanned
    names = {f.name for f in font_manager.fontManager.ttflist}
    found = [n for n in CJK_FONTS if n in names]
    if not found and not _font_rescanned:
        _font_rescanned = True
        known = {f.fname for f in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        names = {f.name for f in font_manager.fontManager.ttflist}
        found = [n for n in CJK_FONTS if n in names]
    return found


def missing_font_message() -> str:
    return ("no CJK font is installed (looked for " + ", ".join(CJK_FONTS[:6]) + " ...): Chinese labels in figures "
            "will show as empty boxes; install one, e.g. `apt-get install fonts-noto-cjk` or `fonts-wqy-microhei`")


@contextmanager
def figure_style(lang: str = "en"):
    """Matplotlib settings of queueplan figures (fonts with CJK fallback, grid, SVG text as paths)."""
    check_lang(lang)
    cjk = cjk_fonts()
    if lang == "zh" and not cjk:
        warnings.warn(missing_font_message(), MissingFontWarning, stacklevel=4)  # the caller of plot_*
    # scenario codes are ASCII, so English figures need no CJK fallback (font fallback slows text layout)
    families = (cjk[:1] + ["DejaVu Sans"]) if lang == "zh" else ["DejaVu Sans"]
    rc = {"font.family": families, "font.size": 9, "axes.grid": True, "grid.alpha": 0.3,
          "axes.spines.top": False, "axes.spines.right": False, "svg.fonttype": "path", "figure.dpi": 100,
          "legend.fontsize": 8, "legend.frameon": False, "hatch.linewidth": 0.6}
    with plt.rc_context(rc), warnings.catch_warnings():
        if lang == "zh" and not cjk:  # one clear warning instead of one per missing glyph
            warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        yield


def _finish(fig: Figure) -> Figure:
    # Tick labels are made lazily; making them now (inside figure_style) fixes their fonts. That draw
    # also lays the figure out, so saving it (PNG, then SVG) need not run the constrained layout again.
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {', '.join(columns)}; missing {', '.join(missing)}")


def _clock_axis(ax, lo: float, hi: float) -> None:
    span = hi - lo
    ax.xaxis.set_major_locator(MultipleLocator(60 if span <= 12 * 60 else 120))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: format_clock(x)))
    ax.set_xlim(lo, hi)


def _step_of(starts) -> float:
    d = np.diff(np.unique(np.asarray(starts, dtype=float)))
    return float(d[d > 0].min()) if (d > 0).any() else 60.0


def _gapped(x: np.ndarray, ys: list[np.ndarray], step: float):
    """Insert NaN between points more than one ``step`` apart, so lines break over lunch."""
    x = np.asarray(x, dtype=float)
    if len(x) < 2:
        return x, ys
    cut = np.flatnonzero(np.diff(x) > step * 1.01) + 1
    return np.insert(x, cut, np.nan), [np.insert(np.asarray(y, dtype=float), cut, np.nan) for y in ys]


def _interval_mid(frame: pd.DataFrame, step: float) -> np.ndarray:
    """Midpoints of the intervals: from labels "08:30-09:00" (clipped to opening hours) when present."""
    out = frame["interval_start_min"].to_numpy(float) + step / 2
    for k, text in enumerate(frame["interval"].astype(str)):
        try:
            a, b = (parse_clock(p) for p in text.split("-"))
            out[k] = (a + b) / 2
        except ValueError:
            continue
    return out


def _ticketed_waits(citizens: pd.DataFrame):
    ticketed = citizens[citizens["outcome"] != "turned_away"]
    wait = ticketed["wait_min"].to_numpy(dtype=float)
    left = ticketed["outcome"].isin(["abandoned", "unserved"]).to_numpy()
    # abandoned / unserved before the first call: waited until they left (wait ends at leave_min)
    never_called = left & np.isclose(ticketed["ticket_min"].to_numpy(float) + wait, ticketed["leave_min"].to_numpy(float))
    return ticketed, np.where(never_called, np.inf, wait)


def _sl_targets(targets) -> list[dict]:
    return [dict(t) for t in (targets or []) if t.get("kind", "service_level") == "service_level"
            and t.get("wait_min") is not None]


def plot_wait_cdf(citizens: pd.DataFrame, targets=None, lang: str = "en", warmup_end_min: float | None = None,
                  max_wait_min: float | None = None) -> Figure:
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
    return wait_curves_figure(curves, sl, top, lang, drawstyle="steps-post")


def wait_curves_figure(curves, sl_targets, max_wait_min: float, lang: str, drawstyle: str = "default") -> Figure:
    """Share called within t: one curve per ``(name, t, share, n)``, the first (all services) in bold, with targets."""
    with figure_style(lang):
        fig, ax = plt.subplots(figsize=(8.5, 4.8), layout="constrained")
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
        return _finish(fig)


def plot_wait_percentiles(intervals: pd.DataFrame, targets=None, lang: str = "en") -> Figure:
    """Day-level wait percentiles (p50, p90, p95) and service levels per service type (no per-citizen data)."""
    _require(intervals, ["interval", "service_type", "class", "wait_p50_min", "wait_p90_min", "wait_p95_min"],
             "plot_wait_percentiles")
    day = intervals[(intervals["interval"] == "day") & (intervals["class"] == ALL)]
    sl = [t for t in _sl_targets(targets) if f"sl_{t['id']}" in day.columns]
    with figure_style(lang):
        fig, ax = plt.subplots(figsize=(8.5, 4.8), layout="constrained")
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
        return _finish(fig)


def plot_service_level(target_status: pd.DataFrame, targets=None, lang: str = "en",
                       interval_min: float | None = None) -> Figure:
    """Service level per interval with its 95% band, the goal, and missed intervals marked.

    ``target_status`` is ``targets.csv`` (``target, kind, interval_start_min,
    goal, estimate, lo, hi, met``); only service-level targets checked per
    interval are drawn. ``targets`` (scenario targets) adds the wait threshold
    to the legend.
    """
    _require(target_status, ["target", "kind", "interval", "interval_start_min", "goal", "estimate", "lo", "hi", "met"],
             "plot_service_level")
    ts = target_status[(target_status["kind"] == "service_level") & (target_status["interval"] != "day")]
    spec = {t["id"]: t for t in _sl_targets(targets)}
    step = interval_min or _step_of(ts["interval_start_min"])
    with figure_style(lang):
        fig, ax = plt.subplots(figsize=(8.5, 4.5), layout="constrained")
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
        return _finish(fig)


def plot_queue(queue_grid: pd.DataFrame, lang: str = "en", stations=None) -> Figure:
    """Citizens waiting over the day: median over replications and the 10-90% band, per station.

    ``queue_grid`` has ``rep, station, t_min, waiting`` (``queue_grid.csv``);
    the first panel is all stations together (``station == "*"``).
    """
    _require(queue_grid, ["rep", "station", "t_min", "waiting"], "plot_queue")
    names = list(stations) if stations is not None else sorted(queue_grid["station"].unique(), key=lambda s: (s != ALL, s))
    with figure_style(lang):
        fig, axes = plt.subplots(len(names), 1, figsize=(8.5, 1.2 + 1.6 * len(names)), sharex=True,
                                 layout="constrained", squeeze=False)
        for i, (ax, station) in enumerate(zip(axes[:, 0], names)):
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
        _clock_axis(axes[-1, 0], lo, hi)
        axes[-1, 0].set_xlabel(label("time_of_day", lang))
        fig.suptitle(label("fig_queue", lang))
        return _finish(fig)


def plot_staffing(on_duty: pd.DataFrame, requirements: pd.DataFrame | None = None, lang: str = "en",
                  group: str = "station", from_roster: bool = False) -> Figure:
    """Staff on duty per interval, one panel per ``group`` value, against a requirement if given.

    ``on_duty`` has ``interval_start_min``, ``group`` and ``staff_on_duty``
    (mean staff on duty over the interval; rows of the same interval and
    group are added up); ``requirements`` (optional, e.g.
    from the optimiser) has ``interval_start_min``, ``group`` and ``required``.
    Intervals below the requirement are hatched.
    """
    _require(on_duty, ["interval_start_min", group, "staff_on_duty"], "plot_staffing")
    if requirements is not None:
        _require(requirements, ["interval_start_min", group, "required"], "plot_staffing requirements")
    # several rows per interval and group (e.g. staff types of one station) are added up
    on_duty = on_duty.groupby(["interval_start_min", group], as_index=False, sort=False)["staff_on_duty"].sum()
    names = [n for n in dict.fromkeys(on_duty[group]) if n != ALL]
    step = _step_of(on_duty["interval_start_min"])
    with figure_style(lang):
        fig, axes = plt.subplots(len(names), 1, figsize=(8.5, 1.2 + 1.5 * len(names)), sharex=True,
                                 layout="constrained", squeeze=False)
        for i, (ax, name) in enumerate(zip(axes[:, 0], names)):
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
        _clock_axis(axes[-1, 0], on_duty["interval_start_min"].min(), on_duty["interval_start_min"].max() + step)
        axes[-1, 0].set_xlabel(label("time_of_day", lang))
        fig.suptitle(label("fig_staffing", lang))
        return _finish(fig)


def plot_utilisation(staff_intervals: pd.DataFrame, lang: str = "en") -> Figure:
    """Heatmap of utilisation (busy / on-duty time), staff type x interval, with the values written in.

    Cells with less than half a staff member on duty on average (``staff_on_duty``
    below 0.5: lunch, after closing) are left blank: the few who stay there
    are the ones finishing a citizen, always 100% busy, which would look
    like a peak.
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
        fig, ax = plt.subplots(figsize=(8.5, 1.6 + 0.55 * len(table)), layout="constrained")
        # viridis: luminance rises with the value, so the heatmap reads in greyscale
        cmap = plt.get_cmap("viridis").with_extremes(bad="#eeeeee")
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
        return _finish(fig)


def plot_time_in_system(intervals: pd.DataFrame, lang: str = "en") -> Figure:
    """Mean wait to first call and mean end-to-end time in the hall per service type, with 95% CIs (day rows)."""
    cols = ["interval", "service_type", "class", "wait_mean_min", "wait_mean_min_lo", "wait_mean_min_hi",
            "time_in_system_mean_min", "time_in_system_mean_min_lo", "time_in_system_mean_min_hi"]
    _require(intervals, cols, "plot_time_in_system")
    day = intervals[(intervals["interval"] == "day") & (intervals["class"] == ALL)]
    day = day.sort_values("service_type", key=lambda s: s.map(lambda v: (v != ALL, v)))
    names = [label("all_services", lang) if s == ALL else s for s in day["service_type"]]
    y = np.arange(len(day))
    with figure_style(lang):
        fig, ax = plt.subplots(figsize=(8.5, 1.4 + 0.45 * len(day)), layout="constrained")
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
        return _finish(fig)


def plot_iterations(iterations: pd.DataFrame, lang: str = "en") -> Figure:
    """Cost (left axis) and targets met (right axis) per optimiser iteration.

    ``iterations`` has ``iteration, cost, targets_met, targets_total``
    (``iterations.csv``); optional ``cost_lo``/``cost_hi`` draw a 95% CI.
    """
    _require(iterations, ["iteration", "cost", "targets_met", "targets_total"], "plot_iterations")
    it = iterations.sort_values("iteration")
    with figure_style(lang):
        fig, ax = plt.subplots(figsize=(7.5, 4.0), layout="constrained")
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
        ax.xaxis.set_major_locator(MultipleLocator(1))
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
        return _finish(fig)


def plot_compare_service_level(options: dict[str, pd.DataFrame], target: str, lang: str = "en") -> Figure:
    """One service-level target per interval for several options (``{name: targets.csv frame}``), with bands."""
    with figure_style(lang):
        fig, ax = plt.subplots(figsize=(8.5, 4.2), layout="constrained")
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
        return _finish(fig)


def save_figure(fig: Figure, folder, name: str, formats=("png", "svg"), dpi: int = 150) -> list[Path]:
    """Write ``fig`` as ``folder/name.png`` and ``.svg`` (each atomically); return the paths.

    The figure is closed afterwards (figures hold memory until closed).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph .* missing from")  # warned once by figure_style
            for ext in formats:
                final = folder / f"{name}.{ext}"
                tmp = folder / f".{name}.{ext}.tmp"
                try:
                    fig.savefig(tmp, format=ext, dpi=dpi, metadata={"Date": None} if ext == "svg" else None)
                    os.replace(tmp, final)
                finally:
                    tmp.unlink(missing_ok=True)
                paths.append(final)
                fig.set_layout_engine("none")  # the layout is done; the next format reuses it
    finally:
        plt.close(fig)
    return paths
