"""Write a finished experiment into its run folder.

Files
-----
manifest.json            resolved scenario and hash, seed, replications, versions, git commit, wall time
summary.json             headline numbers, targets and per-interval table (as ``queueplan run --json`` prints)
results.xlsx             the key tables (targets, roster, staff) as one workbook with Chinese column names
                         (:mod:`study.tables.workbook`)
intervals.csv            per interval x service type x class, over replications: means and 95% CIs
targets.csv              every target in every interval: estimate, CI, met / met with confidence
replications.csv         per replication x interval x service type x class: counts, waits, service levels
                         (written 100 replications at a time; its wait_pNN_min are each day's own percentiles)
wait_histogram.csv       pooled waits of the whole day over all replications, all service types and each one:
                         bins [wait_lo_min, wait_hi_min) (0..0 holds waits exactly 0) with the ticketed
                         citizens whose wait fell in it (censored waits included) and those called after it
staff.csv                per staff type and station: utilisation, overtime, cost, staffed share (with CIs)
staff_replications.csv   the same per replication (for paired comparisons of cost and overtime)
staff_intervals.csv      staff on duty and utilisation per interval, staff type and station
steps.csv                wait per step of each route (queue join to call), with CIs
appointments.csv         appointments: booked, no-shows, on time, share called within the promise (if any)
queue_intervals.csv      queue length per interval and station (time average and maximum)
queue_grid.csv           number waiting every 5 minutes, per replication and station
citizens.parquet         one row per citizen and replication (outcome, ticket, wait, leave)
events.parquet           one row per event (arrive, ticket, start, end, abandon, unserved, turned_away)
report.html, figures/    the self-contained HTML report and its figures (PNG and SVG)

The two Parquet files are written only when the event logs were kept
(``queueplan run --events``).
"""

from __future__ import annotations

import errno
from pathlib import Path

import pandas as pd

import numpy as np

from sim import histogram
from sim.experiment import ExperimentResult

from ..analysis.summary import summary_dict
from ..tables.workbook import write_workbook
from .folders import manifest, run_folder, write_json


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format="%.6g")


CHUNK_REPS = 100


def _csv_in_chunks(result: ExperimentResult, name: str, path: Path) -> None:
    """Write per-replication table ``name`` a slice of replications at a time (memory stays flat)."""
    with open(path, "w", newline="") as f:
        for lo in range(0, result.replications, CHUNK_REPS):
            frame = result.store.frame(name, slice(lo, lo + CHUNK_REPS))
            frame.to_csv(f, index=False, header=lo == 0, float_format="%.6g")


def wait_histogram_frame(result: ExperimentResult) -> pd.DataFrame:
    """Non-empty bins of the pooled whole-day wait histograms: all service types (``*``) and each one.

    ``citizens``: ticketed citizens whose wait (censored at leaving for those
    never called) falls in the bin; ``called``: those called at the first
    step after a wait in the bin.
    """
    keys = result.store.keys["citizens"]
    rows = np.flatnonzero((keys["interval"] == "day") & (keys["class"] == "*"))
    lower = np.concatenate([[0.0, 0.0], histogram.EDGES[:-1]])
    upper = np.concatenate([[0.0], histogram.EDGES])
    parts = []
    for r in rows:
        counts, called = result.wait_hist[r], result.store.called_hist[r]
        nz = np.flatnonzero(counts + called)
        if len(nz):
            parts.append(pd.DataFrame({"service_type": keys["service_type"][r], "wait_lo_min": lower[nz],
                                       "wait_hi_min": upper[nz], "citizens": counts[nz], "called": called[nz]}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["service_type", "wait_lo_min", "wait_hi_min", "citizens", "called"])


def write_run_tables(result: ExperimentResult, folder: Path, final_dir: Path, source: str | None, workers: int,
                     command: list[str] | None = None) -> dict:
    """Write the manifest, summary and every table of ``result`` into ``folder``; return the summary dict.

    ``folder`` is the temporary folder of an atomic write that becomes ``final_dir``.
    """
    summary = summary_dict(result, str(final_dir))
    s = result.summary()
    write_json(folder / "manifest.json", manifest(result.scenario, source, result.seed, result.replications,
                                                  workers, result.wall_time_s, command))
    write_json(folder / "summary.json", summary)
    _csv(s["citizens"], folder / "intervals.csv")
    _csv(s["targets"], folder / "targets.csv")
    _csv_in_chunks(result, "citizens", folder / "replications.csv")
    if result.wait_hist is not None:
        wait_histogram_frame(result).to_csv(folder / "wait_histogram.csv", index=False, float_format="%.9g")
    _csv(s["staff"], folder / "staff.csv")
    _csv_in_chunks(result, "staff", folder / "staff_replications.csv")
    _csv(s["steps"], folder / "steps.csv")
    if "appointments" in s:
        _csv(s["appointments"], folder / "appointments.csv")
    _csv(s["staff_interval"], folder / "staff_intervals.csv")
    _csv(s["queue"], folder / "queue_intervals.csv")
    _csv_in_chunks(result, "queue_grid", folder / "queue_grid.csv")
    if result.logs is not None:
        pd.concat([log.citizens_frame() for log in result.logs], ignore_index=True).to_parquet(
            folder / "citizens.parquet", index=False)
        pd.concat([log.to_frame() for log in result.logs], ignore_index=True).to_parquet(
            folder / "events.parquet", index=False)
    return summary


def write_report_with_progress(folder, lang: str = "en", svg: bool = False):
    """:func:`study.pages.run_report.write_report` with a progress bar of the figures on standard error (a terminal).

    Returns the :class:`study.pages.run_report.Report`.
    """
    import sys

    from tqdm import tqdm

    from ..pages.run_report import write_report

    def step(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.set_postfix_str(name, refresh=False)
        bar.update(done - bar.n)

    with tqdm(desc="report", unit="figure", file=sys.stderr, disable=None, leave=False) as bar:
        return write_report(folder, lang, progress=step, svg=svg)


def write_report_or_warn(folder: Path, final_dir: Path, lang: str, warn) -> None:
    """Draw ``report.html`` and the figures into ``folder``; a failure is a warning, never a lost run."""
    try:
        for message in write_report_with_progress(folder, lang).warnings:
            warn(message)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):  # a full disk fails the run with a clear message
            raise
        warn(f"the report could not be written ({type(exc).__name__}: {exc}); "
             f"the tables are complete: run `queueplan report {final_dir}` to retry")
    except Exception as exc:  # noqa: BLE001 - the tables are the result; the report can be redrawn
        warn(f"the report could not be written ({type(exc).__name__}: {exc}); "
             f"the tables are complete: run `queueplan report {final_dir}` to retry")


def write_run(result: ExperimentResult, final_dir: Path, source: str | None, workers: int,
              command: list[str] | None = None, lang: str = "en", report: bool = True,
              warn=lambda message: None) -> dict:
    """Write every table of ``result`` into ``final_dir`` atomically; return the summary dict.

    With ``report``, ``report.html`` and ``figures/`` are written too; a
    figure that cannot be drawn is reported through ``warn`` and never costs
    the run its tables (``queueplan report DIR`` draws them again).
    """
    with run_folder(final_dir) as tmp:
        summary = write_run_tables(result, tmp, final_dir, source, workers, command)
        write_workbook(tmp, lang, result.scenario.name)
        if report:
            write_report_or_warn(tmp, final_dir, lang, warn)
    return summary
