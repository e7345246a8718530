"""The requirements table: offered loads and staff needed per planning period, station and skill.

Built by :func:`optimise.requirements.compute_requirements` (stationary,
time-varying or transient); read by the MILP and the repair loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from sim.clock import format_clock


@dataclass(frozen=True)
class Requirements:
    """Offered loads and staff needed per planning period, station and skill.

    Arrays are indexed by period (``period_start_min``); ``load`` and
    ``skill_staff`` by ``(station, skill)``, ``pooled_load`` and
    ``pooled_staff`` by station. ``adjust[(station, interval)]`` holds the
    simulate-and-repair corrections of the pooled staff (``interval`` is the
    reporting-interval start, minutes).
    """

    method: str
    grid_min: int
    period_start_min: np.ndarray
    period_interval_min: np.ndarray           # start of the reporting interval holding each period
    load: dict[tuple[str, str], np.ndarray]
    skill_staff: dict[tuple[str, str], np.ndarray]
    pooled_load: dict[str, np.ndarray]
    pooled_staff: dict[str, np.ndarray]
    adjust: dict[tuple[str, float], int] = field(default_factory=dict)
    period_kind: np.ndarray | None = None     # "ticket" (tickets issued) or "drain" (after a session; see above)

    def kinds(self) -> np.ndarray:
        return self.period_kind if self.period_kind is not None else np.full(len(self.period_start_min), "ticket")

    @property
    def stations(self) -> list[str]:
        return list(self.pooled_load)

    def skills(self, station: str) -> list[str]:
        return [k for s, k in self.load if s == station]

    def station_target(self, station: str) -> np.ndarray:
        """Staff to have on duty at ``station`` in each period (integer)."""
        base = self.pooled_staff[station].astype(int)
        load = self.pooled_load[station]
        delta = np.array([self.adjust.get((station, float(iv)), 0) for iv in self.period_interval_min], dtype=int)
        floor = np.where(load > 1e-9, np.maximum(1, np.ceil(load - 1e-9)), 0).astype(int)
        target = np.where(base > 0, np.maximum(base + delta, floor), 0)
        return target

    def skill_targets(self, station: str) -> dict[str, np.ndarray]:
        """Standard-speed staff to allocate to each skill at ``station`` per period (fractional)."""
        target = self.station_target(station)
        skills = self.skills(station)
        # Skills peak at different moments of a period: scale their peaks to the station's coincident peak.
        peaks = sum(self.load[(station, k)] for k in skills)
        scale = np.divide(self.pooled_load[station], peaks, out=np.ones_like(peaks), where=peaks > self.pooled_load[station])
        loads = {k: self.load[(station, k)] * scale for k in skills}
        safety = {k: np.maximum(self.skill_staff[(station, k)] - loads[k], 0.0) for k in skills}
        total_load = sum(loads.values())
        total_safety = sum(safety.values())
        spare = np.maximum(target - total_load, 0.0)
        share = {k: np.divide(safety[k], total_safety, out=np.zeros_like(total_load), where=total_safety > 0)
                 for k in skills}
        return {k: np.where(target > 0, loads[k] + spare * share[k], 0.0) for k in skills}

    def with_adjust(self, station: str, interval_min: float, delta: int) -> "Requirements":
        adjust = dict(self.adjust)
        adjust[(station, float(interval_min))] = adjust.get((station, float(interval_min)), 0) + delta
        return replace(self, adjust={k: v for k, v in adjust.items() if v})

    def by_interval(self) -> pd.DataFrame:
        """Largest pooled staff target per station and reporting interval."""
        rows = []
        for s in self.stations:
            target = self.station_target(s)
            for iv in np.unique(self.period_interval_min):
                sel = self.period_interval_min == iv
                rows.append({"interval_start_min": iv, "station": s, "load": float(self.pooled_load[s][sel].max()),
                             "staff": int(self.pooled_staff[s][sel].max()), "target": int(target[sel].max()),
                             "adjust": self.adjust.get((s, float(iv)), 0)})
        return pd.DataFrame(rows)

    def frame(self) -> pd.DataFrame:
        """Tidy table: one row per period, station and skill (``skill == "*"``: the pooled station)."""
        rows = []
        for s in self.stations:
            target, targets = self.station_target(s), self.skill_targets(s)
            for i, t in enumerate(self.period_start_min):
                kind = self.kinds()[i]
                rows.append((format_clock(t), t, kind, s, "*", self.pooled_load[s][i], int(self.pooled_staff[s][i]),
                             float(target[i])))
                for k in self.skills(s):
                    rows.append((format_clock(t), t, kind, s, k, self.load[(s, k)][i],
                                 int(self.skill_staff[(s, k)][i]), float(targets[k][i])))
        return pd.DataFrame(rows, columns=["period", "period_start_min", "kind", "station", "skill", "load",
                                           "staff_alone", "target"])
