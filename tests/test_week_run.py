"""The week simulated with the people rostered, and `queueplan roster` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.loading import load_scenario, scenario_from_dict
from sim.staff import _attendance
from sim.week import Duty, person_rngs, planned_staff, simulate_week
from study.cli import main

from tests.week_builders import base_dict

ROOT = Path(__file__).resolve().parents[1]


def _toy(name_0: str = "李伟") -> dict:
    data = base_dict(volume=60)
    data["staff_types"]["clerk"]["attendance"] = {"absence_probability": 0.3,
                                                  "lateness": {"probability": 0.5, "mean_min": 10}}
    data["horizon"] = {"days": [{"day": "Mon", "volume_factor": 1.1}, {"day": "Tue"},
                                {"day": "Wed", "sessions": [{"start": "08:00", "end": "12:00"}],
                                 "profile": [{"start": "08:00", "end": "12:00", "share": 1.0}]}],
                       "week_start": "2026-03-02"}
    people = [{"id": f"p{k}", "name": name_0 if k == 0 else f"职员{k}", "staff_type": "clerk"} for k in range(6)]
    data["optimise"]["shift_templates"]["AM"] = {"start": {"earliest": "08:00"}, "length_min": 240}
    data["staff_list"] = {"people": people, "plan": {"requirements": "time_varying", "time_limit_s": 20}}
    return data


def _duties(n_people: int) -> list[Duty]:
    return [Duty(f"p{k}", d, "counter", "DAY", 480.0, 720.0 if d == 2 else 960.0) for d in range(3)
            for k in range(n_people)]


def test_week_numbers_do_not_depend_on_workers():
    s = scenario_from_dict(_toy(), "<toy>")
    one = simulate_week(s, _duties(3), 3, seed=5, workers=1)
    two = simulate_week(s, _duties(3), 3, seed=5, workers=2)
    for d in one.days:
        pd.testing.assert_frame_equal(one.days[d].summary()["citizens"], two.days[d].summary()["citizens"])
        staff = one.days[d].tables["staff"]
        assert (staff.loc[staff["staff_type"] == "clerk", "staff"] == 3).all()   # the three people rostered


def test_a_persons_attendance_does_not_depend_on_who_else_works():
    s = scenario_from_dict(_toy(), "<toy>")
    people = s.staff_list.people
    day = s.model_copy()
    att = s.staff_types["clerk"].attendance
    draws = []
    for duties in (_duties(1), _duties(4)):
        staff = planned_staff(day, people, [d for d in duties if d.day_index == 0])
        p0 = [(sd, i) for sd, i in staff if sd.staff_id == "p0"][0]
        draws.append([_attendance(p0[0], att, person_rngs(9, rep, 0, p0[1])) for rep in range(20)])
    assert [(a.absent, a.late_min) for a in draws[0]] == [(a.absent, a.late_min) for a in draws[1]]
    assert any(a.absent for a in draws[0]) and not all(a.absent for a in draws[0])


def test_roster_command_end_to_end(tmp_path, capsys):
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(_toy(name_0="<b>李伟</b>"), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["roster", str(path), "--out", str(out), "--reps", "2", "--seed", "3"]) == 0
    raw = (out / "roster_week.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                     # UTF-8 with BOM, for Excel/WPS
    grid = pd.read_csv(out / "roster_week.csv", encoding="utf-8-sig")
    assert list(grid.columns[:6]) == ["id", "name", "staff_type", "Mon", "Tue", "Wed"]
    assert "<b>李伟</b>" in set(grid["name"])
    from openpyxl import load_workbook

    ws = load_workbook(out / "roster_week.xlsx").active
    assert ws.cell(row=2, column=4).value == "Mon" and ws.cell(row=3, column=2).value == "<b>李伟</b>"
    from icalendar import Calendar

    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["calendar_dates"][:3] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    for ics in (out / "calendars").glob("*.ics"):
        cal = Calendar.from_ical(ics.read_bytes())
        starts = [ev.get("dtstart").dt for ev in cal.walk("VEVENT")]
        assert starts and all(s.date().isoformat() in plan["calendar_dates"] for s in starts)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;李伟&lt;/b&gt;" in html and "<b>李伟</b>" not in html
    assert "Saturday duties per 7 days = at most 1 in this 7-day horizon (pro rata, rounded up" in html
    assert plan["milp"]["cost"]["status"] in ("optimal", "time_limited")
    assert plan["milp"]["cost"]["variables"] > 0 and plan["simulation"]["out_of_sample"]
    assert plan["simulation"]["seed"] != plan["simulation"]["planning_seed"]
    targets = pd.read_csv(out / "targets_by_day.csv", encoding="utf-8-sig")
    assert set(targets["day"]) == {"Mon", "Tue", "Wed"}
    hours = pd.read_csv(out / "person_hours.csv", encoding="utf-8-sig")
    assert (hours["paid_hours"] <= hours["contract_hours"] + 1e-9).all()
    # never written over
    assert main(["roster", str(path), "--out", str(out), "--reps", "2"]) == 2
    assert "never overwritten" in capsys.readouterr().err


def test_reference_weeks_load():
    for name in ("county_week.yaml", "city_week.yaml"):
        s = load_scenario(ROOT / "scenarios" / name)
        assert s.horizon is not None and s.staff_list is not None


def test_county_week_runs(tmp_path):
    out = tmp_path / "county"
    assert main(["roster", str(ROOT / "scenarios" / "county_week.yaml"), "--out", str(out), "--reps", "2",
                 "--time-limit", "10"]) == 0
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["people"] == 13 and plan["duties"] > 0
    grid = pd.read_csv(out / "roster_week.csv", encoding="utf-8-sig")
    assert (grid["Sun"] == "闭馆 closed").all()
    assert grid.loc[grid["id"] == "p02", "Wed"].iloc[0].startswith("假 leave")


def test_city_week_runs(tmp_path):
    out = tmp_path / "city"
    assert main(["roster", str(ROOT / "scenarios" / "city_week.yaml"), "--out", str(out), "--reps", "2",
                 "--workers", "2"]) == 0
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["people"] == 66
    if plan["milp"]["cost"]["status"] != "optimal":
        assert not plan["cost_proven_least"] and plan["milp"]["cost"]["gap"] is not None


def test_run_on_a_week_file_says_which_day_it_simulates(tmp_path, capsys):
    data = _toy()
    data["roster"] = [{"staff_type": "clerk", "shift": "DAY", "station": "counter", "count": 3},
                      {"staff_type": "clerk", "shift": "DAY", "station": "inspection", "count": 1}]
    data["experiment"]["replications"] = 2
    path = tmp_path / "week.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["run", str(path), "--day", "Mon", "--out", str(tmp_path / "mon"), "--no-report"]) == 0
    assert "this run simulates Mon only" in capsys.readouterr().err
    mon = json.loads((tmp_path / "mon" / "manifest.json").read_text(encoding="utf-8"))["scenario"]
    assert mon["description"].startswith("A week scenario: this run simulates Mon only")
    assert mon["arrivals"]["multipliers"] == [{"name": "day_of_week", "factor": 1.1}]     # Monday's demand
    assert [r["count"] for r in mon["roster"]] == [3, 1]                                # the file's roster
    assert main(["run", str(path), "--out", str(tmp_path / "base"), "--no-report"]) == 0
    err = capsys.readouterr().err
    assert "simulates the file's shared day" in err and "--day NAME (Mon, Tue, Wed)" in err
    base = json.loads((tmp_path / "base" / "manifest.json").read_text(encoding="utf-8"))["scenario"]
    assert base["arrivals"]["multipliers"] == []
    for bad, message in (("Sun", "not a day of the horizon"), ("Wed", "")):   # Wed: 08:00-12:00, DAY is 8 hours
        assert main(["run", str(path), "--day", bad, "--out", str(tmp_path / bad)]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and not (tmp_path / bad).exists()
