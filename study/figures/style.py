"""The look of queueplan figures: palette, line styles, fonts with a CJK fallback, clock axes, saving.

Series differ by colour (Okabe-Ito, colour-blind safe) *and* by line style
and marker, bands by hatching, so figures read in greyscale. Fonts: DejaVu
Sans for Latin text with a CJK fallback (:data:`CJK_FONTS`, the first
installed one); with ``lang="zh"`` and no CJK font installed, a
:class:`MissingFontWarning` says so (Chinese text would render as empty boxes).
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers; figures are written to files

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import matplotlib.image  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MultipleLocator  # noqa: E402

from sim.clock import format_clock, parse_clock  # noqa: E402

from ..i18n import check_lang  # noqa: E402

ALL = "*"
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei",
             "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC",
             "Droid Sans Fallback", "AR PL UMing CN", "Noto Sans CJK JP")
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#666666", "#117733",
           "#332288")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1.5, 1, 1.5, 1, 1.5)), (0, (8, 2)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")
HATCHES = ("//", "\\\\", "..", "xx", "--", "++")
STATUS_COLOURS = {"ok": "#009E73", "~": "#E69F00", "MISS": "#D55E00"}


class MissingFontWarning(UserWarning):
    """Chinese labels were asked for but no CJK font is installed."""


def series_style(i: int) -> dict:
    """Colour, line style and marker of the ``i``-th series (distinct in greyscale too)."""
    return {"color": PALETTE[i % len(PALETTE)], "linestyle": LINESTYLES[i % len(LINESTYLES)],
            "marker": MARKERS[i % len(MARKERS)]}


_font_rescanned = False


def cjk_fonts() -> list[str]:
    """Installed CJK font families from :data:`CJK_FONTS`, in preference order.

    Matplotlib caches the font list; a font installed after the cache was
    built is found by rescanning the system font folders once.
    """
    global _font_rescanned
    names = {f.name for f in font_manager.fontManager.ttflist}
    found = [n for n in CJK_FONTS if n in names]
    if not found and not _font_rescanned:
        _font_rescanned = True
        known = {f.fname for f in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        names = {f.name for f in font_manager.fontManager.ttflist}
        found = [n for n in CJK_FONTS if n in names]
    return found


def missing_font_message() -> str:
    return ("no CJK font is installed (looked for " + ", ".join(CJK_FONTS[:6]) + " ...): Chinese labels in figures "
            "will show as empty boxes; install one, e.g. `apt-get install fonts-noto-cjk` or `fonts-wqy-microhei`")


@contextmanager
def figure_style(lang: str = "en"):
    """Matplotlib settings of queueplan figures (fonts with CJK fallback, grid, SVG text as paths)."""
    check_lang(lang)
    cjk = cjk_fonts()
    if lang == "zh" and not cjk:
        warnings.warn(missing_font_message(), MissingFontWarning, stacklevel=4)  # the caller of plot_*
    # scenario codes are ASCII, so English figures need no CJK fallback (font fallback slows text layout)
    families = (cjk[:1] + ["DejaVu Sans"]) if lang == "zh" else ["DejaVu Sans"]
    rc = {"font.family": families, "font.size": 9, "axes.grid": True, "grid.alpha": 0.3,
          "axes.spines.top": False, "axes.spines.right": False, "svg.fonttype": "path", "figure.dpi": 100,
          "legend.fontsize": 8, "legend.frameon": False, "hatch.linewidth": 0.6}
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        if lang == "zh" and not cjk:  # one clear warning instead of one per missing glyph
            warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        yield


def _axes(ax, figsize):
    """``(figure, axes, own)``: a new figure laid out by matplotlib, or the caller's ``ax`` and its figure."""
    if ax is not None:
        return ax.figure, ax, False
    fig = Figure(figsize=figsize, layout="constrained")   # not pyplot's: nothing to close, no pyplot import
    return fig, fig.subplots(), True


def _panels(ax, names: list, figsize, what: str):
    """``(figure, axes, own)`` for one panel per name: new panels stacked (shared x), or the caller's ``ax``.

    ``ax`` is a sequence of exactly ``len(names)`` axes (one per panel, in
    order); a single ``Axes`` is taken for a single panel.
    """
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0], True
    axes = np.array([ax] if hasattr(ax, "plot") else list(np.ravel(np.asarray(ax, dtype=object))), dtype=object)
    if len(axes) != len(names):
        raise ValueError(f"{what} draws {len(names)} panel(s) ({', '.join(map(str, names))}); "
                         f"ax= holds {len(axes)} axes")
    return axes[0].figure, axes, False


