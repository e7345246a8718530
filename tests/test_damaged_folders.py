"""``queueplan report`` and ``compare`` on a damaged results folder name the wrong file, exit 2, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from study.cli import main

ROOT = Path(__file__).resolve().parents[1]
FILES = ("summary.json", "manifest.json", "intervals.csv", "targets.csv", "replications.csv", "staff.csv",
         "staff_intervals.csv", "queue_grid.csv")
DAMAGE = {
    "missing": lambda p: p.unlink(),
    "garbage": lambda p: p.write_bytes(b"\x00\xff garbage,\n\"unclosed"),
    "cut_short": lambda p: p.write_bytes(p.read_bytes()[:150]),
    "empty": lambda p: p.write_bytes(b""),
    "wrong_shape": lambda p: p.write_text("[1, 2]\n" if p.suffix == ".json" else "a,b\n1,2\n"),
}


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    folder = tmp_path_factory.mktemp("damaged") / "good"
    assert main(["run", str(ROOT / "scenarios" / "county_hall.yaml"), "--reps", "2", "--workers", "1",
                 "--no-report", "--out", str(folder)]) == 0
    return folder


# report needs these; compare needs every file but the figure tables
REPORT_NEEDS = {"summary.json", "manifest.json", "intervals.csv", "targets.csv", "staff_intervals.csv",
                "queue_grid.csv"}
COMPARE_NEEDS = {"summary.json", "manifest.json", "intervals.csv", "targets.csv", "replications.csv", "staff.csv"}


SAMPLE = [("summary.json", "garbage"), ("summary.json", "wrong_shape"), ("manifest.json", "cut_short"),
          ("intervals.csv", "missing"), ("intervals.csv", "cut_short"), ("targets.csv", "empty"),
          ("targets.csv", "wrong_shape"), ("replications.csv", "garbage"), ("staff.csv", "cut_short"),
          ("queue_grid.csv", "missing")]
GRID = [pytest.param(n, d, marks=[] if (n, d) in SAMPLE else [pytest.mark.slow]) for n in FILES for d in DAMAGE]


@pytest.mark.parametrize("name,damage", GRID)
def test_damaged_file_is_named(good, tmp_path, capsys, name, damage):
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    DAMAGE[damage](bad / name)
    for command, needs in ((["report", str(bad)], REPORT_NEEDS),
                           (["compare", str(good), str(bad), "--out", str(tmp_path / "cmp")], COMPARE_NEEDS)):
        code = main(command)
        err = capsys.readouterr().err
        assert "Traceback" not in err
        if name in needs:
            assert code == 2, (command, err)
            assert name in err, err
        else:
            assert code in (0, 2), err
            if code == 2:
                assert name in err or "damaged" in err, err
    assert not (tmp_path / "cmp").exists() or (tmp_path / "cmp" / "compare.html").exists()
