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
from .render import stylesheet

CSS = stylesheet()  # templates/style.css: one stylesheet for the template pages and these

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
