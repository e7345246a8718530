"""Valid-looking halls that serve nobody run to a complete folder and say so plainly.

An empty roster, every count zero, everyone absent, a day without tickets and
a station nobody is rostered at: ``queueplan validate`` warns, ``queueplan
run`` exits 0, and the terminal summary, ``summary.json`` (valid JSON, no NaN)
and ``report.html`` all carry the sentence ("no citizen was served: nobody is
rostered ...").
"""

from __future__ import annotations

import json

import pytest
import yaml

from study.cli import main

from .builders import mmc_dict


def _hall() -> dict:
    d = mmc_dict(0.2, 5.0, 2, open_min=480, close_min=720, patience_mean_min=30)
    d["services"]["P"] = {"steps": [{"station": "photo", "work": {"dist": "exponential", "mean_min": 2}}]}
    d["stations"]["photo"] = {"windows": 1}
    d["staff_types"]["photographer"] = {"skills": {"P": 1.0}}
    d["arrivals"]["mix"] = {"S": 0.7, "P": 0.3}
    d["roster"].append({"staff_type": "photographer", "shift": "ALL", "station": "photo", "count": 1})
    return d


def empty_roster(d):
    d["roster"] = []


def counts_zero(d):
    for e in d["roster"]:
        e["count"] = 0


def everyone_absent(d):
    for t in d["staff_types"].values():
        t["attendance"] = {"absence_probability": 1.0}


def no_tickets(d):
    d["hours"]["hard_stop"] = "13:00"
    d["arrivals"]["profile"] = [{"start": "08:00", "end": "12:00", "share": 0.0},
                                {"start": "12:00", "end": "13:00", "share": 1.0}]


def nobody_at_photo(d):
    d["roster"] = [e for e in d["roster"] if e["station"] != "photo"]


CASES = {
    "empty_roster": (empty_roster, "no citizen was served: nobody is rostered (the roster is empty)"),
    "counts_zero": (counts_zero, "no citizen was served: nobody is rostered (every roster count is zero)"),
    "everyone_absent": (everyone_absent, "no citizen was served: everyone is absent"),
    "no_tickets": (no_tickets, "no citizen got a ticket: no walk-in arrives while tickets are issued"),
    "nobody_at_photo": (nobody_at_photo, "note: nobody is rostered at photo"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hall_that_serves_nobody_reports_plainly(case, tmp_path, capsys, monkeypatch):
    change, sentence = CASES[case]
    d = _hall()
    change(d)
    path = tmp_path / f"{case}.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and sentence.split(": ", 1)[1].split(" (")[0] in err, err
    out_dir = tmp_path / "out"
    assert main(["run", str(path), "--reps", "2", "--workers", "1", "--out", str(out_dir)]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert sentence in out, out
    text = (out_dir / "summary.json").read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    summary = json.loads(text)
    assert any(sentence in n for n in summary["notes"])
    assert sentence.split(" (")[0] in (out_dir / "report.html").read_text(encoding="utf-8")
    assert main(["run", str(path), "--reps", "1", "--workers", "1", "--json", "--no-report",
                 "--out", str(tmp_path / "json")]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == summary["notes"]
