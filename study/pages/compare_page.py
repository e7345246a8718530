"""The comparison page (``compare.html``) of :class:`study.analysis.compare.Comparison`, from ``compare.html.j2``.

It opens with the comparison's one-line verdict (the cheapest option meeting
every target, or the one missing least), then the options, a sentence per
option, the options side by side with 95% intervals, the differences against
the first option (paired when the runs share the seed) and one figure per
interval service-level target. Targets appear by their human names
(:mod:`study.names`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import figures as plots
from ..analysis.compare import Comparison
from ..figures.run_figures import font_warnings
from ..i18n import label
from ..names import target_name
from .html import num, pct, write_text_atomic
from .render import cell, coded, image_uri, render, table


def _with_ci(v, lo, hi, f) -> str:
    return f(v) if not (np.isfinite(lo) and np.isfinite(hi)) else f"{f(v)} [{f(lo)}, {f(hi)}]"


def _metrics(c: Comparison, targets: dict) -> list[tuple]:
    lang, t = c.lang, c.table
    f1 = lambda x: num(x, 1)  # noqa: E731
    f2 = lambda x: num(x, 2)  # noqa: E731
    fp = lambda x: pct(x, 1)  # noqa: E731
    metrics = [("cost", label("cost_per_day", lang), f1), ("paid_hours", label("paid_hours", lang), f1),
               ("staff", label("staff", lang), f1), ("overtime_min", label("overtime_min", lang), f1),
               ("utilisation", label("utilisation", lang), fp),
               ("wait_mean_min", label("wait_mean_short", lang), f1),
               ("wait_p90_min", label("wait_p90_short", lang), f1), ("abandon_fraction", label("abandonment", lang), fp),
               ("unserved", label("unserved", lang), f2), ("turned_away", label("turned_away", lang), f2)]
    for tid, tg in targets.items():
        if tg.get("kind") == "service_level" and f"sl_{tid}_day" in t.columns:
            metrics.append((f"sl_{tid}_day", label("sl_day", lang, target=target_name(tg, lang)), fp))
    return [m for m in metrics if m[0] in t.columns]


def compare_context(c: Comparison, folder: Path) -> dict:
    """What ``compare.html.j2`` shows; draws the per-target figures into ``folder/figures``."""
    lang, t = c.lang, c.table
    targets = {tg["id"]: tg for r in c.runs for tg in r.scenario.get("targets", [])}
    metrics = _metrics(c, targets)
    rows = []
    for key, name, f in metrics:
        cells = [name]
        for _, r in t.iterrows():
            text = _with_ci(r[key], r.get(key + "_lo", np.nan), r.get(key + "_hi", np.nan), f)
            cells.append(cell(text, data_option=r["option"], data_key=key, data_value=r[key]))
        rows.append(cells)
    for tid, tg in targets.items():
        if f"{tid}_intervals" not in t.columns:
            continue
        cells = [label("sl_share_met", lang, target=target_name(tg, lang))]
        for _, r in t.iterrows():
            if pd.isna(r.get(f"{tid}_intervals")):
                cells.append("-")
                continue
            cls = "ok" if r[f"{tid}_met_all_confident"] else ("close" if r[f"{tid}_met_all"] else "miss")
            cells.append(cell(f'{int(r[f"{tid}_intervals_met"])}/{int(r[f"{tid}_intervals"])}', cls,
                              data_option=r["option"], data_key=f"{tid}_intervals_met"))
        rows.append(cells)
    options = table([label("option", lang), label("run", lang), label("scenario", lang), label("seed", lang),
                     label("replications", lang)],
                    [[n, coded(r.path.name), coded(r.manifest.get("scenario_name") or "-"), r.seed, r.replications]
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
            percent = key in ("utilisation", "abandon_fraction") or key.startswith("sl_")
            signed = (lambda x: f"{100 * x:+.1f} {label('pp', lang)}") if percent else \
                (lambda x, f=f: ("+" if x > 0 else "") + f(x))
            text = _with_ci(d[0], d[1], d[2], signed) + f" ({label(d[3], lang)})"
            cells.append(cell(text, data_option=n, data_key=f"diff_{key}", data_value=d[0]))
        diff_rows.append(cells)
    figures = []
    for tid, tg in targets.items():
        if tg.get("kind") != "service_level" or tg.get("scope", "interval") != "interval":
            continue
        frames = {n: r.frame("targets.csv") for n, r in zip(c.names, c.runs)}
        with font_warnings(c.warnings):
            fig = plots.plot_compare_service_level(frames, tid, lang)
            png = plots.save_figure(fig, folder / "figures", f"compare_{tid}")[0]
        figures.append({"id": "", "uri": image_uri(png), "title": label("fig_compare_sl", lang),
                        "caption": f"{label('fig_compare_sl', lang)}: {target_name(tg, lang)}", "files": []})
    return {"lang": lang, "title": label("compare_title", lang), "verdict": c.verdict,
            "verdict_word": label("verdict", lang),
            "font_warnings": [label("font_warning", lang, message=w) for w in c.warnings],
            "options_word": label("options", lang), "options": options, "notes": c.notes,
            "plain_words": label("in_plain_words", lang), "sentences": list(zip(c.names, c.sentences)),
            "side_word": label("side_by_side", lang), "side": table([""] + list(c.names), rows),
            "diff_word": label("differences", lang, base=c.names[0]) if len(c.names) > 1 else "",
            "diffs": table([""] + list(c.names[1:]), diff_rows) if len(c.names) > 1 else None,
            "figures": figures}


def write_compare_page(c: Comparison, folder) -> Path:
    """Write ``folder/compare.html`` (and its figures) for a :class:`study.analysis.compare.Comparison`."""
    folder = Path(folder)
    context = compare_context(c, folder)
    path = folder / "compare.html"
    write_text_atomic(path, render("compare.html.j2", **context))
    return path
