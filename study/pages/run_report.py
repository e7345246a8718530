"""The HTML run report (``report.html``) of a finished run folder, rendered from ``templates/run_report.html.j2``.

The report reads only the run folder (``manifest.json``, ``summary.json``
and the tables); figures are drawn by :mod:`study.figures` into
``figures/*.png|svg`` of the folder. This module prepares what the template
shows (numbers formatted, words in the language asked for, targets by their
human names from :mod:`study.names`); the markup is in the template. An
optimiser's folder (it holds ``plan.json``) gets the optimise page
(:mod:`study.pages.optimise_page`) instead. Files are written atomically
(temporary file + ``os.replace``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.messages import shown

from ..figures.run_figures import RenderedFigures, render_figures
from ..i18n import EN, check_lang, label
from ..names import item_label, scenario_text, target_name, target_scope, target_specs
from ..runs.load import Run, load_run
from .html import STATUS_CLASS, STATUS_KEY, num, pct, target_text, write_text_atomic
from .render import cell, coded, image_uri, render, table

FIGURE_ORDER = ("wait_cdf", "service_level", "queue", "staffing", "utilisation", "time_in_system", "iterations")


@dataclass
class Report:
    """What :func:`write_report` wrote, and warnings to show the user (e.g. no CJK font)."""

    path: Path
    figures: RenderedFigures
    warnings: list[str]


class Words:
    """``t.key`` in a template: the word ``key`` in the page's language."""

    def __init__(self, lang: str):
        self.lang = lang

    def __getattr__(self, key: str) -> str:
        return label(key, self.lang)


def _met_text(t: dict, spec: dict, lang: str) -> str:
    if spec.get("scope") == "day":
        return label("met_day" if t["met_all"] else "missed_day", lang)
    return label("met_some", lang, met=t["intervals_met"], total=t["intervals"])


def _card(key: str, title: str, text: str, value, sub: str = "") -> dict:
    return {"key": key, "title": title[:1].upper() + title[1:], "text": text, "value": value, "sub": sub}


def verdict(s: dict, lang: str) -> dict:
    """The one-line verdict of a run over its targets: text and CSS class (ok / close / miss)."""
    ts = s.get("targets", [])
    if not ts:
        return {"text": label("no_targets", lang), "cls": "close"}
    if all(t["met_all_confident"] for t in ts):
        return {"text": label("verdict_met", lang), "cls": "ok"}
    if all(t["met_all"] for t in ts):
        return {"text": label("verdict_estimate", lang), "cls": "close"}
    return {"text": label("verdict_missed", lang), "cls": "miss"}


def headline(s: dict, scenario: dict, lang: str) -> dict:
    """Verdict, targets (human names, met in how many intervals) and the day's key numbers, for the template."""
    day = s.get("day", {})
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
    spec = target_specs(scenario)                      # an implicit target (the unserved limit) is named too
    targets = []
    for t in s.get("targets", []):
        mark = "ok" if t["met_all_confident"] else ("~" if t["met_all"] else "MISS")
        sp = spec.get(t["id"])
        targets.append({"id": t["id"], "cls": STATUS_CLASS[mark], "value": f"{t['intervals_met']}/{t['intervals']}",
                        "name": target_name(sp, lang, scenario) if sp else t.get("description", t["id"]),
                        "scope": target_scope(sp or {"scope": t.get("scope")}, lang),
                        "met": _met_text(t, sp or {}, lang), "mark": label(STATUS_KEY[mark], lang)})
    return {"verdict": verdict(s, lang), "targets": targets, "cards": cards, "notes": shown(s, "notes", lang),
            "scenario_warnings": [label("scenario_warning", lang, message=w) for w in shown(s, "warnings", lang)]}


