"""Every figure a run folder supports, drawn into its ``figures/`` folder for the report.

The figures are drawn from the folder's tables by the ``plot_*`` functions
of this package; :func:`render_figures` chooses which ones a run supports.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.clock import parse_clock

from .. import figures as plots
from ..i18n import check_lang, label
from ..runs.load import load_run


def roster_on_duty(scenario: dict, interval_min: float, first_min: float, end_min: float) -> pd.DataFrame:
    """Scheduled staff on duty per interval and station from the roster (mean over the interval).

    Breaks count as off duty; absence, lateness and overtime are not in the
    roster (the simulated figure is ``staff_intervals.csv``).
    """
    edges = np.arange(first_min, end_min + interval_min / 2, interval_min)
    rows = []
    stations = list(scenario.get("stations", {}))
    on = {s: np.zeros(len(edges) - 1) for s in stations}
    for entry in scenario.get("roster", []):
        shift = scenario["shift_patterns"][entry["shift"]]
        start, end = parse_clock(shift["start"]), parse_clock(shift["end"])
        periods, t = [], start
        for b in sorted(shift.get("breaks", []), key=lambda b: parse_clock(b["start"])):
            periods.append((t, parse_clock(b["start"])))
            t = max(t, parse_clock(b["end"]))
        periods.append((t, end))
        for a, b in periods:
            overlap = np.clip(np.minimum(edges[1:], b) - np.maximum(edges[:-1], a), 0, None)
            on.setdefault(entry["station"], np.zeros(len(edges) - 1))
            on[entry["station"]] += entry["count"] * overlap / interval_min
    for station, values in on.items():
        rows += [{"interval_start_min": lo, "station": station, "staff_on_duty": v} for lo, v in zip(edges, values)]
    return pd.DataFrame(rows)


@contextmanager
def font_warnings(messages: list[str]):
    """Collect :class:`study.figures.MissingFontWarning` messages into ``messages`` (once each); pass others on."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", plots.MissingFontWarning)
        yield
    for w in caught:
        if issubclass(w.category, plots.MissingFontWarning):
            if str(w.message) not in messages:
                messages.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


@dataclass
class RenderedFigures:
    """PNG (and SVG) files written, by figure name, with titles and messages for the reader."""

    files: dict[str, Path] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _station_requirements(req: pd.DataFrame | None, interval_min: float) -> pd.DataFrame | None:
    """The optimiser's ``requirements.csv`` as staff required per station and reporting interval.

    The optimiser plans on a finer grid (``period_start_min``; a station's
    own row has ``skill == "*"`` and its staff in ``target``); an interval
    needs the most that any of its periods needs.
    """
    if req is None or "period_start_min" not in req.columns:
        return req
    station = req[req["skill"] == "*"].assign(
        interval_start_min=lambda f: (f["period_start_min"] // interval_min) * interval_min)
    return (station.groupby(["interval_start_min", "station"], as_index=False)["target"].max()
            .rename(columns={"target": "required"}))


def render_figures(run_dir, lang: str = "en", progress=None, svg: bool = False) -> RenderedFigures:
    """Draw every figure a run folder supports into ``run_dir/figures/`` (PNG and SVG).

    The wait distribution uses ``citizens.parquet`` when the run kept it,
    else the pooled histogram ``wait_histogram.csv`` (runs written before it
    existed: the day's percentiles); staffing uses per-station staff on duty
    (``staff_intervals.csv`` with a ``station`` column, else the roster) and
    ``requirements.csv`` if present; ``iterations.csv`` (optimiser runs)
    adds the iterations figure. A missing CJK font (``lang="zh"``) is
    reported in ``messages`` rather than raised. ``progress(done, total, name)``,
    if given, is called before each figure is drawn and once at the end.
    ``svg``: also write each figure as SVG (vector, for print and papers).
    """
    check_lang(lang)
    run = load_run(run_dir, allow_partial=True)
    folder = run.path / "figures"
    out = RenderedFigures()
    targets = run.scenario.get("targets", [])
    hours = run.scenario.get("hours", {})
    warmup = run.scenario.get("experiment", {}).get("warmup_min", 0) or 0

    def wait():
        citizens = run.frame("citizens.parquet", required=False)
        if citizens is not None:
            end = parse_clock(hours["sessions"][0]["start"]) + warmup if warmup else None
            return plots.plot_wait_cdf(citizens, targets, lang, warmup_end_min=end), "fig_wait_cdf"
        hist = run.frame("wait_histogram.csv", required=False)
        if hist is not None:
            return plots.plot_wait_histogram(hist, targets, lang), "fig_wait_cdf"
        return plots.plot_wait_percentiles(run.frame("intervals.csv"), targets, lang), "fig_wait_cdf_pct"

    def staffing():
        si = run.frame("staff_intervals.csv")
        req = _station_requirements(run.frame("requirements.csv", required=False), float(hours.get("interval_min", 60)))
        if "station" in si.columns:  # simulated (absence, overtime) per station
            on_duty, roster = si[(si["station"] != "*") & (si["staff_type"] != "*")], False
        else:
            step = float(hours.get("interval_min", 60))
            first, last = si["interval_start_min"].min(), si["interval_start_min"].max() + step
            on_duty, roster = roster_on_duty(run.scenario, step, first, last), True
        return plots.plot_staffing(on_duty, req, lang, group="station", from_roster=roster), "fig_staffing"

    makers = {
        "wait_cdf": wait,
        "service_level": lambda: (plots.plot_service_level(run.frame("targets.csv"), targets, lang),
                                  "fig_service_level"),
        "queue": lambda: (plots.plot_queue(run.frame("queue_grid.csv"), lang), "fig_queue"),
        "staffing": staffing,
        "utilisation": lambda: (plots.plot_utilisation(run.frame("staff_intervals.csv"), lang), "fig_utilisation"),
        "time_in_system": lambda: (plots.plot_time_in_system(run.frame("intervals.csv"), lang), "fig_time_in_system"),
    }
    if run.has("iterations.csv"):
        makers["iterations"] = lambda: (plots.plot_iterations(
            run.frame("iterations.csv").rename(columns={"targets": "targets_total"}), lang), "fig_iterations")
    with font_warnings(out.messages):
        if not any(t.get("kind") == "service_level" and t.get("scope", "interval") == "interval" for t in targets):
            makers.pop("service_level")         # the figure draws service levels per interval only
        for done, (name, make) in enumerate(makers.items()):
            if progress:
                progress(done, len(makers), name)
            try:
                fig, title = make()
            except (ValueError, KeyError) as exc:
                out.messages.append(label("figure_missing", lang, reason=f"{name}: {exc}"))
                continue
            out.files[name] = plots.save_figure(fig, folder, name, ("png", "svg") if svg else ("png",))[0]
            out.titles[name] = label(title, lang)
    if progress:
        progress(len(makers), len(makers), "")
    return out
