"""Rendering pages from the Jinja2 templates in ``study/pages/templates/`` (autoescape on).

Python prepares the data (numbers formatted, words looked up in
:mod:`study.i18n`, tables as :class:`Table` of :class:`Cell`); the templates
hold the markup. Every value is escaped by Jinja2 when it is rendered: a
scenario label, a folder name or a ``compare --names`` option is text
wherever it appears, in elements and in attributes. Only the stylesheet and
the embedded figures (``data:`` URIs of PNG files this package wrote) are
marked safe.

Examples
--------
>>> html = render("base.html.j2", title="<b>", lang="en")
>>> "<title>&lt;b&gt;</title>" in html
True
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

_NUMERIC = re.compile(r"^[+\-]?\d[\d.,]*\s*(%|min|分钟|元)?(\s*\[.*\])?(\s*\(.*\))?$")


@dataclass
class Cell:
    """One table cell: its text, HTML attributes (``class``, ``data-*``; escaped when rendered), a status mark,
    and a scenario code shown before the text in ``<code>`` (``<code>police</code> 民警``)."""

    text: str
    attrs: dict = field(default_factory=dict)
    mark: str = ""
    code: str = ""


@dataclass
class Table:
    """A table for ``macros.html.j2``: headers (None: a key-value list), rows of cells, right-aligned columns."""

    headers: list[str] | None
    rows: list[list[Cell]]
    right: list[bool]


def numeric(value) -> bool:
    """A number, or text that reads as one (``12.5``, ``80.0%``, ``3.1 [2.9, 3.4]``): right-aligned in tables."""
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool) or \
        (isinstance(value, str) and bool(_NUMERIC.match(value)))


def coded(code, text: str = "", cls: str = "l") -> Cell:
    """A cell showing scenario code ``code`` in ``<code>``, then ``text`` (its label, if any)."""
    return Cell(str(text), {"class": cls}, code=str(code))


def cell(value, cls: str | None = None, mark: str = "", **data) -> Cell:
    """A cell with ``class=cls`` and ``data-<key>`` attributes (``data_key="cost"`` -> ``data-key="cost"``)."""
    attrs = {"class": cls} if cls else {}
    attrs.update({k.replace("_", "-"): ("" if v is None else str(v)) for k, v in data.items()})
    return Cell("-" if value is None else str(value), attrs, mark)


def table(headers, rows) -> Table:
    """A :class:`Table`: plain values become cells; numbers right-aligned, text left-aligned.

    ``headers=None`` gives a key-value list (read left to right, so nothing is
    right-aligned). A :class:`Cell` keeps its own class; its column is
    right-aligned unless the class says ``l``.
    """
    right: dict[int, bool] = {}
    out = []
    for row in rows:
        cells = []
        for i, c in enumerate(row):
            if isinstance(c, Cell):
                right.setdefault(i, not str(c.attrs.get("class", "")).startswith("l"))
                cells.append(c)
                continue
            is_number = numeric(c) and headers is not None
            right.setdefault(i, is_number or c in ("-", None))
            cells.append(cell(c) if is_number else cell(c, "l"))
        out.append(cells)
    width = len(headers) if headers is not None else max((len(r) for r in out), default=0)
    return Table(None if headers is None else [str(h) for h in headers], out, [bool(right.get(i)) for i in range(width)])


def image_uri(png: Path) -> Markup:
    """A PNG file as a ``data:`` URI (base64 is only letters, digits, ``+/=``: safe in an attribute)."""
    return Markup("data:image/png;base64," + base64.b64encode(Path(png).read_bytes()).decode("ascii"))


@cache
def stylesheet() -> Markup:
    """The pages' stylesheet (screen and print), from the package's ``templates/style.css``."""
    text = resources.files("study.pages").joinpath("templates", "style.css").read_text(encoding="utf-8")
    if "</" in text:  # the stylesheet goes inside <style>; it must not be able to close it
        raise ValueError("templates/style.css must not contain '</'")
    return Markup(text)


@cache
def environment() -> Environment:
    """The Jinja2 environment: package templates, autoescape on, undefined names are errors."""
    return Environment(loader=PackageLoader("study.pages", "templates"), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(template: str, **context) -> str:
    """Render ``template`` with ``context`` plus ``css`` (the stylesheet) and ``html_lang``."""
    lang = context.get("lang", "en")
    return environment().get_template(template).render(css=stylesheet(), html_lang="zh-CN" if lang == "zh" else "en",
                                                       **context)
