"""Bad ticket logs: every mistake is named by file, line and column, with exit code 2."""

from pathlib import Path

import pytest

from study.cli import main

BAD = Path(__file__).parent / "bad_logs"

CASES = [
    ("missing_columns.csv", [], ["line 1: call_time: required column missing"]),
    ("call_before_issue.csv", [], ["line 3: call_time: called at 2026-01-05 08:45:00, before the ticket was issued"]),
    ("unknown_service.csv", [], ["line 3: service: unknown service type '驾照换证'"]),
    ("mixed_dates.csv", [], ["line 3: issue_time: mixed date formats: '05/01/2026 08:50'"]),
    ("duplicate_ticket.csv", [], ["line 4: ticket: duplicate ticket A0001 on 2026-01-05 (first at line 2)"]),
    ("empty.csv", [], ["empty.csv: the file is empty"]),
    ("wrong_map.csv", ["--map", str(BAD / "wrong_map.yaml")],
     ["line 1: Isued: the column map names this header but the file has none such"]),
    ("unknown_status.csv", [], ["line 3: status: unknown status 'finished?'"]),
]


@pytest.mark.parametrize("name, extra, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_log_is_reported_with_file_and_line(name, extra, expected, tmp_path, capsys):
    code = main(["fit", str(BAD / name), "-o", str(tmp_path / "s.yaml"), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    for text in expected:
        assert f"error: {BAD / name}" in err
        assert text in err, err
    assert not (tmp_path / "s.yaml").exists()


def test_wrong_map_value_names_the_map_key(tmp_path, capsys):
    bad_map = tmp_path / "m.yaml"
    bad_map.write_text("columns: {No.: tiket}\n", encoding="utf-8")
    code = main(["fit", str(BAD / "wrong_map.csv"), "-o", str(tmp_path / "s.yaml"), "--map", str(bad_map)])
    err = capsys.readouterr().err
    assert code == 2 and f"error: {bad_map}: columns.No.: 'tiket' is not a ticket-log column" in err


def test_skip_bad_rows_counts_them():
    from study.ticketlog.importing import read_logs

    rows, skipped = read_logs([BAD / "call_before_issue.csv"], skip_bad_rows=True)
    assert skipped == 1 and len(rows) == 2