def figure_of(drawn) -> Figure:
    """The figure of what a ``plot_*`` function returned (an ``Axes`` or an array of them), or of a ``Figure``."""
    if isinstance(drawn, Figure):
        return drawn
    if hasattr(drawn, "figure") and hasattr(drawn, "plot"):
        return drawn.figure
    return np.ravel(np.asarray(drawn, dtype=object))[0].figure


SAVE_DPI = 120   # the resolution figures are rendered and saved at


def _finish(fig: Figure, own: bool = True) -> Figure:
    """Draw ``fig`` once, inside :func:`figure_style`, so that its lazily made tick labels take its fonts.

    A figure of our own is rendered with Agg at :data:`SAVE_DPI`: that one draw lays it out and paints
    it, and :func:`save_figure` writes those pixels as the PNG unless the figure changed since (one
    draw per figure instead of a layout pass and then a second, painting draw). A caller's figure
    (drawn on with ``ax=``) is only laid out and keeps its layout engine and resolution.
    """
    if not own:
        fig.draw_without_rendering()
        return fig
    fig.set_dpi(SAVE_DPI)
    FigureCanvasAgg(fig).draw()
    fig.set_layout_engine("none")   # the layout is done; a later draw (SVG, a notebook) reuses it
    return fig


def _painted(fig: Figure, dpi: int) -> bool:
    """True when ``fig``'s Agg canvas holds its current look at ``dpi`` (drawn, not changed since)."""
    canvas = fig.canvas
    return (isinstance(canvas, FigureCanvasAgg) and getattr(canvas, "renderer", None) is not None
            and not fig.stale and fig.dpi == dpi)


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {', '.join(columns)}; missing {', '.join(missing)}")


def _clock_axis(ax, lo: float, hi: float) -> None:
    span = hi - lo
    ax.xaxis.set_major_locator(MultipleLocator(60 if span <= 12 * 60 else 120))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: format_clock(x)))
    ax.set_xlim(lo, hi)


def _step_of(starts) -> float:
    d = np.diff(np.unique(np.asarray(starts, dtype=float)))
    return float(d[d > 0].min()) if (d > 0).any() else 60.0


def _gapped(x: np.ndarray, ys: list[np.ndarray], step: float):
    """Insert NaN between points more than one ``step`` apart, so lines break over lunch."""
    x = np.asarray(x, dtype=float)
    if len(x) < 2:
        return x, ys
    cut = np.flatnonzero(np.diff(x) > step * 1.01) + 1
    return np.insert(x, cut, np.nan), [np.insert(np.asarray(y, dtype=float), cut, np.nan) for y in ys]


def _interval_mid(frame: pd.DataFrame, step: float) -> np.ndarray:
    """Midpoints of the intervals: from labels "08:30-09:00" (clipped to opening hours) when present."""
    out = frame["interval_start_min"].to_numpy(float) + step / 2
    for k, text in enumerate(frame["interval"].astype(str)):
        try:
            a, b = (parse_clock(p) for p in text.split("-"))
            out[k] = (a + b) / 2
        except ValueError:
            continue
    return out


def save_figure(fig, folder, name: str, formats=("png",), dpi: int = SAVE_DPI) -> list[Path]:
    """Write ``fig`` as ``folder/name.png`` (and ``.svg`` if ``formats`` holds it; each atomically); return the paths.

    ``fig`` is a ``Figure`` or what a ``plot_*`` function returned (its axes: the figure they are on is saved).

    PNG only by default: the page embeds the PNG, and the SVG took about a
    quarter of a run's report time (``queueplan report RUN --svg`` adds it).

    The figures of the ``plot_*`` functions are plain ``Figure`` objects (not pyplot's), freed when
    no longer referenced; a figure a caller made with pyplot is the caller's to close.
    """
    fig = figure_of(fig)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")  # warned once by figure_style
        for ext in formats:
            final = folder / f"{name}.{ext}"
            tmp = folder / f".{name}.{ext}.tmp"
            try:
                if ext == "png" and _painted(fig, dpi):   # the pixels of _finish's draw, as savefig would write them
                    matplotlib.image.imsave(tmp, np.asarray(fig.canvas.buffer_rgba()), format="png", origin="upper",
                                            dpi=dpi)
                else:
                    fig.savefig(tmp, format=ext, dpi=dpi, metadata={"Date": None} if ext == "svg" else None)
                os.replace(tmp, final)
            finally:
                tmp.unlink(missing_ok=True)
            paths.append(final)
            fig.set_layout_engine("none")  # the layout is done; the next format reuses it
    return paths
