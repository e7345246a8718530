"""A comparison folder: ``comparison.csv``, ``compare.html`` and its figures, written atomically."""

from __future__ import annotations

from pathlib import Path

from ..analysis.compare import Comparison, compare
from ..pages.compare_page import write_compare_page
from ..tables.workbook import write_workbook
from .folders import run_folder


def compare_runs(run_dirs, out_dir, lang: str = "en", names: list[str] | None = None) -> Comparison:
    """Compare run folders and write ``out_dir`` (comparison.csv, compare.html, figures/) atomically.

    Raises :class:`study.runs.load.CompareError` (not a run, different intervals) before
    anything is written, and ``RunFolderError`` if ``out_dir`` exists.
    """
    c = compare(run_dirs, lang, names)
    out_dir = Path(out_dir)
    with run_folder(out_dir) as tmp:
        c.table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6g")
        write_workbook(tmp, lang)
        write_compare_page(c, tmp)
    c.out_dir = out_dir
    return c
