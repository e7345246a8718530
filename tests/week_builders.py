"""Small week scenarios built in code for the roster tests."""

from __future__ import annotations

import copy

WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def base_dict(windows: int = 30, volume: float = 40.0) -> dict:
    """A one-station hall open 08:00-16:00 with two skills, a light demand, one 8-hour template."""
    return {
        "name": "week_toy",
        "hours": {"sessions": [{"start": "08:00", "end": "16:00"}], "interval_min": 60},
        "stations": {"counter": {"windows": windows}, "inspection": {"windows": 4}},
        "services": {
            "A": {"steps": [{"station": "counter", "skill": "DESK",
                             "work": {"dist": "exponential", "mean_min": 10}}]},
            "B": {"steps": [{"station": "inspection", "skill": "INSPECT",
                             "work": {"dist": "exponential", "mean_min": 8}},
                            {"station": "counter", "skill": "DESK",
                             "work": {"dist": "exponential", "mean_min": 6}}]},
        },
        "arrivals": {"daily_volume": volume, "profile": [{"start": "08:00", "end": "16:00", "share": 1.0}],
                     "mix": {"A": 0.8, "B": 0.2}},
        "staff_types": {"clerk": {"skills": {"DESK": 1.0, "INSPECT": 1.0}, "cost_per_hour": 1.0}},
        "shift_patterns": {"DAY": {"start": "08:00", "end": "16:00"}},
        "roster": [],
        "targets": [{"id": "sl", "kind": "service_level", "wait_min": 20, "fraction": 0.8}],
        "experiment": {"replications": 3, "seed": 7},
        "optimise": {"shift_templates": {"DAY": {"start": {"earliest": "08:00"}, "length_min": 480}},
                     "grid_min": 60},
    }


def winston_dict(people: int = 30) -> dict:
    """Winston's post office: 17,13,15,19,14,16,11 staff needed Mon..Sun; 5 consecutive days on, 2 off."""
    data = base_dict(windows=40)
    needs = [17, 13, 15, 19, 14, 16, 11]
    data["horizon"] = {"days": [{"day": d, "min_staff": {"counter": n}} for d, n in zip(WEEK, needs)],
                       "cyclic": True}
    data["staff_list"] = {
        "people": [{"id": f"e{k:02d}", "name": f"Employee {k}", "staff_type": "clerk"} for k in range(people)],
        "rules": {"max_weekly_hours": {"enabled": True},
                  "min_weekly_hours": {"share_of_contract": 1.0, "only_if_rostered": True},
                  "rest_days": {"min_days": 2, "consecutive": True},
                  "max_consecutive_days": {"enabled": False},
                  "min_rest_between_shifts": {"enabled": False},
                  "max_late_duties": {"enabled": False}, "max_saturday_duties": {"enabled": False}},
        "plan": {"requirements": "min_staff_only", "fairness": "off"},
    }
    return data


def with_changes(data: dict, **changes) -> dict:
    out = copy.deepcopy(data)
    out.update(changes)
    return out
