"""The fit report and the calibration page (templates ``fit_report.html.j2`` and ``calibration.html.j2``
in ``study/pages/templates/``, Jinja2 with autoescape on; figures embedded as PNG).

Fit report (``FOLDER/fit_report.html`` with ``figures/`` and CSV tables,
among them ``profile_by_service.csv``, the profile of each service type with its bands):
observed against fitted arrival profile with 95% bands, work-time
histograms with the fitted density, the Kaplan-Meier survival curve of
patience with the censored fit, and the weekday factors.
Calibration page (``FOLDER/calibration.html``, ``by_interval.csv``,
``by_service.csv``): hall against model per interval and service type.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers

import numpy as np  # noqa: E402
from markupsafe import Markup  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..pages.html import write_text_atomic  # noqa: E402
from ..pages.render import image_uri, render  # noqa: E402
from .fitting import FAMILIES, FitResult  # noqa: E402
from .scenario_writer import clock  # noqa: E402

def _png(fig: Figure, path: Path) -> Markup:
    """Save ``fig`` as ``path`` (PNG) and return it as a ``data:`` URI for the page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=90)
    return image_uri(path)


def _profile_figure(fit: FitResult) -> Figure:
    fig = Figure(figsize=(8, 3.2))
    ax = fig.add_subplot()
    p = fit.profile
    width = (p["end_min"] - p["start_min"]).to_numpy(float)
    per_hour = 60.0 / width
    x = ((p["start_min"] + p["end_min"]) / 2 / 60).to_numpy()
    ax.bar(p["start_min"] / 60, p["share"] * per_hour, width=width / 60, align="edge", alpha=0.35,
           label="observed share per hour")
    ax.errorbar(x, p["share"] * per_hour, yerr=[(p["share"] - p["lo"]) * per_hour, (p["hi"] - p["share"]) * per_hour],
                fmt="o", ms=3, color="k", label="fitted (= observed) with 95% band")
    ax.set_xlabel("hour of the ticket")
    ax.set_ylabel("share of walk-ins per hour")
    ax.legend(fontsize=8)
    return fig


