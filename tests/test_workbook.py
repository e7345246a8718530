"""``results.xlsx``: opens with openpyxl and holds the same numbers as the CSV files it copies."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from study.runs.write_compare import compare_runs
from study.tables.workbook import FILE, column_zh, tables_of

from .test_compare import one_more_police
from .test_report import make_run


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("workbook")
    make_run(root / "A", reps=2, events=False)
    make_run(root / "B", one_more_police, reps=2, events=False)
    compare_runs([root / "A", root / "B"], root / "cmp", lang="zh")
    return root


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b)) or b == ""
    if isinstance(a, (int, float)) and not isinstance(a, bool) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0)
    return str(a) == str(b)


def _check_sheets(folder, expected_sheets):
    from openpyxl import load_workbook

    wb = load_workbook(folder / FILE, read_only=True)
    seen = []
    for key, source, frame in tables_of(folder):
        sheet = next(ws for ws in wb.worksheets if ws.title == wb.sheetnames[len(seen) + 1])
        rows = list(sheet.iter_rows(values_only=True))
        assert source in rows[0][0]
        assert list(rows[1][:len(frame.columns)]) == list(frame.columns)
        assert list(rows[2][:len(frame.columns)]) == [column_zh(c) for c in frame.columns]
        if source.endswith(".csv"):  # the same numbers as the file itself, read independently
            csv = pd.read_csv(folder / source)
            assert len(rows) - 3 == len(csv)
            for got, want in zip(rows[3:], csv.itertuples(index=False)):
                assert all(_same(w, g) for w, g in zip(want, got)), (source, got, want)
        seen.append(source)
    assert seen == expected_sheets
    return wb


def test_run_workbook_holds_the_csv_numbers(folders):
    wb = _check_sheets(folders / "A", ["targets.csv", "manifest.json (scenario roster)", "staff.csv"])
    assert wb.sheetnames[0] == "about"
    assert "目标" in [c for row in wb["targets"].iter_rows(min_row=3, max_row=3, values_only=True) for c in row]


def test_compare_workbook_is_in_chinese_and_holds_comparison_csv(folders):
    wb = _check_sheets(folders / "cmp", ["comparison.csv"])
    assert wb.sheetnames == ["说明", "方案对比"]
    third = next(wb["方案对比"].iter_rows(min_row=3, max_row=3, values_only=True))
    assert "方案" in third and "成本" in third
