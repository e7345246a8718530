"""Building blocks of queueplan's HTML pages: stylesheet, escaping, tables, the page shell, atomic writes.

Pages are single self-contained files: CSS inline, figures embedded as PNG
data URIs, no scripts and nothing fetched from the network, so they open
from a USB stick or an e-mail attachment. Text is escaped with
``html.escape``; display words come from :mod:`study.i18n`.
"""

from __future__ import annotations

import base64
import html
import os
import re
from pathlib import Path

import numpy as np

from ..i18n import label

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
