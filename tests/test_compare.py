"""Comparing run folders: paired differences with common random numbers, plain sentences, bad input."""

from __future__ import annotations

import argparse
import shutil

import numpy as np
import pandas as pd
import pytest

from study import figures as plots
from study.analysis.compare import compare, paired_ratio_diff
from study.commands import compare as compare_cmd
from study.runs.folders import RunFolderError
from study.runs.load import CompareError, NotARunError, load_run
from study.runs.write_compare import compare_runs

from .test_report import make_run

SEED = 20261125


def one_more_police(data):
    """One auxiliary fewer at the counter, one police officer more (same windows)."""
    def entry(staff_type):
        return next(e for e in data["roster"] if e["staff_type"] == staff_type and e["station"] == "counter"
                    and not e.get("window_group"))
    entry("auxiliary")["count"] -= 1
    entry("police")["count"] += 1


def half_hour_intervals(data):
    data["hours"]["interval_min"] = 30


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("options")
    results = {
        "A": make_run(root / "A", seed=SEED, events=False),
        "B": make_run(root / "B", one_more_police, seed=SEED, events=False),
        "C": make_run(root / "C", seed=7, events=False),
        "D": make_run(root / "D", half_hour_intervals, seed=SEED, events=False),
    }
    return root, results


def test_a_run_compared_with_itself_shows_zero_differences(runs):
    root, _ = runs
    c = compare([root / "A", root / "A"])
    diffs = c.diffs["B"]
    assert diffs and all(d[0] == 0 for d in diffs.values())
    for metric in ("wait_mean_min", "abandon_fraction", "wait_p90_min", "sl_sl20_day", "sl_sl40_day", "unserved"):
        assert diffs[metric] == (0.0, 0.0, 0.0, "paired"), metric
    assert c.paired == {"B": True}
    assert c.sentences[1] == "B: misses " + c.sentences[0].split("misses ")[1].split(";")[0] + \
        "; costs the same as A; mean wait about the same as A."


def test_paired_differences_with_common_random_numbers(runs):
    root, _ = runs
    c = compare([root / "A", root / "B"])
    a, b = c.table.iloc[0], c.table.iloc[1]
    d = c.diffs["B"]["wait_mean_min"]
    assert d[3] == "paired"
    # the paired difference of the ratio estimates is the difference of the headline numbers ...
    assert d[0] == pytest.approx(b["wait_mean_min"] - a["wait_mean_min"], rel=1e-4, abs=1e-4)
    # ... and its interval is narrower than for independent runs (the same citizens in both options)
    independent = np.hypot(a["wait_mean_min_hi"] - a["wait_mean_min_lo"], b["wait_mean_min_hi"] - b["wait_mean_min_lo"])
    assert d[2] - d[1] < independent
    assert d[1] < d[0] < d[2] and d[0] < 0  # one more police officer at the counter: shorter waits
    assert "paired differences (common random numbers: same seed 20261125, 5 shared replications)" in c.notes[0]
    assert c.diffs["B"]["cost"][3] == "paired"  # staff_replications.csv pairs cost by replication too
    pct = (b["cost"] - a["cost"]) / a["cost"] * 100
    assert f"costs {pct:.0f}% more than A" in c.sentences[1]
    assert "mean wait" in c.sentences[1] and "shorter than A" in c.sentences[1]


def test_runs_with_different_seeds_say_so_instead_of_pairing(runs):
    root, _ = runs
    c = compare([root / "A", root / "B", root / "C"])
    assert c.paired == {"B": True, "C": False}
    assert any("C and A do not share seeds (A: 20261125, C: 7): no paired intervals" in n for n in c.notes)
    assert {d[3] for d in c.diffs["C"].values()} == {"independent"}
    assert list(c.table["paired_with_A"]) == [None, True, False]


def test_per_replication_staff_table_pairs_cost(runs, tmp_path):
    root, results = runs
    for name in ("A", "B"):
        shutil.copytree(root / name, tmp_path / name)
        results[name].tables["staff"].to_csv(tmp_path / name / "staff_replications.csv", index=False)
    c = compare([tmp_path / "A", tmp_path / "B"])
    cost = c.diffs["B"]["cost"]
    assert cost[3] == "paired"
    assert cost[0] == pytest.approx(c.table.iloc[1]["cost"] - c.table.iloc[0]["cost"], abs=1e-3)
    assert not any("per-replication staff table" in n for n in c.notes)


