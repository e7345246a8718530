"""Figures from KPI frames: the expected axes, series, labels and titles (not just 'it ran')."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from sim.experiment import run_experiment
from sim.loading import load_scenario
from study import figures as plots
from study.i18n import EN, ZH

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "county_hall.yaml"


@pytest.fixture(scope="module")
def result():
    return run_experiment(load_scenario(SCENARIO), replications=5, keep_logs=True)


@pytest.fixture(scope="module")
def frames(result):
    s = result.summary()
    return {
        "citizens": pd.concat([log.citizens_frame() for log in result.logs], ignore_index=True),
        "intervals": s["citizens"], "targets": s["targets"], "staff_interval": s["staff_interval"],
        "queue_grid": result.tables["queue_grid"],
        "spec": [t.model_dump(mode="json") for t in result.scenario.targets],
    }


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_backend_is_agg():
    assert matplotlib.get_backend().lower() == "agg"


def test_wait_cdf_has_a_curve_per_service_type_and_matches_the_pooled_service_level(result, frames):
    fig = plots.figure_of(plots.plot_wait_cdf(frames["citizens"], frames["spec"]))
    ax = fig.axes[0]
    services = frames["citizens"]["service_type"].unique()
    curves = [ln for ln in ax.get_lines() if "(n=" in ln.get_label()]
    assert len(curves) == len(services) + 1
    assert ax.get_title() == EN["fig_wait_cdf"]
    assert ax.get_xlabel() == "wait (min)" and ax.get_ylabel() == EN["share_called"]
    texts = legend_texts(ax)
    assert texts[0].startswith("all service types (n=")
    assert sum(t.startswith("target sl") for t in texts) == 2  # sl20 and sl40 (abandon is not a wait target)
    # distinct in greyscale: each service curve has its own (line style, marker) pair
    styles = {(str(ln.get_linestyle()), ln.get_marker()) for ln in curves[1:]}
    assert len(styles) == len(services)
    # the "all" curve at 20 min is the day's pooled service level of sl20 (same definition as the metrics)
    day = result.tables["citizens"]
    day = day[(day["interval"] == "day") & (day["service_type"] == "*") & (day["class"] == "*")]
    pooled = day["within_sl20"].sum() / day["tickets"].sum()
    x, y = curves[0].get_xdata(), curves[0].get_ydata()
    below, above = y[x <= 20][-1], y[x >= 20][0]
    assert below - 1e-12 <= pooled <= above + 1e-12
    assert y[-1] < 1.0 or day["abandoned"].sum() + day["unserved"].sum() == 0  # never-called citizens keep it below 1


def test_wait_percentiles_fallback_draws_one_line_per_service_type(frames):
    fig = plots.figure_of(plots.plot_wait_percentiles(frames["intervals"], frames["spec"]))
    ax = fig.axes[0]
    n = frames["intervals"].query("interval == 'day' and `class` == '*'")["service_type"].nunique()
    assert len([ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]) == n
    assert ax.get_title() == EN["fig_wait_cdf_pct"]
    assert legend_texts(ax)[0] == "all service types"


def test_service_level_bands_goals_and_missed_intervals(frames):
    fig = plots.figure_of(plots.plot_service_level(frames["targets"], frames["spec"]))
    ax = fig.axes[0]
    texts = legend_texts(ax)
    assert "sl20 (called within 20 min)" in texts and "sl40 (called within 40 min)" in texts
    assert "sl20: goal 80%" in texts and "sl40: goal 95%" in texts
    assert "sl20: 95% CI" in texts
    assert len(ax.collections) == 2  # one confidence band per service-level target
    assert ax.get_ylabel() == "service level" and ax.get_xlabel() == "time of day"
    assert ax.get_title() == EN["fig_service_level"]
    line = next(ln for ln in ax.get_lines() if ln.get_label().startswith("sl20 ("))
    assert np.isnan(line.get_ydata()).any()  # the line breaks over the lunch closure
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert all(len(t) == 5 and t[2] == ":" for t in ticks)  # clock time on the x axis
    missed = frames["targets"].query("kind == 'service_level'")["met"].eq(False).any()
    assert (EN["missed"] in texts) == missed


def test_queue_has_a_panel_per_station_with_median_and_band(frames, result):
    fig = plots.figure_of(plots.plot_queue(frames["queue_grid"]))
    stations = ["*", *result.scenario.stations]
    assert len(fig.axes) == len(stations)
    assert fig.axes[0].get_title(loc="left") == "all stations"
    assert [ax.get_title(loc="left") for ax in fig.axes[1:]] == sorted(result.scenario.stations)
    assert fig.get_suptitle() == EN["fig_queue"]
    for ax in fig.axes:
        assert len(ax.get_lines()) == 1 and len(ax.collections) == 1
    assert legend_texts(fig.axes[0]) == ["10-90% of days", "median"]
    g = frames["queue_grid"]
    g = g[g["station"] == "*"]
    t0 = sorted(g["t_min"].unique())[30]
    median = fig.axes[0].get_lines()[0]
    assert median.get_ydata()[list(median.get_xdata()).index(t0)] == g[g["t_min"] == t0]["waiting"].median()


def test_staffing_against_requirements_marks_the_shortfall(frames):
    si = frames["staff_interval"]
    req = si[["interval_start_min", "staff_type"]].drop_duplicates().assign(required=3.0)
    fig = plots.figure_of(plots.plot_staffing(si, req, group="staff_type"))
    types = [t for t in si["staff_type"].unique() if t != "*"]
    assert len(fig.axes) == len(types)
    assert legend_texts(fig.axes[0]) == ["on duty", "required", "short of requirement"]
    for ax in fig.axes:
        assert [ln.get_label() for ln in ax.get_lines()] == ["on duty", "required"]
        assert any(p.get_hatch() == "xx" for p in ax.patches)  # lunch has fewer than 3 on duty
        assert ax.get_ylabel() == "staff on duty"
    fig2 = plots.figure_of(plots.plot_staffing(si, None, group="staff_type", from_roster=True))
    assert legend_texts(fig2.axes[0]) == ["on duty (roster)"]


def test_utilisation_heatmap_has_a_row_per_staff_type_and_a_cell_per_interval(frames):
    si = frames["staff_interval"]
    fig = plots.figure_of(plots.plot_utilisation(si))
    ax = fig.axes[0]
    image = ax.get_images()[0].get_array()
    assert image.shape == (si["staff_type"].nunique(), si["interval_start_min"].nunique())
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "all staff"
    assert len(ax.texts) == image.size
    assert fig.axes[1].get_ylabel() == "utilisation"  # the colour bar
    assert ax.get_title() == EN["fig_utilisation"]


def test_time_in_system_has_two_bars_per_service_type(frames):
    fig = plots.figure_of(plots.plot_time_in_system(frames["intervals"]))
    ax = fig.axes[0]
    n = frames["intervals"].query("interval == 'day' and `class` == '*'")["service_type"].nunique()
    assert len(ax.patches) == 2 * n
    assert legend_texts(ax) == [EN["mean_wait"], EN["mean_time_in_system"]]
    assert ax.get_xlabel() == EN["minutes"]
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "all service types"


def test_iterations_plot_and_its_required_columns():
    it = pd.DataFrame({"iteration": [0, 1, 2], "cost": [40.0, 44.0, 43.5], "cost_lo": [39.0, 43.0, 42.5],
                       "cost_hi": [41.0, 45.0, 44.5], "targets_met": [10, 16, 18], "targets_total": [18, 18, 18]})
    fig = plots.figure_of(plots.plot_iterations(it))
    left, right = fig.axes
    assert left.get_xlabel() == "iteration" and left.get_ylabel() == "cost per day"
    assert right.get_ylabel() == "targets met"
    assert legend_texts(left) == ["cost per day", "targets met", "checks in total"]
    assert list(right.get_lines()[0].get_ydata()) == [10, 16, 18]
    with pytest.raises(ValueError, match="targets_total"):
        plots.plot_iterations(it.drop(columns="targets_total"))


def test_iterations_axis_reads_for_a_long_search():
    """A search logs 100+ iterations: whole-number ticks that do not run into one another, none below 0."""
    n = 150
    it = pd.DataFrame({"iteration": np.arange(n), "cost": np.linspace(300, 240, n), "targets_met": np.full(n, 20),
                       "targets_total": np.full(n, 22)})
    left = plots.figure_of(plots.plot_iterations(it)).axes[0]
    lo, hi = left.get_xlim()
    assert lo >= -0.5 and hi <= n - 0.5
    shown = [t for t, x in zip(left.get_xticklabels(), left.get_xticks()) if lo <= x <= hi]
    assert 2 <= len(shown) <= 15
    assert all(float(x).is_integer() for x in left.get_xticks())
    boxes = sorted((t.get_window_extent() for t in shown), key=lambda b: b.x0)
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:])), "tick labels overlap"


def test_compare_service_level_draws_each_option(frames):
    t = frames["targets"]
    fig = plots.figure_of(plots.plot_compare_service_level({"A": t, "B": t.assign(estimate=t["estimate"] * 0.9)}, "sl20"))
    ax = fig.axes[0]
    assert legend_texts(ax) == ["A", "B", "goal 80%"]
    assert ax.get_ylabel() == "service level (sl20)"


def test_chinese_titles_and_labels(frames):
    fig = plots.figure_of(plots.plot_service_level(frames["targets"], frames["spec"], lang="zh"))
    ax = fig.axes[0]
    assert ax.get_title() == ZH["fig_service_level"]
    assert ax.get_ylabel() == ZH["service_level"]
    assert "sl20 (20分钟内叫号)" in legend_texts(ax)
    if plots.cjk_fonts():  # the title is drawn with the CJK font, not boxes
        assert ax.title.get_fontfamily()[0] in plots.CJK_FONTS


def test_missing_cjk_font_gives_one_clear_warning(frames, monkeypatch):
    monkeypatch.setattr(plots.style, "cjk_fonts", lambda: [])
    with pytest.warns(plots.MissingFontWarning, match="no CJK font is installed.*fonts-noto-cjk") as record:
        plots.plot_time_in_system(frames["intervals"], lang="zh")
    assert all("Glyph" not in str(w.message) for w in record)
    with warnings.catch_warnings():
        warnings.simplefilter("error", plots.MissingFontWarning)
        plots.plot_time_in_system(frames["intervals"], lang="en")  # English needs no CJK font


def test_unknown_language_is_refused(frames):
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        plots.plot_time_in_system(frames["intervals"], lang="fr")


def test_missing_columns_are_named(frames):
    with pytest.raises(ValueError, match="plot_queue needs columns .* missing waiting"):
        plots.plot_queue(frames["queue_grid"].drop(columns="waiting"))


def test_save_figure_writes_png_and_svg_atomically(frames, tmp_path):
    only_png = plots.save_figure(plots.plot_time_in_system(frames["intervals"]), tmp_path / "png", "t")
    assert [p.name for p in only_png] == ["t.png"]                  # the default: PNG only
    fig = plots.figure_of(plots.plot_time_in_system(frames["intervals"]))
    paths = plots.save_figure(fig, tmp_path / "figures", "time_in_system", ("png", "svg"))
    assert [p.name for p in paths] == ["time_in_system.png", "time_in_system.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths[1].read_text()[:200].lstrip().startswith("<?xml")
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["time_in_system.png", "time_in_system.svg"]
    assert fig.canvas.manager is None          # not a pyplot figure: nothing left open to close


def test_wait_distribution_from_the_pooled_histogram_matches_the_event_logs(result, frames):
    """The histogram curve (no --events needed) agrees with the citizens' own waits at every bin edge."""
    from study.figures.wait_histogram import plot_wait_histogram, pooled_cdf
    from study.runs.write import wait_histogram_frame

    hist = wait_histogram_frame(result)
    fig = plots.figure_of(plot_wait_histogram(hist, frames["spec"]))
    ax = fig.axes[0]
    n = frames["intervals"].query("interval == 'day' and `class` == '*'")["service_type"].nunique()
    assert len([ln for ln in ax.get_lines() if "(n=" in ln.get_label()]) == n  # one curve per service type and "*"
    assert ax.get_title() == EN["fig_wait_cdf"]
    c = frames["citizens"]
    _, waits = plots._ticketed_waits(c)
    x, share, total = pooled_cdf(hist[hist["service_type"] == "*"])
    assert total == len(waits)
    assert share[1] == pytest.approx(np.mean(waits == 0.0))  # the no-wait atom is exact
    for edge, s in zip(x[2::25], share[2::25]):
        assert s == pytest.approx(np.mean(waits < edge), abs=1e-12)