def interval_table(s: dict, scenario: dict, lang: str):
    """Per interval: tickets, waits, each interval service-level target (with its status), abandonment, utilisation."""
    targets = scenario.get("targets", [])
    status = {(t["id"], r["interval"]): r["status"] for t in s.get("targets", []) for r in t["results"]}
    sl = [t for t in targets if t.get("kind") == "service_level" and t.get("scope", "interval") == "interval"]
    waits = [t for t in targets if t.get("kind") == "mean_wait" and t.get("scope", "interval") == "interval"]
    headers = [label("interval", lang), label("tickets", lang), label("wait_mean_short", lang),
               label("wait_p90_short", lang)] + [target_name(t, lang, scenario) for t in sl] + \
              [label("abandonment", lang), label("utilisation", lang)]
    rows = []
    for r in s.get("intervals", []):
        marks = [status.get((t["id"], r["interval"])) for t in waits]
        worst = next((m for m in ("MISS", "~", "ok") if m in marks), None)
        wait = num(r.get("wait_mean_min"))
        wait_cell = cell(wait, STATUS_CLASS[worst], mark=label(STATUS_KEY[worst], lang)) if worst else wait
        row = [cell(r["interval"], "l nw"), num(r.get("tickets")), wait_cell, num(r.get("wait_p90_min"))]
        for t in sl:
            mark = status.get((t["id"], r["interval"]))
            value = pct(r.get(f"sl_{t['id']}"), 1)
            row.append(cell(value, STATUS_CLASS[mark], mark=label(STATUS_KEY[mark], lang), data_status=mark) if mark
                       else value)
        row += [pct(r.get("abandon_fraction")), pct(r.get("utilisation"), 0)]
        rows.append(row)
    return table(headers, rows)


def roster_tables(s: dict, sc: dict, lang: str):
    """The roster as planned (staff type, shift with breaks, station, how many) and the simulated staff results."""
    def shift_text(code):
        p = sc.get("shift_patterns", {}).get(code, {})
        brk = ", ".join(f"{b['start']}-{b['end']}" for b in p.get("breaks", []))
        name = item_label(p, lang, "")
        return coded(code, f"{p.get('start')}-{p.get('end')}" + (f" ({label('breaks', lang)} {brk})" if brk else "")
                     + (f" — {name}" if name else ""))

    def station_text(e):
        group = e.get("window_group")
        lab = item_label(sc.get("stations", {}).get(e["station"]), lang, "")
        if group:
            groups = (sc.get("stations", {}).get(e["station"]) or {}).get("window_groups") or {}
            lab += f" / {item_label(groups.get(group), 'zh', group) if lang == 'zh' else group}"
        return coded(e["station"], lab)
    rows = [[named(sc, "staff_types", e["staff_type"], lang), shift_text(e["shift"]), station_text(e), e["count"]]
            for e in sc.get("roster", [])]
    roster = table([label("staff_type", lang), label("shift", lang), label("station", lang), label("count", lang)],
                   rows)
    res = [[named(sc, "staff_types", r["staff_type"], lang), named(sc, "stations", r["station"], lang),
            num(r.get("staff"), 1), pct(r.get("utilisation"), 0),
            num(r.get("overtime_min"), 0), num(r.get("cost"), 2)] for r in s.get("staff", [])]
    staff = table([label("staff_type", lang), label("station", lang), label("staff", lang),
                   label("utilisation", lang), label("overtime_min", lang), label("cost", lang)], res)
    return roster, staff


def named(sc: dict, kind: str, code: str, lang: str):
    """A table cell: the code of a scenario item (``kind``: ``stations``, ``staff_types`` ...) and its label."""
    return coded(code, item_label(sc.get(kind, {}).get(code), lang, ""))


def _calling(calling: dict, lang: str) -> str:
    """The calling rule, key by key; English as in the YAML, Chinese in words."""
    def word(x):
        key = f"calling_{x}"
        return label(key, lang) if isinstance(x, str) and key in EN else f"{x}"
    return ("；" if lang == "zh" else ", ").join(f"{word(k)}: {word(v)}" for k, v in calling.items())


def _group_text(code: str, group: dict, lang: str) -> str:
    """A window group after its station: ``; green: 1 (Green channel window)`` / ``；绿色通道窗口：1个``."""
    if lang == "zh":
        return f"；{item_label(group, 'zh', code)}：{group.get('windows')}个"
    return f"; {code}: {group.get('windows')} ({item_label(group, lang, '')})"


