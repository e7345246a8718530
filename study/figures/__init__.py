"""Figures from KPI frames (the tables of a run folder), never from the model.

Every ``plot_*`` function takes pandas frames as written to a run folder (or
as returned by ``ExperimentResult.summary()`` / ``.tables``), the scenario's
targets as they are, and ``ax=``: the axes to draw on (for the multi-panel
:func:`plot_queue` and :func:`plot_staffing`, a sequence of axes, one per
panel), else a new figure is made. Each returns the ``Axes`` it drew on
(those two: an array of them); :func:`figure_of` gives their figure and
:func:`save_figure` writes it as PNG (and SVG).

Conventions
-----------
* Time of day is on the x axis in clock time; waits are in minutes; service
  levels and utilisation in percent.
* Series differ by colour (Okabe-Ito, colour-blind safe) *and* by line style
  and marker, bands by hatching, so figures read in greyscale.
* ``lang="zh"`` gives Chinese titles and labels. Fonts: DejaVu Sans for Latin
  text with a CJK fallback (:data:`CJK_FONTS`, the first installed one). With
  ``lang="zh"`` and no CJK font installed, a :class:`MissingFontWarning` says
  so (Chinese text would render as empty boxes).

Modules: :mod:`.style` (palette, fonts, saving), :mod:`.waits`,
:mod:`.wait_histogram`, :mod:`.day` (interval-by-interval figures of a day),
:mod:`.options` (optimiser iterations, options side by side). Every
``plot_*`` function is importable from here.
"""

from . import style  # noqa: F401 (first: it selects the Agg backend; pyplot is never imported)
from .day import plot_queue, plot_service_level, plot_staffing, plot_time_in_system, plot_utilisation
from .options import plot_compare_service_level, plot_iterations
from .style import (ALL, CJK_FONTS, HATCHES, PALETTE, STATUS_COLOURS, MissingFontWarning, cjk_fonts, figure_of,
                    figure_style, missing_font_message, save_figure, series_style)
from .wait_histogram import plot_wait_histogram, pooled_cdf
from .waits import _ticketed_waits, plot_wait_cdf, plot_wait_percentiles, wait_curves_figure

__all__ = ["ALL", "CJK_FONTS", "HATCHES", "PALETTE", "STATUS_COLOURS", "MissingFontWarning", "cjk_fonts",
           "figure_of", "figure_style", "missing_font_message", "save_figure", "series_style", "plot_wait_cdf",
           "plot_wait_percentiles", "wait_curves_figure", "plot_wait_histogram", "pooled_cdf", "plot_service_level",
           "plot_queue", "plot_staffing", "plot_utilisation", "plot_time_in_system", "plot_iterations",
           "plot_compare_service_level", "_ticketed_waits"]
