"""Small helpers of queueplan's HTML pages: numbers as text, target descriptions, status classes, atomic writes.

Pages are single self-contained files: CSS inline, figures embedded as PNG
data URIs, no scripts and nothing fetched from the network, so they open
from a USB stick or an e-mail attachment. Every page is rendered from a
Jinja2 template with autoescape on (:mod:`study.pages.render`); display
words come from :mod:`study.i18n`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..i18n import label
from ..names import target_definition

STATUS_CLASS = {"ok": "ok", "~": "close", "MISS": "miss"}
STATUS_KEY = {"ok": "status_ok", "~": "status_close", "MISS": "status_miss"}


def num(x, digits: int = 1, unit: str = "") -> str:
    """``x`` rounded to ``digits`` (``-`` when missing)."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    return f"{float(x):.{digits}f}{unit}"


def pct(x, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "-"
    return f"{100 * float(x):.{digits}f}%"


def write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def target_text(t: dict, lang: str, scenario: dict | None = None) -> str:
    """The definition of target ``t`` (:func:`study.names.target_definition`) and its scope, e.g. "80% called
    within 20 min in every interval"."""
    return target_definition(t, lang, scenario) + label("scope_day" if t.get("scope") == "day" else "scope_interval",
                                                        lang)
