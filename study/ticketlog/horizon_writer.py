"""The forecast fed into a scenario's horizon: one week scenario per forecast week.

A hall publishes its duty roster a week at a time, so the forecast of
``queueplan forecast --scenario BASE --horizon-out DIR`` becomes one scenario
per calendar week of the forecast (``<base>_week_<monday>.yaml``), each the
base scenario with a ``horizon:`` of weekday names (Mon ... Sun) and the
week's ``week_start``, so named staff's leave by weekday stays valid and
``queueplan roster`` plans that week.

Per day of the week:

* forecast (a weekday seen in the log): the base's own day (its hours,
  windows, targets, if it has a horizon) with ``daily_volume`` = the
  forecast mean, or its upper 95% prediction bound with
  ``plan_for="upper"`` (staff for a busy day rather than an average one),
  ``volume_factor`` 1 and no multipliers (the forecast already holds the
  weekday, trend and date effects), and a label giving the forecast and its
  interval;
* not in the forecast but open in the base horizon (a Saturday the log does
  not cover): the base's day unchanged, and the header says so;
* closed in the base, or neither: closed / not listed.

Each file is validated as a scenario before it is written, written
atomically, and never written over an existing file.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import yaml

from sim.horizon import WEEKDAYS
from sim.loading import ScenarioLoader, scenario_from_dict

PLAN_FOR = ("mean", "upper")


def _weeks(table: pd.DataFrame) -> dict[dt.date, pd.DataFrame]:
    """Forecast rows grouped by the Monday of their week."""
    dates = [dt.date.fromisoformat(str(d)) for d in table["date"]]
    monday = pd.Series([d - dt.timedelta(days=d.weekday()) for d in dates], index=table.index)
    return {m: g for m, g in table.groupby(monday, sort=True)}


def week_scenario(base: dict, week: pd.DataFrame, monday: dt.date, plan_for: str = "mean") -> tuple[dict, list[str]]:
    """The base scenario (a dict as in the YAML) with this week's horizon; and notes on days kept from the base."""
    if plan_for not in PLAN_FOR:
        raise ValueError(f"plan_for must be one of {', '.join(PLAN_FOR)}")
    base_days = {d["day"]: d for d in (base.get("horizon") or {}).get("days", [])}
    if any(code not in WEEKDAYS for code in base_days):
        raise ValueError("the base scenario's horizon lists dates; a forecast week needs weekday names (or no horizon)")
    by_code = {WEEKDAYS[dt.date.fromisoformat(str(r.date)).weekday()]: r for r in week.itertuples()}
    days, notes = [], []
    for code in WEEKDAYS:
        own = dict(base_days.get(code, {"day": code}))
        if code in by_code and not own.get("closed"):
            r = by_code[code]
            volume = r.hi if plan_for == "upper" else r.forecast
            own.pop("multipliers", None)
            own.update({"volume_factor": 1.0, "daily_volume": round(float(volume), 1),
                        "label": f"{r.date}: forecast {r.forecast:.0f} walk-ins (95% {r.lo:.0f}-{r.hi:.0f})"
                                 + (f", {r.effect}" if r.effect else "")
                                 + (", planned for the upper bound" if plan_for == "upper" else "")})
            days.append(own)
        elif code in base_days:
            days.append(own)
            if not own.get("closed"):
                notes.append(f"{code}: not in the forecast (the log has no {code}); the base scenario's day is kept")
    out = dict(base)
    horizon = dict(base.get("horizon") or {})
    horizon.update({"days": days, "week_start": monday.isoformat()})
    out["horizon"] = horizon
    out["name"] = f"{base.get('name', 'hall')}_week_{monday.isoformat()}"
    return out, notes


def write_week_scenarios(base_path: Path, table: pd.DataFrame, folder: Path, plan_for: str = "mean") -> list[Path]:
    """Write one validated week scenario per forecast week into ``folder``; return their paths.

    Raises ``FileExistsError`` (nothing written) if any of the files exists,
    and :class:`sim.loading.ScenarioError` if a week does not validate.
    """
    base_path, folder = Path(base_path), Path(folder)
    base = yaml.load(base_path.read_text(encoding="utf-8"), Loader=ScenarioLoader)  # "14:00" stays a string
    plans = []
    for monday, week in _weeks(table).items():
        data, notes = week_scenario(base, week, monday, plan_for)
        scenario_from_dict(data, source=f"{base_path} + forecast week {monday}")  # raises ScenarioError
        path = folder / f"{base_path.stem}_week_{monday.isoformat()}.yaml"
        header = [f"# The scenario {base_path.name} over the week of {monday.isoformat()}, with each day's walk-in",
                  f"# volume from `queueplan forecast` ({'upper 95% prediction bound' if plan_for == 'upper' else 'forecast mean'};",
                  "# each day's label gives the forecast and its interval). Check it with `queueplan validate`,",
                  "# plan it with `queueplan roster`."] + [f"# note: {n}" for n in notes]
        plans.append((path, "\n".join(header) + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)))
    existing = [str(p) for p, _ in plans if p.exists()]
    if existing:
        raise FileExistsError(f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; "
                              "results are never overwritten")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path, text in plans:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
        try:
            tmp.write_text(text, encoding="utf-8")
            os.link(tmp, path)  # atomic, and refuses a file that appeared meanwhile
        finally:
            tmp.unlink(missing_ok=True)
        written.append(path)
    return written
