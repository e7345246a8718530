"""Checks that a run folder's files are whole before a page is drawn from them.

``queueplan report`` and ``queueplan compare`` read folders that may have
been damaged since they were written (edited by hand, copied halfway, a file
cut short). Each check names the file that is wrong; the caller turns it into
``error: ...`` and exit code 2, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SUMMARY_SHAPE = {"day": dict, "targets": list, "intervals": list, "staff": list}
COLUMNS = {
    "intervals.csv": ("interval", "interval_start_min", "service_type", "class", "tickets", "served", "abandoned",
                      "unserved", "turned_away", "wait_mean_min"),
    "targets.csv": ("target", "interval", "interval_start_min", "estimate", "lo", "hi", "met", "met_confident"),
    "replications.csv": ("rep", "interval", "service_type", "class", "tickets", "abandoned", "wait_sum_min"),
    "staff.csv": ("staff_type", "station", "staff", "utilisation"),
    "staff_intervals.csv": ("interval_start_min", "staff_type", "utilisation"),
    "staff_replications.csv": ("rep", "staff_type"),
    "queue_grid.csv": ("rep", "station", "t_min", "waiting"),
}


class DamagedFile(ValueError):
    """A file of a run folder that is cut short, or lacks what a run writes into it."""


def check_summary(path: Path, data: dict) -> None:
    for key, kind in SUMMARY_SHAPE.items():
        if not isinstance(data.get(key), kind):
            raise DamagedFile(f"{path} is damaged: '{key}' is missing or not a {kind.__name__}")
    for i, row in enumerate(data["targets"]):
        if not isinstance(row, dict) or not {"id", "met_all", "met_all_confident", "results"} <= set(row):
            raise DamagedFile(f"{path} is damaged: targets[{i}] is not a target result")


def check_csv_text(path: Path) -> None:
    """A CSV written by a run ends with a newline; one that does not was cut short."""
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        if size == 0:
            raise DamagedFile(f"{path} is damaged: the file is empty")
        f.seek(size - 1)
        if f.read(1) != b"\n":
            raise DamagedFile(f"{path} is damaged: it ends in the middle of a line (cut short?)")


def check_frame(path: Path, frame: pd.DataFrame) -> None:
    missing = [c for c in COLUMNS.get(path.name, ()) if c not in frame.columns]
    if missing:
        raise DamagedFile(f"{path} is damaged: it lacks the column(s) {', '.join(missing)}")
