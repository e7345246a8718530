"""Simulated days written as a ticket-system export (the layout of :mod:`.schema`).

Each simulated day (one replication of a one-day scenario) becomes the rows
a ticket-calling system would log:

* one row per step served: issue time, call (start of the step), finish
  (end of the step), window (``station-N``), staff, step number, status
  ``served``;
* a citizen who left before the first call: one row, status ``no_show``
  (过号), call time = the time they left (the simulator knows it exactly;
  a real system logs the drop or the recall, see the README);
* a citizen still waiting at the hard stop: a row ``unserved`` without call;
* a booked appointment nobody came for: a row ``no_show`` with the slot and
  no issue time (reconstructed from the day's ``appointments`` stream, so
  the counts equal the simulator's).

Turned-away citizens never got a ticket and do not appear. Several weeks are
simulated by :func:`simulate_days`: day *d* is replication *d* of the
scenario with ``daily_volume`` scaled by the weekday factor and trend of
that date (the one-day scenario has no horizon yet).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.arrivals import appointment_slot_starts
from sim.eventlog import ABANDONED, TURNED_AWAY, UNSERVED, EventLog
from sim.run import run_replication
from sim.scenario import Scenario
from sim.streams import stream

from .schema import CANCELLED, NO_SHOW, SERVED, UNSERVED as UNSERVED_STATUS, ZH_HEADERS, ZH_STATUS  # noqa: F401

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _clock(day: dt.date, minutes: np.ndarray) -> list[str]:
    base = pd.Timestamp(day)
    out = []
    for m in minutes:
        out.append("" if np.isnan(m) else (base + pd.Timedelta(seconds=round(float(m) * 60))).strftime("%Y-%m-%d %H:%M:%S"))
    return out


def _hhmm(minutes: float) -> str:
    if np.isnan(minutes):
        return ""
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def missed_appointments(scenario: Scenario, seed: int, replication: int) -> list[tuple[float, str]]:
    """Booked places nobody came for: ``(slot_min, service)``, redrawn from the day's stream.

    Repeats the two binomial draws of :func:`sim.arrivals.appointment_arrivals`
    on the same ``appointments`` stream, so the result matches the simulated day.
    """
    a = scenario.appointments
    if a is None:
        return []
    codes = tuple(scenario.services)
    rng = stream(seed, replication, "appointments")
    starts = appointment_slot_starts(scenario)
    capacity = np.array([a.capacity_per_slot.get(c, 0) for c in codes], dtype=np.int64)
    booked = rng.binomial(np.broadcast_to(capacity, (len(starts), len(codes))), a.booked_share)
    come = rng.binomial(booked, 1.0 - a.no_show)
    missed = []
    for i, j in zip(*np.nonzero(booked - come)):
        missed += [(float(starts[i]), codes[j])] * int(booked[i, j] - come[i, j])
    return missed


def day_rows(log: EventLog, day: dt.date, missed: Sequence[tuple[float, str]] = ()) -> pd.DataFrame:
    """The ticket-log rows (canonical columns) of one simulated day."""
    services = np.asarray(log.service_codes, dtype=object)
    classes = np.asarray(log.class_codes, dtype=object)
    staff = np.asarray(log.staff_ids, dtype=object)
    ticketed = np.flatnonzero(log.outcome != TURNED_AWAY)
    order = ticketed[np.argsort(log.ticket_min[ticketed], kind="stable")]
    number = np.full(len(log), -1)
    number[order] = np.arange(1, len(order) + 1)
    ticket = np.array([f"A{n:04d}" for n in number], dtype=object)
    vc = log.visit_citizen
    stations = np.array([log.step_stations[(s, j)] for s, j in zip(log.service[vc], log.visit_step)], dtype=object)
    parts = [pd.DataFrame({
        "cid": vc, "ticket": ticket[vc], "service": services[log.service[vc]], "klass": classes[log.klass[vc]],
        "slot_min": log.slot_min[vc], "issue_min": log.ticket_min[vc], "call_min": log.visit_start_min,
        "finish_min": log.visit_end_min,
        "window": [f"{st}-{w}" for st, w in zip(stations, log.visit_window)],
        "station": stations, "staff": staff[log.visit_staff], "step": log.visit_step.astype(int) + 1,
        "status": SERVED})]
    for code, status in ((ABANDONED, NO_SHOW), (UNSERVED, UNSERVED_STATUS)):
        ids = np.flatnonzero(log.outcome == code)
        if code == UNSERVED:  # only those never called at their first step: the others have served rows
            ids = ids[np.isin(ids, vc, invert=True)]
        parts.append(pd.DataFrame({
            "cid": ids, "ticket": ticket[ids], "service": services[log.service[ids]],
            "klass": classes[log.klass[ids]], "slot_min": log.slot_min[ids], "issue_min": log.ticket_min[ids],
            "call_min": log.leave_min[ids] if code == ABANDONED else np.nan, "finish_min": np.nan,
            "window": "", "station": "", "staff": "", "step": 1, "status": status}))
    if missed:
        slot, svc = zip(*missed)
        parts.append(pd.DataFrame({
            "cid": -1, "ticket": "", "service": list(svc), "klass": "", "slot_min": list(slot),
            "issue_min": np.nan, "call_min": np.nan, "finish_min": np.nan, "window": "", "station": "",
            "staff": "", "step": 1, "status": NO_SHOW}))
    rows = pd.concat([p for p in parts if len(p)], ignore_index=True)
    rows = rows.sort_values(["issue_min", "cid", "step"], na_position="last", kind="stable").reset_index(drop=True)
    return pd.DataFrame({
        "date": day.isoformat(), "ticket": rows["ticket"], "service": rows["service"], "klass": rows["klass"],
        "slot": [_hhmm(m) for m in rows["slot_min"]],
        "issue_time": _clock(day, rows["issue_min"].to_numpy(float)),
        "call_time": _clock(day, rows["call_min"].to_numpy(float)),
        "finish_time": _clock(day, rows["finish_min"].to_numpy(float)),
        "window": rows["window"], "station": rows["station"], "staff": rows["staff"], "step": rows["step"],
        "status": rows["status"],
    })


def working_days(start: dt.date, n: int, weekdays: Sequence[int] = (0, 1, 2, 3, 4)) -> list[dt.date]:
    """The first ``n`` dates from ``start`` on whose weekday (0 = Monday) is in ``weekdays``."""
    days, d = [], start
    while len(days) < n:
        if d.weekday() in weekdays:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def day_scenario(scenario: Scenario, daily_volume: float, **arrivals) -> Scenario:
    """``scenario`` with another ``daily_volume`` (and other ``arrivals`` fields), not re-validated."""
    return scenario.model_copy(update={"arrivals": scenario.arrivals.model_copy(
        update={"daily_volume": float(daily_volume), **arrivals})})


def simulate_days(scenario: Scenario, dates: Sequence[dt.date], seed: int | None = None,
                  weekday_factors: dict[int, float] | None = None, trend_per_week: float = 0.0,
                  effects: dict[dt.date, float] | None = None) -> pd.DataFrame:
    """Simulate one day per date and return their ticket log (canonical columns, one table).

    Day *d* is replication *d* (seed: ``seed`` or the scenario's) of the
    scenario with ``daily_volume * weekday_factors[weekday] * (1 +
    trend_per_week) ** (weeks since the first date) * effects[date]``.

    Examples
    --------
    >>> import datetime as dt
    >>> from pathlib import Path
    >>> from sim.loading import load_scenario
    >>> s = load_scenario(Path(__file__).parents[2] / "scenarios" / "county_hall.yaml")
    >>> log = simulate_days(s, working_days(dt.date(2026, 1, 5), 2), seed=1)
    >>> sorted(log["date"].unique())
    ['2026-01-05', '2026-01-06']
    """
    seed = scenario.experiment.seed if seed is None else seed
    weekday_factors = weekday_factors or {}
    effects = effects or {}
    frames = []
    for rep, day in enumerate(dates):
        weeks = (day - dates[0]).days / 7.0
        volume = (scenario.arrivals.daily_volume * weekday_factors.get(day.weekday(), 1.0)
                  * (1.0 + trend_per_week) ** weeks * effects.get(day, 1.0))
        s = day_scenario(scenario, volume)
        log = run_replication(s, rep, seed)
        frames.append(day_rows(log, day, missed_appointments(s, seed, rep)))
    return pd.concat(frames, ignore_index=True)


def write_ticket_log(rows: pd.DataFrame, path: Path, layout: str = "zh") -> Path:
    """Write rows (canonical columns) as CSV (UTF-8 with BOM, as Excel expects) or .xlsx.

    ``layout="zh"``: Chinese headers and status words (the shipped example);
    ``"en"``: the canonical column names.
    """
    out = rows.copy()
    if layout == "zh":
        out["status"] = out["status"].map(ZH_STATUS)
        out = out.rename(columns=ZH_HEADERS)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial{path.suffix}")
    try:
        if path.suffix.lower() == ".xlsx":
            out.to_excel(tmp, index=False, engine="openpyxl")
        else:
            out.to_csv(tmp, index=False, encoding="utf-8-sig")
        os.link(tmp, path)  # atomic, and refuses an existing file: a log is never overwritten
    finally:
        tmp.unlink(missing_ok=True)
    return path


def run_logs_rows(scenario: Scenario, logs: Sequence[EventLog], seed: int, start: dt.date) -> pd.DataFrame:
    """The kept event logs of a run (one per replication) as consecutive working days from ``start``."""
    dates = working_days(start, len(logs))
    return pd.concat([day_rows(log, day, missed_appointments(scenario, seed, log.replication))
                      for log, day in zip(logs, dates)], ignore_index=True)
