"""Bad week input: one clear error naming file, line and field; `queueplan roster` exits 2 and writes nothing."""

from __future__ import annotations

import copy

import pytest
import yaml

from sim.loading import ScenarioError, load_scenario
from study.cli import main

from tests.week_builders import base_dict


def _week() -> dict:
    data = base_dict()
    data["horizon"] = {"days": [{"day": d} for d in ["Mon", "Tue", "Wed", "Thu", "Fri"]]}
    data["staff_list"] = {"people": [{"id": f"p{k}", "name": f"王{k}", "staff_type": "clerk"} for k in range(4)],
                          "plan": {"requirements": "time_varying"}}
    return data


def _leave_all_week(d):
    d["staff_list"]["people"][1]["unavailable"] = ["Mon", "Tue", "Wed", "Thu", "Fri"]
    return "staff_list.people[1].unavailable", "unavailable on every open day"


def _rule_cannot_hold(d):
    d["staff_list"]["rules"] = {"min_weekly_hours": {"share_of_contract": 1.0}}
    d["staff_list"]["people"][2]["unavailable"] = ["Mon", "Tue", "Wed"]
    return "staff_list.people[2].contract", "min_weekly_hours cannot hold"


def _skill_nobody_holds(d):
    for p in d["staff_list"]["people"]:
        p["skills"] = {"DESK": 1.0}
    return "services.B.steps[0].skill", "nobody on the staff list holds skill 'INSPECT'"


def _unknown_day(d):
    d["staff_list"]["people"][0]["unavailable"] = ["Sat"]
    return "staff_list.people[0].unavailable[0]", "unknown day 'Sat'"


def _not_a_day(d):
    d["horizon"]["days"][2]["day"] = "Wednesday"
    return "horizon.days[2].day", "is not a day"


def _unknown_station(d):
    d["staff_list"]["people"][3]["stations"] = ["counter", "cashier"]
    return "staff_list.people[3].stations[1]", "unknown station 'cashier'"


def _unknown_station_in_day(d):
    d["horizon"]["days"][0]["windows"] = {"kiosk": 2}
    return "horizon.days[0].windows.kiosk", "unknown station 'kiosk'"


def _rest_days_impossible(d):
    d["staff_list"]["rules"] = {"rest_days": {"min_days": 8}}
    return "staff_list.rules.rest_days.min_days", "less than or equal to 7"


CASES = [_leave_all_week, _rule_cannot_hold, _skill_nobody_holds, _unknown_day, _not_a_day, _unknown_station,
         _unknown_station_in_day, _rest_days_impossible]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.strip("_") for c in CASES])
def test_bad_week_names_file_line_field_and_exits_2(case, tmp_path, capsys):
    data = copy.deepcopy(_week())
    field, message = case(data)
    path = tmp_path / "week.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    first = err.value.problems[0]
    assert first.field == field, err.value.problems
    assert message in first.message
    assert first.line is not None and first.file == str(path)
    out = tmp_path / "out"
    assert main(["roster", str(path), "--out", str(out)]) == 2
    stderr = capsys.readouterr().err
    assert f"{path}, line {first.line}: {field}" in stderr and "Traceback" not in stderr
    assert not out.exists() and not any(p.name.startswith(".out") for p in tmp_path.iterdir())


def test_roster_needs_a_staff_list(tmp_path, capsys):
    path = tmp_path / "plain.yaml"
    path.write_text(yaml.safe_dump(base_dict()), encoding="utf-8")
    assert main(["roster", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "staff_list" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_one_day_scenarios_stay_valid():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "scenarios"
    for name in ("county_hall.yaml", "city_office.yaml", "spring_surge.yaml"):
        s = load_scenario(root / name)
        assert s.horizon is None and s.staff_list is None