def test_every_plot_function_takes_ax_and_says_what_it_returns():
    import inspect

    public = [n for n in plots.__all__ if n.startswith("plot_")]
    assert len(public) >= 10
    for name in public:
        fn = getattr(plots, name)
        assert "ax" in inspect.signature(fn).parameters, name
        assert "Returns" in (fn.__doc__ or ""), name


def test_single_panel_plots_draw_on_the_axes_given(frames):
    import matplotlib.pyplot as plt

    it = pd.DataFrame({"iteration": [0, 1], "cost": [10.0, 9.0], "targets_met": [3, 4], "targets_total": [4, 4]})
    calls = {"plot_wait_cdf": lambda ax: plots.plot_wait_cdf(frames["citizens"], frames["spec"], ax=ax),
             "plot_wait_percentiles": lambda ax: plots.plot_wait_percentiles(frames["intervals"], frames["spec"], ax=ax),
             "plot_service_level": lambda ax: plots.plot_service_level(frames["targets"], frames["spec"], ax=ax),
             "plot_utilisation": lambda ax: plots.plot_utilisation(frames["staff_interval"], ax=ax),
             "plot_time_in_system": lambda ax: plots.plot_time_in_system(frames["intervals"], ax=ax),
             "plot_iterations": lambda ax: plots.plot_iterations(it, ax=ax),
             "plot_compare_service_level": lambda ax: plots.plot_compare_service_level(
                 {"A": frames["targets"]}, "sl20", ax=ax)}
    for name, call in calls.items():
        fig, (ax, other) = plt.subplots(1, 2)
        assert call(ax) is ax, name
        assert ax.get_title() and not other.get_title() and not other.lines, name
        plt.close(fig)


