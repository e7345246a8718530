"""Warnings and notes in both languages (``sim.messages``, ``optimise.messages``)."""

from __future__ import annotations

import json
import pickle
import re
import string

import yaml

from optimise import messages as optimiser_messages  # noqa: F401 (registers the optimiser's codes)
from optimise.causes import dedupe_notes
from sim.loading import scenario_from_dict, scenario_warnings
from sim.messages import CATALOGUE, Message, fields, from_dict, parse, shown, translate
from study.cli import main

from .builders import mmc_dict

CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")   # Chinese characters and full-width punctuation


def test_every_code_has_both_languages_with_the_same_parameters():
    assert len(CATALOGUE) > 40
    for code, (en, zh) in CATALOGUE.items():
        assert set(fields(en)) == set(fields(zh)), code
        assert CJK.search(zh) and not CJK.search(en), code
        assert not any(spec for _, _, spec, _ in string.Formatter().parse(en + zh)), code   # no format specs


def _sample(code: str) -> Message:
    en = CATALOGUE[code][0]
    return Message(code, **{name: f"v{i}x" for i, name in enumerate(dict.fromkeys(fields(en)))})


def test_a_message_reads_back_from_json_and_from_its_english_text():
    for code in CATALOGUE:
        m = _sample(code)
        again = from_dict(json.loads(json.dumps(m.as_dict())))
        assert (str(again), again.text("zh")) == (str(m), m.text("zh")), code
        unpickled = pickle.loads(pickle.dumps(m))               # plans and notes cross worker processes
        assert (unpickled.code, unpickled.text("zh")) == (code, m.text("zh"))
        back = parse(str(m))
        if len(set(fields(CATALOGUE[code][0]))) == len(fields(CATALOGUE[code][0])):   # no field used twice
            assert back is not None and back.text("zh") == m.text("zh"), code


def test_nested_messages_and_joined_reasons_translate():
    why = "; ".join([Message("milp.windows_in_use", windows=1, station="inspection"),
                     Message("milp.headcount_used", staff_type="auxiliary", limit=3)])
    notes = [Message("loop.station_saturated", station="inspection", interval=iv, why=why)
             for iv in ("09:00-10:00", "10:00-11:00")]
    merged = dedupe_notes(notes + [Message("loop.repair_stopped")])
    assert [str(m) for m in merged] == [
        "inspection could not be staffed further in 09:00-10:00, 10:00-11:00: all 1 windows at 'inspection' are in "
        "use; headcount of auxiliary (3) is used up",
        "repair stopped: every station that the missed targets point to is at its limit"]
    zh = translate(merged[0], "zh")
    assert "“inspection”的全部 1 个窗口都已占用" in zh and "auxiliary 的编制人数（3）已用完" in zh, zh
    assert "windows" not in zh and "headcount" not in zh
    assert translate("an English text no template knows", "zh") == "an English text no template knows"


def _warned_hall() -> dict:
    d = mmc_dict(0.2, 5.0, 2, open_min=480, close_min=960, replications=2)
    d["shift_patterns"]["ALL"] = {"start": "08:00", "end": "12:00"}     # nobody after noon: two warnings
    d["targets"] = [{"id": "sl10", "kind": "service_level", "wait_min": 10, "fraction": 0.5}]  # + the unserved limit
    return d


def test_plausibility_warnings_carry_codes():
    w = scenario_warnings(scenario_from_dict(_warned_hall(), source="<t>"))
    assert {m.params["message"].code for m in w} >= {"warn.station_gap", "warn.shifts_end_early"}
    assert any("所有排班的班次都在 12:00 前结束" in m.text("zh") for m in w)


def test_a_chinese_page_shows_the_chinese_warning_and_no_english_one(tmp_path, monkeypatch):
    path = tmp_path / "warned.yaml"
    path.write_text(yaml.safe_dump(_warned_hall(), sort_keys=False), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    assert main(["run", str(path), "--reps", "2", "--workers", "1", "--out", str(out), "--lang", "zh"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    english = summary["warnings"]
    assert any("every rostered shift ends by 12:00" in w for w in english)
    assert len(summary["warnings_zh"]) == len(english) == len(summary["warnings_messages"])
    assert summary["warnings_messages"][0]["code"] == "warn.at_field"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "所有排班的班次都在 12:00 前结束，早于最后取号时间 16:00" in page
    assert "取号时段内有部分时间 desk 无人在岗（12:00-16:00）" in page
    for w in english:
        assert w.split(": ", 1)[1] not in page, w
    assert "every rostered shift" not in page and "nobody is scheduled" not in page
    assert "闭厅时未办结" in page and "still waiting at closing" not in page and "hard stop" not in page
    # an older summary.json without the _zh keys is read back from its English text
    old = {"warnings": english}
    assert shown(old, "warnings", "zh") == summary["warnings_zh"]
    # text inside a message stays escaped on the page (the report drawn again from the folder)
    hostile = Message("warn.station_gap", station="<script>alert(1)</script>", spans="12:00-16:00")
    summary["warnings_zh"] = [hostile.text("zh")]
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    assert main(["report", str(out), "--lang", "zh"]) == 0
    page = next(out.glob("report*.html")).read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; 无人在岗" in page
