"""The forecast fed into the horizon: one week scenario per forecast week, valid, never overwritten."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.loading import ScenarioLoader, load_scenario
from study.ticketlog.horizon_writer import week_scenario, write_week_scenarios

ROOT = Path(__file__).parents[1]
COUNTY_WEEK = ROOT / "scenarios" / "county_week.yaml"
COUNTY = ROOT / "scenarios" / "county_hall.yaml"
LOG = ROOT / "scenarios" / "logs" / "county_hall_4weeks.csv"


def _table(start: dt.date, days: int) -> pd.DataFrame:
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    dates = [d for d in dates if d.weekday() < 5]          # the log's weekdays: Mon-Fri
    fc = [150.0 + 10 * i for i in range(len(dates))]
    return pd.DataFrame({"date": [d.isoformat() for d in dates], "weekday": [d.strftime("%A").lower() for d in dates],
                         "forecast": fc, "lo": [f * 0.8 for f in fc], "hi": [f * 1.25 for f in fc],
                         "effect": ["" for _ in dates]})


def test_week_days_take_the_forecast_and_keep_the_base_saturday_and_sunday():
    base = yaml.load(COUNTY_WEEK.read_text(encoding="utf-8"), Loader=ScenarioLoader)
    table = _table(dt.date(2026, 3, 30), 7)
    data, notes = week_scenario(base, table, dt.date(2026, 3, 30))
    days = {d["day"]: d for d in data["horizon"]["days"]}
    assert [days[c]["daily_volume"] for c in ("Mon", "Tue", "Wed", "Thu", "Fri")] == [150, 160, 170, 180, 190]
    assert all(days[c]["volume_factor"] == 1.0 for c in ("Mon", "Fri"))
    base_sat = next(d for d in base["horizon"]["days"] if d["day"] == "Sat")
    assert days["Sat"] == base_sat and days["Sun"].get("closed")
    assert any("Sat" in n for n in notes)
    assert data["horizon"]["week_start"] == "2026-03-30"
    upper, _ = week_scenario(base, table, dt.date(2026, 3, 30), plan_for="upper")
    assert next(d for d in upper["horizon"]["days"] if d["day"] == "Mon")["daily_volume"] == pytest.approx(187.5)


def test_written_week_scenarios_validate_and_are_never_overwritten(tmp_path):
    table = _table(dt.date(2026, 3, 30), 14)
    paths = write_week_scenarios(COUNTY_WEEK, table, tmp_path)
    assert [p.name for p in paths] == ["county_week_week_2026-03-30.yaml", "county_week_week_2026-04-06.yaml"]
    s = load_scenario(paths[1])
    vols = {d.day: d.daily_volume for d in s.horizon.days if d.daily_volume is not None}
    assert vols == {"Mon": 200.0, "Tue": 210.0, "Wed": 220.0, "Thu": 230.0, "Fri": 240.0}
    assert s.staff_list is not None            # the named staff and their weekday leave stay valid
    before = paths[0].read_text(encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_week_scenarios(COUNTY_WEEK, table, tmp_path)
    assert paths[0].read_text(encoding="utf-8") == before


def test_a_one_day_base_gets_a_horizon_of_the_forecast_weekdays(tmp_path):
    [path] = write_week_scenarios(COUNTY, _table(dt.date(2026, 3, 30), 7), tmp_path)
    s = load_scenario(path)
    assert [d.day for d in s.horizon.days] == ["Mon", "Tue", "Wed", "Thu", "Fri"]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "study.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT)


def test_forecast_command_writes_the_weeks_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "weeks"
    r = _cli("forecast", LOG, "--weeks", "1", "--scenario", COUNTY_WEEK, "--horizon-out", out)
    assert r.returncode == 0, r.stderr
    [path] = list(out.glob("*.yaml"))
    assert load_scenario(path).horizon.week_start is not None
    again = _cli("forecast", LOG, "--weeks", "1", "--scenario", COUNTY_WEEK, "--horizon-out", out)
    assert again.returncode == 2 and "never overwritten" in again.stderr and "Traceback" not in again.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhours: 3\n", encoding="utf-8")
    r = _cli("forecast", LOG, "--scenario", bad, "--horizon-out", tmp_path / "w2")
    assert r.returncode == 2 and "bad.yaml" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "w2").exists()