def _dist(d, lang: str = "en") -> str:
    """A distribution as a page shows it: ``lognormal (mean 90, cv 0.5 min)`` / ``对数正态分布（均值 90，…，分钟）``."""
    if not isinstance(d, dict):
        return "-" if d is None else str(d)

    def word(prefix, key):
        return label(f"{prefix}_{key}", lang) if f"{prefix}_{key}" in EN else str(key)
    zh = lang == "zh"
    rest = ("，" if zh else ", ").join(
        f"{word('param', k.replace('_min', ''))} {v:g}" if isinstance(v, (int, float)) else f"{word('param', k)} {v}"
        for k, v in d.items() if k != "dist")
    minutes = any(k.endswith("_min") for k in d)
    if zh:
        return word("dist", d.get("dist", "?")) + (f"（{rest}{'，分钟' if minutes else ''}）" if rest else "")
    return f"{d.get('dist', '?')}" + (f" ({rest}{' min' if minutes else ''})" if rest else "")


def assumptions(sc: dict, lang: str) -> dict:
    """The scenario as simulated: facts, profile, mix and routes, stations, staff types, classes, targets."""
    h = sc.get("hours", {})
    a = sc.get("arrivals", {})
    sessions = ", ".join(f"{x['start']}-{x['end']}" for x in h.get("sessions", []))
    facts = table(None, [[label("description", lang), scenario_text(sc, "description", lang) or "-"],
                         [label("opening_hours", lang), sessions],
                         [label("last_ticket", lang), h.get("last_ticket") or "-"],
                         [label("hard_stop", lang), h.get("hard_stop") or "-"],
                         [label("interval_min", lang), f"{h.get('interval_min')} {label('min', lang)}"],
                         [label("daily_volume", lang), a.get("daily_volume")],
                         [label("patience", lang), _dist(sc.get("patience"), lang)],
                         [label("calling", lang), _calling(sc.get("calling") or {}, lang)]])
    services, stations = sc.get("services", {}), sc.get("stations", {})
    where = (lambda code: item_label(stations.get(code), "zh", code)) if lang == "zh" else str  # noqa: E731
    mix = []
    for code, share in (a.get("mix") or {}).items():
        svc = services.get(code, {})
        route = " → ".join(where(st["station"]) + (f" ({label('probability', lang)}={st['probability']:g})"
                                                 if st.get("probability", 1) != 1 else "")
                           + f": {_dist(st.get('work'), lang)}"
                           for st in svc.get("steps", []))
        mix.append([coded(code), item_label(svc, lang, ""), pct(share, 0), route])
    sections = [
        (label("profile", lang), table([label("walk_in_profile_slot", lang), label("share", lang)],
                                       [[f"{p['start']}-{p['end']}", pct(p.get("share"), 0)]
                                        for p in a.get("profile", [])])),
        (label("mix", lang), table([label("service_type", lang), "", label("share", lang),
                                    label("service_route", lang)], mix)),
        (label("stations", lang), table([label("station", lang), "", label("windows", lang)], [
            [coded(k), item_label(v, lang, "") + "".join(_group_text(g, gv, lang)
                                                          for g, gv in (v.get("window_groups") or {}).items()),
             v.get("windows")] for k, v in sc.get("stations", {}).items()])),
        (label("staff_types", lang), table(
            [label("staff_type", lang), "", label("cost_per_hour", lang), label("skills", lang)],
            [[coded(k), item_label(v, lang, ""), v.get("cost_per_hour"),
              coded(", ".join(f"{s} ×{f:g}" for s, f in v.get("skills", {}).items()))]
             for k, v in sc.get("staff_types", {}).items()])),
        (label("classes", lang), table(
            ["", label("priority", lang), label("share", lang)],
            [[coded(k, item_label(v, lang, "")), v.get("priority"),
              pct(v.get("share"), 0)] for k, v in sc.get("classes", {}).items()])),
    ]
    target_list = [{"id": t["id"], "name": target_name(t, lang, sc), "text": target_text(t, lang, sc)}
                   for t in sc.get("targets", [])]
    return {"facts": facts, "assumption_tables": [{"title": a, "table": b} for a, b in sections],
            "target_list": target_list}


