"""Write a finished experiment into its run folder.

Files
-----
manifest.json            resolved scenario and hash, seed, replications, versions, git commit, wall time
summary.json             headline numbers, targets and per-interval table (as ``queueplan run --json`` prints)
intervals.csv            per interval x service type x class, over replications: means and 95% CIs
targets.csv              every target in every interval: estimate, CI, met / met with confidence
replications.csv         per replication x interval x service type x class: counts, waits, service levels
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

from pathlib import Path

import pandas as pd

from sim.experiment import ExperimentResult

from .results import manifest, run_folder, write_json
from .summary import summary_dict


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format="%.6g")


def write_run(result: ExperimentResult, final_dir: Path, source: str | None, workers: int,
              command: list[str] | None = None, lang: str = "en", report: bool = True,
              warn=lambda message: None) -> dict:
    """Write every table of ``result`` into ``final_dir`` atomically; return the summary dict.

    With ``report``, ``report.html`` and ``figures/`` are written too; a
    figure that cannot be drawn is reported through ``warn`` and never costs
    the run its tables (``queueplan report DIR`` draws them again).
    """
    summary = summary_dict(result, str(final_dir))
    s = result.summary()
    with run_folder(final_dir) as tmp:
        write_json(tmp / "manifest.json", manifest(result.scenario, source, result.seed, result.replications,
                                                   workers, result.wall_time_s, command))
        write_json(tmp / "summary.json", summary)
        _csv(s["citizens"], tmp / "intervals.csv")
        _csv(s["targets"], tmp / "targets.csv")
        _csv(result.tables["citizens"], tmp / "replications.csv")
        _csv(s["staff"], tmp / "staff.csv")
        _csv(result.tables["staff"], tmp / "staff_replications.csv")
        _csv(s["steps"], tmp / "steps.csv")
        if "appointments" in s:
            _csv(s["appointments"], tmp / "appointments.csv")
        _csv(s["staff_interval"], tmp / "staff_intervals.csv")
        _csv(s["queue"], tmp / "queue_intervals.csv")
        _csv(result.tables["queue_grid"], tmp / "queue_grid.csv")
        if result.logs is not None:
            pd.concat([log.citizens_frame() for log in result.logs], ignore_index=True).to_parquet(
                tmp / "citizens.parquet", index=False)
            pd.concat([log.to_frame() for log in result.logs], ignore_index=True).to_parquet(
                tmp / "events.parquet", index=False)
        if report:
            from .report import write_report

            try:
                for message in write_report(tmp, lang).warnings:
                    warn(message)
            except Exception as exc:  # noqa: BLE001 - the tables are the result; the report can be redrawn
                warn(f"the report could not be written ({type(exc).__name__}: {exc}); "
                     f"the tables are complete: run `queueplan report {final_dir}` to retry")
    return summary
