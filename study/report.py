"""The HTML run report (``report.html``) and the comparison page (``compare.html``).

Both are single self-contained files: CSS inline, figures embedded as PNG
data URIs, no scripts and nothing fetched from the network, so they open
from a USB stick or an e-mail attachment. Text is escaped with
``html.escape``; display words come from :mod:`study.i18n`.

The report reads only the run folder (``manifest.json``, ``summary.json``
and the tables); figures are drawn by :mod:`study.plots` into
``figures/*.png|svg`` of the folder. Files are written atomically
(temporary file + ``os.replace``).
"""

from __future__ import annotations

import base64
import html
import os
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.clock import parse_clock

from . import plots
from .compare import Comparison, load_run
from .i18n import check_lang, label

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",
 sans-serif;margin:0 auto;max-width:1100px;padding:1.2em 1.6em;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin-top:1.6em;border-bottom:2px solid #ddd}
h3{font-size:1.05em}.sub{color:#555}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:right;vertical-align:top}
th{background:#f2f2f2}td.l,th.l{text-align:left}td.nw{white-space:nowrap}
.ok{background:#d8f0df}.close{background:#fff1c9}.miss{background:#f9d5d2;font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:.7em}.card{border:1px solid #ccc;border-radius:6px;padding:.5em .8em;
 min-width:10em}.card .k{color:#555;font-size:.85em}.card .v{font-size:1.5em;font-weight:600}
.card .s{color:#555;font-size:.8em}.verdict{font-size:1.2em;font-weight:600;padding:.4em .7em;border-radius:6px;
 display:inline-block;margin:.3em 0}.warn{border:2px solid #d55e00;background:#fff3ec;padding:.5em .8em;margin:.6em 0}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.85em}code{font-size:.9em}.mark{font-size:.8em;margin-left:.3em}
"""

STATUS_CLASS = {"ok": "ok", "~": "close", "MISS": "miss"}
STATUS_KEY = {"ok": "status_ok", "~": "status_close", "MISS": "status_miss"}
FIGURE_ORDER = ("wait_cdf", "service_level", "queue", "staffing", "utilisation", "time_in_system", "iterations")


class Html(str):
    """Ready HTML (a table cell built here from escaped parts); every other string is text and is escaped."""


def esc(value) -> str:
    """``value`` as HTML text: ``&``, ``<``, ``>`` and both quotes escaped (safe in elements and attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def td(attrs: str, inner_html: str) -> Html:
    """A ready table cell; ``attrs`` and ``inner_html`` must already be escaped."""
    return Html(f"<td{' ' + attrs if attrs else ''}>{inner_html}</td>")


def num(x, digits: int = 1, unit: str = "") -> str:
    """``x`` rounded to ``digits`` (``-`` when missing)."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    return f"{float(x):.{digits}f}{unit}"


def pct(x, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    return f"{100 * float(x):.{digits}f}%"


_NUMERIC = re.compile(r"^[+\-]?\d[\d.,]*\s*(%|min|分钟)?(\s*\[.*\])?(\s*\(.*\))?$")


def _numeric(value) -> bool:
    return isinstance(value, (int, float, np.number)) or (isinstance(value, str) and bool(_NUMERIC.match(value)))


def html_table(headers, rows) -> str:
    """A table; ``rows`` hold ready cells (:class:`Html`, from :func:`td`) or plain values (escaped).

    Only :class:`Html` cells pass unescaped: a label that happens to start
    with ``<td`` is text like any other.

    Numbers are right-aligned, text left-aligned; ``headers=None`` gives a
    table without a header row (key-value lists).
    """
    body, right = [], {}
    for row in rows:
        cells = []
        for i, c in enumerate(row):
            if isinstance(c, Html):
                right.setdefault(i, not c.startswith('<td class="l'))
                cells.append(c)
            else:
                numeric = _numeric(c) and headers is not None  # key-value lists read left to right
                right.setdefault(i, numeric or c in ("-", None))
                cells.append(f"<td>{esc(c)}</td>" if numeric else f'<td class="l">{esc(c)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    head = "" if headers is None else "<thead><tr>" + "".join(
        f"<th>{esc(h)}</th>" if right.get(i) else f'<th class="l">{esc(h)}</th>' for i, h in enumerate(headers)
    ) + "</tr></thead>"
    return f"<table>{head}<tbody>{''.join(body)}</tbody></table>"


def html_page(title: str, lang: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(title)}</title>'
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


def write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def img_tag(png: Path, alt: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'


def target_text(t: dict, lang: str) -> str:
    kind = t.get("kind")
    if kind == "service_level":
        what = label("t_service_level", lang, fraction=t.get("fraction", 0), wait=t.get("wait_min", 0))
    elif kind == "mean_wait":
        what = label("t_mean_wait", lang, wait=t.get("max_min", 0))
    else:
        what = label("t_max_abandonment", lang, fraction=t.get("fraction", 0))
    return what + label("scope_day" if t.get("scope") == "day" else "scope_interval", lang)


# ---------------------------------------------------------------- figures


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
    """Collect :class:`study.plots.MissingFontWarning` messages into ``messages`` (once each); pass others on."""
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


def render_figures(run_dir, lang: str = "en") -> RenderedFigures:
    """Draw every figure a run folder supports into ``run_dir/figures/`` (PNG and SVG).

    The wait distribution uses ``citizens.parquet`` when the run kept it,
    else the pooled histogram ``wait_histogram.csv`` (runs written before it
    existed: the day's percentiles); staffing uses per-station staff on duty
    (``staff_intervals.csv`` with a ``station`` column, else the roster) and
    ``requirements.csv`` if present; ``iterations.csv`` (optimiser runs)
    adds the iterations figure. A missing CJK font (``lang="zh"``) is
    reported in ``messages`` rather than raised.
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
            from .wait_figure import plot_wait_histogram

            return plot_wait_histogram(hist, targets, lang), "fig_wait_cdf"
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
        for name, make in makers.items():
            if name == "service_level" and not any(t.get("kind") == "service_level" for t in targets):
                continue
            try:
                fig, title = make()
            except (ValueError, KeyError) as exc:
                out.messages.append(label("figure_missing", lang, reason=f"{name}: {exc}"))
                continue
            out.files[name] = plots.save_figure(fig, folder, name)[0]
            out.titles[name] = label(title, lang)
    return out


# ---------------------------------------------------------------- run report


@dataclass
class Report:
    """What :func:`write_report` wrote, and warnings to show the user (e.g. no CJK font)."""

    path: Path
    figures: RenderedFigures
    warnings: list[str]


def _card(key: str, title: str, text: str, value, sub: str = "") -> str:
    title = title[:1].upper() + title[1:]
    v = "" if value is None else f' data-value="{esc(value)}"'
    return (f'<div class="card"><div class="k">{esc(title)}</div><div class="v" data-key="{key}"{v}>{esc(text)}</div>'
            f'<div class="s">{esc(sub)}</div></div>')


def _met_text(t: dict, spec: dict, lang: str) -> str:
    if spec.get("scope") == "day":
        return label("met_day" if t["met_all"] else "missed_day", lang)
    return label("met_some", lang, met=t["intervals_met"], total=t["intervals"])


def _headline(s: dict, targets: list[dict], lang: str) -> str:
    day = s.get("day", {})
    ts = s.get("targets", [])
    if not ts:
        verdict, cls = label("no_targets", lang), "close"
    elif all(t["met_all_confident"] for t in ts):
        verdict, cls = label("verdict_met", lang), "ok"
    elif all(t["met_all"] for t in ts):
        verdict, cls = label("verdict_estimate", lang), "close"
    else:
        verdict, cls = label("verdict_missed", lang), "miss"
    ci = lambda lo, hi, f: label("ci_text", lang, lo=f(lo), hi=f(hi))  # noqa: E731
    cards = [
        _card("cost", label("cost_label", lang), num(s.get("cost"), 1), s.get("cost"),
              f"{num(s.get('paid_hours'), 1)} {label('paid_hours', lang)}; {label('overtime_min', lang)} "
              f"{num(s.get('overtime_min'), 0)}"),
        _card("wait_mean_min", label("wait_mean", lang), num(day.get("wait_mean_min"), 1, " " + label("min", lang)),
              day.get("wait_mean_min"), ci(day.get("wait_mean_min_lo"), day.get("wait_mean_min_hi"), num)),
        _card("wait_p90_min", label("wait_p90", lang), num(day.get("wait_p90_min"), 1, " " + label("min", lang)),
              day.get("wait_p90_min")),
        _card("abandon_fraction", label("abandonment", lang), pct(day.get("abandon_fraction")),
              day.get("abandon_fraction"), ci(day.get("abandon_fraction_lo"), day.get("abandon_fraction_hi"), pct)),
        _card("tickets", label("tickets", lang), num(day.get("tickets"), 1), day.get("tickets"),
              f"{label('served', lang)} {num(day.get('served'))}, {label('abandoned', lang)} "
              f"{num(day.get('abandoned'))}, {label('unserved', lang)} {num(day.get('unserved'))}, "
              f"{label('turned_away', lang)} {num(day.get('turned_away'))}"),
        _card("utilisation", label("utilisation", lang), pct(s.get("utilisation"), 0), s.get("utilisation")),
    ]
    spec = {t["id"]: t for t in targets}
    items = []
    for t in ts:
        mark = "ok" if t["met_all_confident"] else ("~" if t["met_all"] else "MISS")
        what = target_text(spec[t["id"]], lang) if t["id"] in spec else t.get("description", "")
        items.append(f'<li class="{STATUS_CLASS[mark]}" data-key="target:{esc(t["id"])}" '
                     f'data-value="{t["intervals_met"]}/{t["intervals"]}"><b>{esc(t["id"])}</b>: {esc(what)} — '
                     f'{esc(_met_text(t, spec.get(t["id"], {}), lang))}'
                     f'<span class="mark">[{esc(label(STATUS_KEY[mark], lang))}]</span></li>')
    tlist = f"<ul>{''.join(items)}</ul>" if items else f"<p>{esc(label('no_targets', lang))}</p>"
    notes = "".join(f'<div class="warn" data-key="note">{esc(n)}</div>' for n in s.get("notes", []))
    return (f'<h2 id="headline">{esc(label("headline", lang))}</h2>{notes}<div class="verdict {cls}" data-key="verdict">'
            f'{esc(verdict)}</div>{tlist}<p class="sub">{esc(label("per_day", lang))}</p>'
            f'<div class="cards">{"".join(cards)}</div>')


def _interval_table(s: dict, targets: list[dict], lang: str) -> str:
    status = {(t["id"], r["interval"]): r["status"] for t in s.get("targets", []) for r in t["results"]}
    sl = [t for t in targets if t.get("kind") == "service_level" and t.get("scope", "interval") == "interval"]
    waits = [t for t in targets if t.get("kind") == "mean_wait" and t.get("scope", "interval") == "interval"]
    headers = [label("interval", lang), label("tickets", lang), label("wait_mean_short", lang),
               label("wait_p90_short", lang)] + [t["id"] for t in sl] + \
              [label("abandonment", lang), label("utilisation", lang)]
    rows = []
    for r in s.get("intervals", []):
        wait_cell = num(r.get("wait_mean_min"))
        marks = [status.get((t["id"], r["interval"])) for t in waits]
        worst = next((m for m in ("MISS", "~", "ok") if m in marks), None)
        wait_td = td(f'class="{STATUS_CLASS[worst]}"', f'{esc(wait_cell)}<span class="mark">'
                     f'{esc(label(STATUS_KEY[worst], lang))}</span>') if worst else wait_cell
        row = [td('class="l nw"', esc(r["interval"])), num(r.get("tickets")), wait_td, num(r.get("wait_p90_min"))]
        for t in sl:
            mark = status.get((t["id"], r["interval"]))
            value = pct(r.get(f"sl_{t['id']}"), 1)
            if mark:
                row.append(td(f'class="{STATUS_CLASS[mark]}" data-status="{esc(mark)}"', f'{esc(value)}'
                              f'<span class="mark">{esc(label(STATUS_KEY[mark], lang))}</span>'))
            else:
                row.append(value)
        row += [pct(r.get("abandon_fraction")), pct(r.get("utilisation"), 0)]
        rows.append(row)
    return (f'<h2 id="intervals">{esc(label("per_interval", lang))}</h2>' + html_table(headers, rows) +
            f'<p class="sub">{esc(label("status_legend", lang))}</p>')


def _roster(s: dict, sc: dict, lang: str) -> str:
    def shift_text(code):
        p = sc.get("shift_patterns", {}).get(code, {})
        brk = ", ".join(f"{b['start']}-{b['end']}" for b in p.get("breaks", []))
        return f"{code}: {p.get('start')}-{p.get('end')}" + (f" ({label('breaks', lang)} {brk})" if brk else "")

    def named(kind, code):
        lab = (sc.get(kind, {}).get(code) or {}).get("label")
        return f"{code} — {lab}" if lab else code
    rows = [[named("staff_types", e["staff_type"]), shift_text(e["shift"]),
             named("stations", e["station"]) + (f" / {e['window_group']}" if e.get("window_group") else ""),
             e["count"]] for e in sc.get("roster", [])]
    roster = html_table([label("staff_type", lang), label("shift", lang), label("station", lang),
                         label("count", lang)], rows)
    res = [[r["staff_type"], r["station"], num(r.get("staff"), 1), pct(r.get("utilisation"), 0),
            num(r.get("overtime_min"), 0), num(r.get("cost"), 2)] for r in s.get("staff", [])]
    results = html_table([label("staff_type", lang), label("station", lang), label("staff", lang),
                          label("utilisation", lang), label("overtime_min", lang), label("cost", lang)], res)
    return (f'<h2 id="roster">{esc(label("roster", lang))}</h2>{roster}'
            f'<h3>{esc(label("staff_results", lang))}</h3>{results}')


def _dist(d) -> str:
    if not isinstance(d, dict):
        return "-" if d is None else str(d)
    rest = ", ".join(f"{k.replace('_min', '')} {v:g}" if isinstance(v, (int, float)) else f"{k} {v}"
                     for k, v in d.items() if k != "dist")
    return f"{d.get('dist', '?')}" + (f" ({rest}{' min' if any(k.endswith('_min') for k in d) else ''})" if rest else "")


def _assumptions(sc: dict, lang: str) -> str:
    h = sc.get("hours", {})
    a = sc.get("arrivals", {})
    sessions = ", ".join(f"{x['start']}-{x['end']}" for x in h.get("sessions", []))
    facts = [[label("description", lang), sc.get("description") or "-"],
             [label("opening_hours", lang), sessions],
             [label("last_ticket", lang), h.get("last_ticket") or "-"],
             [label("hard_stop", lang), h.get("hard_stop") or "-"],
             [label("interval_min", lang), f"{h.get('interval_min')} {label('min', lang)}"],
             [label("daily_volume", lang), a.get("daily_volume")],
             [label("patience", lang), _dist(sc.get("patience"))],
             [label("calling", lang), ", ".join(f"{k}: {v}" for k, v in (sc.get("calling") or {}).items())]]
    out = [f'<h2 id="assumptions">{esc(label("assumptions", lang))}</h2>', html_table(None, facts)]
    out.append(f"<h3>{esc(label('profile', lang))}</h3>" + html_table(
        [label("walk_in_profile_slot", lang), label("share", lang)],
        [[f"{p['start']}-{p['end']}", pct(p.get("share"), 0)] for p in a.get("profile", [])]))
    services = sc.get("services", {})
    rows = []
    for code, share in (a.get("mix") or {}).items():
        svc = services.get(code, {})
        route = " → ".join(f"{st['station']}" + (f" ({label('probability', lang)}={st['probability']:g})"
                                                 if st.get("probability", 1) != 1 else "") + f": {_dist(st.get('work'))}"
                           for st in svc.get("steps", []))
        rows.append([code, svc.get("label") or "", pct(share, 0), route])
    out.append(f"<h3>{esc(label('mix', lang))}</h3>" + html_table(
        [label("service_type", lang), "", label("share", lang), label("service_route", lang)], rows))
    out.append(f"<h3>{esc(label('stations', lang))}</h3>" + html_table(
        [label("station", lang), "", label("windows", lang)],
        [[k, (v.get("label") or "") + "".join(f"; {g}: {gv.get('windows')} ({gv.get('label') or ''})"
                                              for g, gv in (v.get("window_groups") or {}).items()),
          v.get("windows")] for k, v in sc.get("stations", {}).items()]))
    out.append(f"<h3>{esc(label('staff_types', lang))}</h3>" + html_table(
        [label("staff_type", lang), "", label("cost_per_hour", lang), label("skills", lang)],
        [[k, v.get("label") or "", v.get("cost_per_hour"), ", ".join(f"{s} ×{f:g}" for s, f in v.get("skills", {}).items())]
         for k, v in sc.get("staff_types", {}).items()]))
    out.append(f"<h3>{esc(label('classes', lang))}</h3>" + html_table(
        ["", label("priority", lang), label("share", lang)],
        [[f"{k}" + (f" — {v['label']}" if v.get("label") else ""), v.get("priority"), pct(v.get("share"), 0)]
         for k, v in sc.get("classes", {}).items()]))
    out.append(f"<h3>{esc(label('targets', lang))}</h3><ul>" + "".join(
        f"<li><b>{esc(t['id'])}</b>: {esc(target_text(t, lang))}</li>" for t in sc.get("targets", [])) + "</ul>")
    return "".join(out)


def _reproducibility(m: dict, lang: str) -> str:
    rows = [[label(k, lang), m.get(k)] for k in ("seed", "replications", "workers", "scenario_file",
                                                  "scenario_sha256", "git_commit", "created")]
    rows += [[label("wall_time", lang), m.get("wall_time_s")],
             [label("command", lang), " ".join(map(str, m.get("command") or []))]]
    rows += [[f"{label('versions', lang)}: {k}", v] for k, v in (m.get("versions") or {}).items()]
    rows += [[k, v] for k, v in (m.get("machine") or {}).items()]
    body = html_table(None, [[k, "-" if v is None else str(v)] for k, v in rows])
    return f'<h2 id="reproducibility">{esc(label("reproducibility", lang))}</h2>{body}'


def _figures_html(figs: RenderedFigures, lang: str) -> str:
    parts = [f'<h2 id="figures">{esc(label("figures", lang))}</h2>']
    for name in sorted(figs.files, key=lambda n: FIGURE_ORDER.index(n) if n in FIGURE_ORDER else 99):
        png = figs.files[name]
        parts.append(f'<figure id="fig-{esc(name)}">{img_tag(png, figs.titles[name])}<figcaption>'
                     f'{esc(figs.titles[name])} — <code>figures/{esc(name)}.png</code>, '
                     f'<code>figures/{esc(name)}.svg</code></figcaption></figure>')
    return "".join(parts)


def write_report(run_dir, lang: str = "en") -> Report:
    """Write ``run_dir/report.html`` (and ``run_dir/figures/``) from a finished run folder.

    Raises :class:`study.compare.NotARunError` for a folder that is not a
    run. Returns the path and any warnings (e.g. Chinese asked for but no
    CJK font installed), which are also shown at the top of the page.

    Examples
    --------
    >>> write_report("results/county_hall/20261125-142520-s20261125-01e2e2be")  # doctest: +SKIP
    """
    check_lang(lang)
    run = load_run(run_dir, allow_partial=True)
    figs = render_figures(run.path, lang)
    s, m, sc = run.summary, run.manifest, run.scenario
    targets = sc.get("targets", [])
    title = f"{label('report_title', lang)}: {sc.get('name', m.get('scenario_name', ''))}"
    shown = Path(s.get("run_dir") or run.path).name
    warn = "".join(f'<div class="warn">{esc(label("font_warning", lang, message=w))}</div>' for w in figs.messages)
    body = (f"<h1>{esc(title)}</h1><p class='sub'>{esc(sc.get('description') or '')}</p>"
            f"<p class='sub'>{esc(label('generated_by', lang, run=shown))} "
            f"{esc(label('seed_reps', lang, seed=m.get('seed'), reps=m.get('replications')))}</p>{warn}"
            + _headline(s, targets, lang) + _interval_table(s, targets, lang) + _roster(s, sc, lang)
            + _figures_html(figs, lang) + _assumptions(sc, lang) + _reproducibility(m, lang))
    path = run.path / "report.html"
    write_text_atomic(path, html_page(title, lang, body))
    return Report(path, figs, list(figs.messages))


# ---------------------------------------------------------------- comparison page


def _with_ci(v, lo, hi, f) -> str:
    return f(v) if not (np.isfinite(lo) and np.isfinite(hi)) else f"{f(v)} [{f(lo)}, {f(hi)}]"


def write_compare_page(c: Comparison, folder) -> Path:
    """Write ``folder/compare.html`` (and its figures) for a :class:`study.compare.Comparison`."""
    lang, folder = c.lang, Path(folder)
    t = c.table
    f1 = lambda x: num(x, 1)  # noqa: E731
    f2 = lambda x: num(x, 2)  # noqa: E731
    fp = lambda x: pct(x, 1)  # noqa: E731
    metrics = [("cost", label("cost_per_day", lang), f1), ("paid_hours", label("paid_hours", lang), f1),
               ("staff", label("staff", lang), f1), ("overtime_min", label("overtime_min", lang), f1),
               ("utilisation", label("utilisation", lang), fp),
               ("wait_mean_min", label("wait_mean_short", lang), f1),
               ("wait_p90_min", label("wait_p90_short", lang), f1), ("abandon_fraction", label("abandonment", lang), fp),
               ("unserved", label("unserved", lang), f2), ("turned_away", label("turned_away", lang), f2)]
    targets = {tg["id"]: tg for r in c.runs for tg in r.scenario.get("targets", [])}
    for tid, tg in targets.items():
        if tg.get("kind") == "service_level" and f"sl_{tid}_day" in t.columns:
            metrics.append((f"sl_{tid}_day", label("sl_day", lang, target=tid), fp))
    rows = []
    for key, name, f in metrics:
        if key not in t.columns:
            continue
        cells = [name]
        for _, r in t.iterrows():
            text = _with_ci(r[key], r.get(key + "_lo", np.nan), r.get(key + "_hi", np.nan), f)
            cells.append(td(f'data-option="{esc(r["option"])}" data-key="{esc(key)}" data-value="{esc(r[key])}"',
                            esc(text)))
        rows.append(cells)
    for tid in targets:
        if f"{tid}_intervals" not in t.columns:
            continue
        cells = [label("sl_share_met", lang, target=tid)]
        for _, r in t.iterrows():
            if pd.isna(r.get(f"{tid}_intervals")):
                cells.append("-")
                continue
            cls = "ok" if r[f"{tid}_met_all_confident"] else ("close" if r[f"{tid}_met_all"] else "miss")
            cells.append(td(f'class="{cls}" data-option="{esc(r["option"])}" data-key="{esc(tid)}_intervals_met"',
                            f'{int(r[f"{tid}_intervals_met"])}/{int(r[f"{tid}_intervals"])}'))
        rows.append(cells)
    side = html_table([""] + [f"{n}" for n in c.names], rows)
    options = html_table([label("option", lang), label("run", lang), label("scenario", lang), label("seed", lang),
                          label("replications", lang)],
                         [[n, r.path.name, r.manifest.get("scenario_name"), r.seed, r.replications]
                          for n, r in zip(c.names, c.runs)])
    diff_rows = []
    for key, name, f in metrics:
        if not any(key in c.diffs[n] for n in c.names[1:]):
            continue
        cells = [name]
        for n in c.names[1:]:
            d = c.diffs[n].get(key)
            if d is None:
                cells.append("-")
                continue
            signed = (lambda x: f"{100 * x:+.1f} {label('pp', lang)}") if f is fp else \
                (lambda x, f=f: ("+" if x > 0 else "") + f(x))
            text = _with_ci(d[0], d[1], d[2], signed) + f" ({label(d[3], lang)})"
            cells.append(td(f'data-option="{esc(n)}" data-key="diff_{esc(key)}" data-value="{esc(d[0])}"', esc(text)))
        diff_rows.append(cells)
    figures = []
    for tid, tg in targets.items():
        if tg.get("kind") != "service_level" or tg.get("scope", "interval") != "interval":
            continue
        frames = {n: r.frame("targets.csv") for n, r in zip(c.names, c.runs)}
        with font_warnings(c.warnings):
            fig = plots.plot_compare_service_level(frames, tid, lang)
            png = plots.save_figure(fig, folder / "figures", f"compare_{tid}")[0]
        figures.append(f'<figure>{img_tag(png, label("fig_compare_sl", lang))}<figcaption>'
                       f'{esc(label("fig_compare_sl", lang))}: {esc(tid)}</figcaption></figure>')
    warn = "".join(f'<div class="warn">{esc(label("font_warning", lang, message=w))}</div>' for w in c.warnings)
    body = (f"<h1>{esc(label('compare_title', lang))}</h1>{warn}<h2>{esc(label('options', lang))}</h2>{options}"
            + "".join(f'<p class="note">{esc(n)}</p>' for n in c.notes)
            + f"<h2>{esc(label('in_plain_words', lang))}</h2><ul>"
            + "".join(f'<li data-option="{esc(n)}">{esc(s)}</li>' for n, s in zip(c.names, c.sentences)) + "</ul>"
            + f"<h2>{esc(label('side_by_side', lang))}</h2>{side}"
            + (f"<h2>{esc(label('differences', lang, base=c.names[0]))}</h2>"
               + html_table([""] + c.names[1:], diff_rows) if len(c.names) > 1 else "")
            + "".join(figures))
    path = folder / "compare.html"
    write_text_atomic(path, html_page(label("compare_title", lang), lang, body))
    return path