def reproducibility(m: dict, lang: str):
    rows = [[label(k, lang), m.get(k)] for k in ("seed", "replications", "workers", "scenario_file",
                                                  "scenario_sha256", "git_commit", "created")]
    rows += [[label("wall_time", lang), m.get("wall_time_s")],
             [label("command", lang), " ".join(map(str, m.get("command") or []))]]
    rows += [[f"{label('versions', lang)}: {k}", v] for k, v in (m.get("versions") or {}).items()]
    rows += [[label(f"machine_{k}", lang) if f"machine_{k}" in EN else k, v]
             for k, v in (m.get("machine") or {}).items()]
    return table(None, [[k, "-" if v is None else coded(v)] for k, v in rows])


def figures_list(figs: RenderedFigures) -> list[dict]:
    out = []
    for name in sorted(figs.files, key=lambda n: FIGURE_ORDER.index(n) if n in FIGURE_ORDER else 99):
        out.append({"id": f"fig-{name}", "uri": image_uri(figs.files[name]), "title": figs.titles[name],
                    "caption": figs.titles[name],
                    "files": [f"figures/{name}.{ext}" for ext in ("png", "svg")
                              if (figs.files[name].parent / f"{name}.{ext}").exists()]})
    return out


def report_context(run: Run, figs: RenderedFigures, lang: str) -> dict:
    """Everything ``run_report.html.j2`` shows, for a run folder and its drawn figures."""
    s, m, sc = run.summary, run.manifest, run.scenario
    shown = Path(s.get("run_dir") or run.path).name
    roster, staff = roster_tables(s, sc, lang)
    return {"lang": lang, "t": Words(lang),
            "title": f"{label('report_title', lang)}: {sc.get('name', m.get('scenario_name', ''))}",
            "description": scenario_text(sc, "description", lang),
            "generated": f"{label('generated_by', lang, run=shown)} "
                         f"{label('seed_reps', lang, seed=m.get('seed'), reps=m.get('replications'))}",
            "font_warnings": [label("font_warning", lang, message=w) for w in figs.messages],
            **headline(s, sc, lang), "interval_table": interval_table(s, sc, lang), "roster_table": roster,
            "staff_table": staff, "figures": figures_list(figs), **assumptions(sc, lang),
            "reproducibility": reproducibility(m, lang)}


def write_report(run_dir, lang: str = "en", progress=None, svg: bool = False) -> Report:
    """Write ``run_dir/report.html`` (and ``run_dir/figures/``) from a finished run folder; return what was written.

    An optimiser's folder (with ``plan.json``) gets the optimise page, which
    leads with the optimiser's verdict, remedies and the change from the
    input roster. Raises :class:`study.runs.load.NotARunError` for a folder
    that is not a run. Returns the path and any warnings (e.g. Chinese asked
    for but no CJK font installed), which are also shown at the top of the page.
    ``progress(done, total, figure name)`` follows the figures as they are drawn; ``svg`` adds an SVG
    of each figure to the PNG.

    Examples
    --------
    >>> write_report("results/county_hall/20261125-142520-s20261125-01e2e2be")  # doctest: +SKIP
    """
    check_lang(lang)
    run = load_run(run_dir, allow_partial=True)
    figs = render_figures(run.path, lang, progress, svg=svg)
    context = report_context(run, figs, lang)
    if run.has("plan.json"):
        from .optimise_page import optimise_context

        context.update(optimise_context(run, lang))
        html = render("optimise.html.j2", **context)
    else:
        html = render("run_report.html.j2", **context)
    path = run.path / "report.html"
    write_text_atomic(path, html)
    return Report(path, figs, list(figs.messages))