def test_compare_runs_writes_csv_and_page(runs, tmp_path, monkeypatch):
    root, _ = runs
    out = tmp_path / "cmp"
    monkeypatch.setattr(plots.style, "cjk_fonts", lambda: [])  # a machine without a CJK font: said on the page
    c = compare_runs([root / "A", root / "B"], out, lang="zh")
    assert len(c.warnings) == 1 and "no CJK font is installed" in c.warnings[0]
    assert sorted(p.name for p in out.iterdir()) == ["compare.html", "comparison.csv", "figures", "results.xlsx"]
    table = pd.read_csv(out / "comparison.csv")
    assert list(table["option"]) == ["A", "B"]
    for column in ("cost", "paid_hours", "staff", "overtime_min", "wait_mean_min", "wait_p90_min", "abandon_fraction",
                   "sl20_share_met", "sl_sl20_day", "sl_sl20_day_lo", "diff_wait_mean_min", "diff_wait_mean_min_lo",
                   "diff_wait_mean_min_method", "summary"):
        assert column in table.columns, column
    assert table.loc[0, "sl20_share_met"] == table.loc[0, "sl20_intervals_met"] / table.loc[0, "sl20_intervals"]
    assert "平均等待" in c.sentences[1]
    text = (out / "compare.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in text and "排班方案对比" in text and "data:image/png;base64," in text
    assert '<div class="warn">' in text


def test_different_intervals_are_refused_and_nothing_is_written(runs, tmp_path):
    root, _ = runs
    out = tmp_path / "cmp"
    with pytest.raises(CompareError, match="different intervals.*10 intervals of 60 min.*18 intervals of 30 min"):
        compare_runs([root / "A", root / "D"], out)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_is_not_a_run_is_refused(runs, tmp_path):
    root, _ = runs
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("hello")
    out = tmp_path / "cmp"
    with pytest.raises(NotARunError, match="notes is not a run folder: manifest.json is missing"):
        compare_runs([root / "A", tmp_path / "notes"], out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]
    incomplete = tmp_path / "incomplete"
    shutil.copytree(root / "A", incomplete)
    (incomplete / "targets.csv").unlink()
    with pytest.raises(NotARunError, match="incomplete run folder: targets.csv is missing"):
        compare_runs([root / "A", incomplete], out)
    assert not out.exists()
    with pytest.raises(CompareError, match="at least one"):
        compare([])


def test_an_existing_output_folder_is_never_overwritten(runs, tmp_path):
    root, _ = runs
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(RunFolderError, match="already exists"):
        compare_runs([root / "A"], out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_load_run_reads_tables_on_demand(runs):
    root, _ = runs
    run = load_run(root / "A")
    assert run.seed == SEED and run.replications == 5
    assert run.frame("citizens.parquet", required=False) is None  # written without events
    assert run.interval_grid() == (60.0, ("08:30-09:00", "09:00-10:00", "10:00-11:00", "11:00-12:00", "12:00-13:00",
                                          "13:00-14:00", "14:00-15:00", "15:00-16:00", "16:00-17:00", "17:00-17:30"))


def test_paired_ratio_difference():
    assert paired_ratio_diff([8, 9, 7], [10, 10, 10], [8, 9, 7], [10, 10, 10]) == (0.0, 0.0, 0.0)
    d, lo, hi = paired_ratio_diff([5, 6, 7, 6], [10, 10, 10, 10], [7, 8, 8, 8], [10, 10, 10, 10])
    assert d == pytest.approx(0.175) and lo < d < hi


def cli(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    compare_cmd.add_parser(sub)
    compare_cmd.add_report_parser(sub)
    args = parser.parse_args(argv)
    return {"compare": compare_cmd.run, "report": compare_cmd.run_report}[args.command](args)


def test_compare_command(runs, tmp_path, capsys):
    root, _ = runs
    assert cli(["compare", str(root / "A"), str(root / "C"), "--out", str(tmp_path / "ok")]) == 0
    out = capsys.readouterr().out
    assert "do not share seeds" in out and out.count("\nB: ") == 1 and str(tmp_path / "ok" / "compare.html") in out
    assert cli(["compare", str(root / "A"), str(tmp_path / "nothing"), "--out", str(tmp_path / "bad")]) == 2
    assert "error: " in capsys.readouterr().err and not (tmp_path / "bad").exists()
    assert cli(["compare", str(root / "A"), str(root / "D"), "--out", str(tmp_path / "bad")]) == 2
    assert "different intervals" in capsys.readouterr().err
    assert cli(["compare", str(root / "A"), "--names", "x,y", "--out", str(tmp_path / "bad")]) == 2
    assert cli(["report", str(tmp_path / "nothing")]) == 2
    assert "does not exist" in capsys.readouterr().err
