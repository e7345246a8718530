"""The comparison page (``compare.html``) of :class:`study.analysis.compare.Comparison`: options side by side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import figures as plots
from ..analysis.compare import Comparison
from ..figures.run_figures import font_warnings
from ..i18n import label
from .html import esc, html_page, html_table, img_tag, num, pct, td, write_text_atomic


def _with_ci(v, lo, hi, f) -> str:
    return f(v) if not (np.isfinite(lo) and np.isfinite(hi)) else f"{f(v)} [{f(lo)}, {f(hi)}]"


def write_compare_page(c: Comparison, folder) -> Path:
    """Write ``folder/compare.html`` (and its figures) for a :class:`study.analysis.compare.Comparison`."""
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
