"""The HTML run report (``report.html``) of a finished run folder.

The report reads only the run folder (``manifest.json``, ``summary.json``
and the tables); figures are drawn by :mod:`study.figures` into
``figures/*.png|svg`` of the folder. Files are written atomically
(temporary file + ``os.replace``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..figures.run_figures import RenderedFigures, render_figures
from ..i18n import check_lang, label
from ..runs.load import load_run
from .html import (STATUS_CLASS, STATUS_KEY, esc, html_page, html_table, img_tag, num, pct, target_text, td,
                   write_text_atomic)

FIGURE_ORDER = ("wait_cdf", "service_level", "queue", "staffing", "utilisation", "time_in_system", "iterations")


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

    Raises :class:`study.runs.load.NotARunError` for a folder that is not a
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