def _work_figure(fit: FitResult) -> Figure:
    rows = [r for r in fit.work.itertuples() if (r.service, r.step) in fit.work_samples]
    cols = 4
    nrow = max(1, int(np.ceil(len(rows) / cols)))
    fig = Figure(figsize=(11, 2.3 * nrow))
    for k, r in enumerate(rows):
        ax = fig.add_subplot(nrow, cols, k + 1)
        x = fit.work_samples[(r.service, r.step)]
        ax.hist(x, bins=30, density=True, alpha=0.4)
        dist = FAMILIES[r.family][0]
        params = dist.fit(x, floc=0)
        grid = np.linspace(0, np.quantile(x, 0.995), 200)
        ax.plot(grid, dist(*params).pdf(grid), "k-", lw=1)
        ax.set_title(f"{r.service} step {r.step}: {r.family} (n={r.n})", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def _patience_figure(fit: FitResult) -> Figure | None:
    km = fit.patience_km
    if km is None:
        return None
    fig = Figure(figsize=(6, 3.2))
    ax = fig.add_subplot()
    km.sf.plot(ax)
    pat = fit.patience
    dist = FAMILIES[pat["family"]][0](*pat["params"])
    grid = np.linspace(0, float(km.sf.quantiles[-1]), 200)
    ax.plot(grid, dist.sf(grid), "k--", label=f"censored ML {pat['family']}, mean {pat['mean_min']:.0f} min")
    ax.axvline(pat["naive_mean_min"], color="r", lw=0.8, label=f"naive mean {pat['naive_mean_min']:.0f} min")
    ax.set_xlabel("minutes after the ticket")
    ax.set_ylabel("still willing to wait")
    ax.legend(fontsize=8)
    return fig


def write_fit_report(fit: FitResult, folder: Path, scenario: str) -> Path:
    """Write the fit report, its figures and tables; return the page's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figures = []
    for name, title, fig in (("profile", "Arrival profile: observed shares with 95% bands", _profile_figure(fit)),
                             ("work", "Work time: histograms with the fitted density", _work_figure(fit)),
                             ("patience", "Patience: Kaplan-Meier survival and the censored fit",
                              _patience_figure(fit))):
        if fig is not None:
            figures.append({"title": title, "uri": _png(fig, folder / "figures" / f"{name}.png")})
    for name in ("days", "weekdays", "profile", "profile_by_service", "mix", "classes", "work", "staffing"):
        if getattr(fit, name) is not None:
            getattr(fit, name).to_csv(folder / f"{name}.csv", index=False)
    stations = sorted(fit.staffing["station"].unique())
    table = fit.staffing.pivot(index="interval_min", columns="station", values="windows_active").reindex(columns=stations)
    staffing = [(clock(t), [f"{v:.1f}" if np.isfinite(v) else "" for v in row]) for t, row in table.iterrows()]
    pat = {k: v for k, v in fit.patience.items()}
    pat.setdefault("family", None)
    html = render("fit_report.html.j2", lang="en", title=f"Fit report: {scenario}", fit=fit, scenario=scenario,
                  figures=figures, weekdays=list(fit.weekdays.itertuples()),
                  work=[r for r in fit.work.itertuples() if isinstance(r.family, str)],
                  pat=pat, ns=fit.no_show, stations=stations, staffing=staffing)
    page = folder / "fit_report.html"
    write_text_atomic(page, html)
    return page


def _fmt(r, key: str) -> dict:
    def f(v, d=1):
        return "" if v is None or not np.isfinite(v) else f"{v:.{d}f}"
    diff = "" if not np.isfinite(r["diff_lo"]) else f"{r['diff']:+.1f} ({r['diff_lo']:+.1f} to {r['diff_hi']:+.1f})"
    return {"key": key, "verdict": r["verdict"], "n_hall": r["n_hall"], "mean_hall": f(r["mean_hall"]),
            "mean_model": f(r["mean_model"]), "diff": diff, "sl_hall": f(100 * r["sl_hall"], 0) + "%",
            "sl_model": f(100 * r["sl_model"], 0) + "%", "ks_p": "" if not np.isfinite(r["ks_p"]) else f"{r['ks_p']:.2g}",
            "abandon_hall": f(100 * r["abandon_hall"]) + "%", "abandon_model": f(100 * r["abandon_model"]) + "%",
            "abandon_diff": "" if not np.isfinite(r["abandon_diff_lo"]) else
            f"{100 * r['abandon_diff']:+.1f} ({100 * r['abandon_diff_lo']:+.1f} to {100 * r['abandon_diff_hi']:+.1f})",
            "abandon_verdict": r["abandon_verdict"]}


def _calibration_figure(cal) -> Figure:
    fig = Figure(figsize=(8, 3.2))
    ax = fig.add_subplot()
    b = cal.by_interval
    x = b["interval_min"].to_numpy(float) / 60
    ax.plot(x, b["mean_hall"], "o-", label="hall (log)")
    ax.plot(x, b["mean_model"], "s--", label="model")
    ax.set_xlabel("hour of the ticket")
    ax.set_ylabel("mean wait, min")
    ax.legend(fontsize=8)
    return fig


def write_calibration_page(cal, folder: Path, scenario: str) -> Path:
    """Write calibration.html and the two comparison tables; return the page's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cal.by_interval.to_csv(folder / "by_interval.csv", index=False)
    cal.by_service.to_csv(folder / "by_service.csv", index=False)
    figures = [{"title": "Mean wait by hour of the ticket: hall and model",
                "uri": _png(_calibration_figure(cal), folder / "figures" / "waits.png")}]
    disagree = [clock(t) for t, v in zip(cal.by_interval["interval_min"], cal.by_interval["verdict"])
                if v.startswith("hall")]
    headline = ("Model and hall agree in every interval with enough tickets." if not disagree else
                "Model and hall disagree at " + ", ".join(disagree) + ".")
    if cal.overall["abandon_verdict"] != "agree":
        headline += f" Abandonment differs over the day ({cal.overall['abandon_verdict']})."
    tables = [("By interval of the ticket time", "interval",
               [_fmt(r, clock(r["interval_min"])) for _, r in cal.by_interval.iterrows()]),
              ("By service type", "service", [_fmt(r, r["service"]) for _, r in cal.by_service.iterrows()]),
              ("Whole day", "", [_fmt(cal.overall, "all")])]
    html = render("calibration.html.j2", lang="en", title=f"Calibration: {scenario}", cal=cal, scenario=scenario,
                  figures=figures, tables=tables, headline=headline, disagree=disagree)
    page = folder / "calibration.html"
    write_text_atomic(page, html)
    return page


