"""``queueplan compare RUN_DIR... [--out DIR] [--lang en|zh]`` and ``queueplan report RUN_DIR [--lang en|zh]``.

Wiring in :mod:`study.cli`::

    from .commands import compare as compare_cmd
    compare_cmd.add_parser(sub)          # adds "compare"
    compare_cmd.add_report_parser(sub)   # adds "report" (rewrite report.html of a run folder)
    handlers["compare"] = compare_cmd.run
    handlers["report"] = compare_cmd.run_report

Both return 0 on success and 2 (with ``error: ...`` on standard error) for a
folder that is not a run, runs that cannot be compared, or an output folder
that already exists; nothing is left half-written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..i18n import LANGUAGES

EXIT_BAD_INPUT = 2


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``compare`` command to ``subparsers`` (of ``argparse``)."""
    p = subparsers.add_parser("compare", help="compare run folders (staffing options) side by side",
                              description="Compare run folders side by side; the first is the baseline. Writes "
                                          "comparison.csv and compare.html into a new folder.")
    p.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="run folders written by `queueplan run`")
    p.add_argument("--out", type=Path, help="folder to create (default: results/comparisons/<time>)")
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the page (default en)")
    p.add_argument("--names", help="comma-separated option names (default A, B, C ...)")
    return p


def add_report_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``report`` command: (re)write ``report.html`` and ``figures/`` of a run folder."""
    p = subparsers.add_parser("report", help="write the HTML report of a run folder (e.g. in another language)")
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="run folder written by `queueplan run`")
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the report (default en)")
    p.add_argument("--svg", action="store_true", help="also write every figure as SVG (vector, for print and papers)")
    return p


def _default_out() -> Path:
    base = Path("results") / "comparisons" / time.strftime("%Y%m%d-%H%M%S")
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def run(args) -> int:
    """Run ``queueplan compare``; return the exit code."""
    from ..runs.folders import RunFolderError
    from ..runs.load import CompareError
    from ..runs.write_compare import compare_runs

    names = [n.strip() for n in args.names.split(",")] if getattr(args, "names", None) else None
    if names is not None and len(names) != len(args.run_dirs):
        print(f"error: --names gives {len(names)} names for {len(args.run_dirs)} run folders", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = args.out or _default_out()
    try:
        c = compare_runs(args.run_dirs, out, lang=args.lang, names=names)
    except (CompareError, RunFolderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
        print(f"error: {', '.join(map(str, args.run_dirs))}: a results file is damaged or from another version "
              f"({type(exc).__name__}: {exc}); nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    for message in c.warnings:
        print(f"warning: {message}", file=sys.stderr)
    for note in c.notes:
        print(note)
    for sentence in c.sentences:
        print(sentence)
    print(f"\nComparison: {out / 'compare.html'} ({out / 'comparison.csv'})")
    return 0


def run_report(args) -> int:
    """Run ``queueplan report``; return the exit code."""
    from ..runs.write import write_report_with_progress as write_report
    from ..runs.load import CompareError

    try:
        report = write_report(args.run_dir, lang=args.lang, svg=args.svg)
    except CompareError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
        print(f"error: {args.run_dir}: a results file is damaged or from another version "
              f"({type(exc).__name__}: {exc}); report.html was not rewritten", file=sys.stderr)
        return EXIT_BAD_INPUT
    for message in report.warnings:
        print(f"warning: {message}", file=sys.stderr)
    print(f"Report: {report.path}")
    return 0
