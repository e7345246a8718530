"""Reading a finished run folder: its manifest, summary and tables, checked on the way in.

A folder that is not a finished run (missing, unfinished, damaged) raises
:class:`NotARunError` with the reason; ``queueplan`` turns it into exit code 2.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.clock import format_clock, parse_clock

from .checks import DamagedFile, check_csv_text, check_frame, check_summary


class CompareError(Exception):
    """Run folders that cannot be read or compared (``queueplan`` exits with code 2)."""


class NotARunError(CompareError):
    """A folder that is not a finished run folder."""


@dataclass
class Run:
    """A finished run folder: its manifest, summary and tables (read on demand)."""

    path: Path
    manifest: dict
    summary: dict
    _frames: dict = field(default_factory=dict, repr=False)

    @property
    def scenario(self) -> dict:
        return self.manifest.get("scenario") or {}

    @property
    def seed(self):
        return self.manifest.get("seed")

    @property
    def replications(self) -> int:
        return int(self.manifest.get("replications") or 0)

    def has(self, name: str) -> bool:
        return (self.path / name).is_file()

    def frame(self, name: str, required: bool = True) -> pd.DataFrame | None:
        """The table ``name`` (``"targets.csv"``, ``"citizens.parquet"`` ...), or None if absent and not required."""
        if name not in self._frames:
            path = self.path / name
            if not path.is_file():
                if required:
                    raise NotARunError(f"{self.path} is an incomplete run folder: {name} is missing")
                return None
            try:
                if name.endswith(".parquet"):
                    frame = pd.read_parquet(path)
                else:
                    check_csv_text(path)
                    frame = pd.read_csv(path)
                check_frame(path, frame)
            except DamagedFile as exc:
                raise NotARunError(str(exc)) from None
            except (OSError, ValueError) as exc:
                raise NotARunError(f"{path} cannot be read: {exc}") from None
            self._frames[name] = frame
        return self._frames[name]

    def interval_grid(self) -> tuple[float | None, tuple[str, ...]]:
        """Interval length and the labels of the ticket-hour intervals, from the scenario."""
        hours = self.scenario.get("hours") or {}
        try:
            step = float(hours["interval_min"])
            open_min = parse_clock(hours["sessions"][0]["start"])
            last = parse_clock(hours.get("last_ticket") or hours["sessions"][-1]["end"])
        except (KeyError, IndexError, TypeError, ValueError):
            return None, tuple(r.get("interval") for r in self.summary.get("intervals", []))
        first, end = math.floor(open_min / step) * step, math.ceil(last / step) * step
        edges = np.arange(first, max(end, first + step) + step / 2, step)
        return step, tuple(f"{format_clock(max(a, open_min))}-{format_clock(min(b, last))}"
                           for a, b in zip(edges[:-1], edges[1:]))


def load_run(path, allow_partial: bool = False) -> Run:
    """Open a run folder written by ``queueplan run``; raise :class:`NotARunError` with the reason if it is not one.

    ``allow_partial`` accepts the temporary folder of a run being written
    (``study.runs.folders.run_folder``), so the report can be part of the atomic write.
    """
    path = Path(path)
    if not path.exists():
        raise NotARunError(f"{path} does not exist")
    if not path.is_dir():
        raise NotARunError(f"{path} is not a folder (give a run folder written by `queueplan run`)")
    if path.name.endswith(".partial") and not allow_partial:
        raise NotARunError(f"{path} is the temporary folder of an unfinished or interrupted run")
    data = {}
    for name in ("manifest.json", "summary.json"):
        file = path / name
        if not file.is_file():
            raise NotARunError(f"{path} is not a run folder: {name} is missing "
                               "(a run folder is written by `queueplan run`)")
        try:
            data[name] = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise NotARunError(f"{file} cannot be read as JSON: {exc}") from None
        if not isinstance(data[name], dict):
            raise NotARunError(f"{file} is not a run's {name}")
    for key in ("seed", "replications", "scenario"):
        if key not in data["manifest.json"]:
            raise NotARunError(f"{path}/manifest.json lacks '{key}'; is this a run folder?")
    if not isinstance(data["manifest.json"]["scenario"], dict):
        raise NotARunError(f"{path}/manifest.json is damaged: 'scenario' is not a scenario")
    try:
        check_summary(path / "summary.json", data["summary.json"])
    except DamagedFile as exc:
        raise NotARunError(str(exc)) from None
    return Run(path, data["manifest.json"], data["summary.json"])