def test_multi_panel_plots_take_one_axes_per_panel():
    import matplotlib.pyplot as plt

    grid = pd.DataFrame({"rep": [0, 0, 1, 1] * 2, "station": ["*"] * 4 + ["desk"] * 4,
                         "t_min": [480.0, 540.0] * 4, "waiting": [0, 2, 1, 3, 0, 2, 1, 3]})
    duty = pd.DataFrame({"interval_start_min": [480.0, 540.0] * 2, "station": ["desk", "desk", "lane", "lane"],
                         "staff_on_duty": [1.0, 2.0, 1.0, 1.0]})
    for draw, n in ((lambda ax: plots.plot_queue(grid, ax=ax), 2),
                    (lambda ax: plots.plot_staffing(duty, ax=ax), 2)):
        fig, axes = plt.subplots(1, n + 1)
        got = draw(axes[:n])
        assert list(got) == list(axes[:n]) and all(a.lines for a in axes[:n]) and not axes[n].lines
        assert not fig.get_suptitle()                     # the caller's figure keeps its own title
        with pytest.raises(ValueError, match=r"draws 2 panel\(s\).*ax= holds 3 axes"):
            draw(axes)
        plt.close(fig)
        own = draw(None)
        assert len(own) == n and plots.figure_of(own) is own[0].figure and own[0].figure.get_suptitle()
        plt.close(plots.figure_of(own))
