"""Bad scenario files give one clear error naming the file, the line and the field.

The corpus in ``tests/bad_scenarios/`` holds small scenario files with one
defect each. Each file starts with a header stating what a planner must be told:

    # expect: <field path as in Problem.field, or <none> for YAML syntax / file shape>
    # line: <N, or <none>>
    # message: <a substring the message must contain, or ->
    # defect: <what is wrong, in words>

For every file, ``load_scenario`` must raise ``ScenarioError`` whose first
problem names that field and line, and ``queueplan validate FILE`` must exit 2
with ``error: FILE, line N: FIELD: MESSAGE`` on standard error and no traceback.
The CLI is run in-process on every file (a subprocess costs ~0.5 s) and as a real
subprocess on a sample of files and on the whole-file cases below.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.loading import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "tests" / "bad_scenarios"
CORPUS = sorted(CORPUS_DIR.glob("*.yaml"))
NONE = "<none>"

# Corpus files whose correct behaviour the loader does not give yet (see the reasons).
KNOWN_BUGS: dict[str, str] = {}


def _header(path: Path) -> dict[str, str]:
    header = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# ") or ": " not in line:
            break
        key, value = line[2:].split(": ", 1)
        header[key.strip()] = value.strip()
    missing = {"expect", "line", "message", "defect"} - set(header)
    assert not missing, f"{path.name}: header lacks {sorted(missing)}"
    return header


def _expected(path: Path) -> tuple[str, int | None, str | None]:
    h = _header(path)
    field = "" if h["expect"] == NONE else h["expect"]
    line = None if h["line"] == NONE else int(h["line"])
    message = None if h["message"] == "-" else h["message"]
    return field, line, message


def _params():
    out = []
    for path in CORPUS:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[path.stem])] if path.stem in KNOWN_BUGS else []
        out.append(pytest.param(path, id=path.stem, marks=marks))
    return out


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _validate(target: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "study.cli", "validate", target], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def _cli_available() -> bool:
    return (ROOT / "study" / "cli.py").exists()


needs_cli = pytest.mark.skipif(not _cli_available(), reason="study/cli.py not written yet")


def _validate_in_process(target: str, capsys, monkeypatch) -> subprocess.CompletedProcess:
    """``queueplan validate`` through ``study.cli.main`` in this process (a subprocess costs ~0.5 s)."""
    from study.cli import main

    monkeypatch.chdir(ROOT)
    try:
        code = main(["validate", target])
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["queueplan", "validate", target], code, out, err)


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 24


@pytest.mark.parametrize("path", _params())
def test_loader_names_field_and_line(path: Path):
    field, line, message = _expected(path)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    assert problems, "ScenarioError without problems"
    first = problems[0]
    assert first.file == str(path)
    assert (first.field, first.line) == (field, line), f"first problem: {first}"
    if message:
        assert message in first.message, f"first problem: {first}"


@needs_cli
@pytest.mark.parametrize("path", _params())
def test_cli_validate_reports_error(path: Path, capsys, monkeypatch):
    field, line, message = _expected(path)
    run = _validate_in_process(_rel(path), capsys, monkeypatch)
    _assert_reported(run, path, field, line, message)


def _assert_reported(run: subprocess.CompletedProcess, path: Path, field: str, line: int | None,
                     message: str | None) -> None:
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    errors = [ln for ln in run.stderr.splitlines() if ln.startswith("error: ")]
    assert errors, run.stderr
    prefix = f"error: {_rel(path)}" + (f", line {line}" if line else "") + ": " + (f"{field}: " if field else "")
    assert errors[0].startswith(prefix), f"expected {prefix!r}...\ngot {errors[0]!r}"
    if message:
        assert message in errors[0][len(prefix):], errors[0]


SUBPROCESS_SAMPLE = ["yaml_bad_indentation", "unknown_key_nested", "more_staff_than_windows", "top_level_list"]


@needs_cli
@pytest.mark.parametrize("path", [p for p in _params() if p.values[0].stem in SUBPROCESS_SAMPLE])
def test_cli_subprocess_reports_error(path: Path):
    """The real entry point (``python -m study.cli``), on one file of each kind of defect."""
    field, line, message = _expected(path)
    _assert_reported(_validate(_rel(path)), path, field, line, message)


# Files that are not in the corpus: whole-file shapes and paths.


@needs_cli
def test_valid_scenario_validates():
    run = _validate("scenarios/county_hall.yaml")
    assert run.returncode == 0, run.stderr
    assert "error" not in run.stderr


@needs_cli
def test_missing_path_is_a_clear_error():
    run = _validate("scenarios/no_such_hall.yaml")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "scenarios/no_such_hall.yaml" in run.stderr and "no such file" in run.stderr


@needs_cli
def test_directory_is_a_clear_error():
    run = _validate("scenarios")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "scenarios" in run.stderr and "folder" in run.stderr


@needs_cli
def test_zero_byte_file_is_a_clear_error(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_bytes(b"")
    run = _validate(str(empty))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert str(empty) in run.stderr and "empty" in run.stderr


def test_unquoted_clock_times_are_accepted(tmp_path):
    text = (ROOT / "scenarios" / "county_hall.yaml").read_text(encoding="utf-8")
    text = text.replace('{start: "14:00", end: "17:30"}', "{start: 14:00, end: 17:30}")
    text = text.replace('last_ticket: "17:30"', "last_ticket: 17:30")
    text = text.replace('start: "08:30"\n    end: "17:30"', "start: 08:30\n    end: 17:30")
    assert "{start: 14:00, end: 17:30}" in text and "last_ticket: 17:30" in text and "start: 08:30\n" in text
    path = tmp_path / "unquoted.yaml"
    path.write_text(text, encoding="utf-8")
    s = load_scenario(path)
    assert s.hours.sessions[1].start == 14 * 60
    assert s.hours.sessions[1].end == 17 * 60 + 30
    assert s.hours.last_ticket == 17 * 60 + 30
    assert (s.shift_patterns["STD"].start, s.shift_patterns["STD"].end) == (510.0, 1050.0)


def test_unquoted_clock_is_kept_as_a_string_not_base_60(tmp_path):
    """``start: 14:00`` is "14:00" to the loader, so a bad one is reported as the planner wrote it."""
    text = (ROOT / "scenarios" / "county_hall.yaml").read_text(encoding="utf-8")
    path = tmp_path / "unquoted_bad.yaml"
    path.write_text(text.replace('last_ticket: "17:30"', "last_ticket: 17:75"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    first = info.value.problems[0]
    assert first.field == "hours.last_ticket"
    assert "17:75" in first.message


def test_python_tags_are_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "tagged.yaml"
    text = (ROOT / "scenarios" / "county_hall.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("name: county_hall",
                                 f'name: !!python/object/apply:os.system ["echo hi; touch {marker}"]'),
                    encoding="utf-8")
    with pytest.raises(ScenarioError):
        load_scenario(path)
    assert not marker.exists()
    if _cli_available():
        run = _validate(str(path))
        assert run.returncode == 2
        assert "Traceback" not in run.stderr
        assert "hi" not in run.stdout.split()
        assert f"{path}, line 10" in run.stderr
        assert not marker.exists()


def test_recursive_alias_is_an_error_not_a_crash(tmp_path):
    """A self-referring YAML alias must give a ScenarioError (and exit 2), never a RecursionError."""
    text = (ROOT / "scenarios" / "county_hall.yaml").read_text(encoding="utf-8")
    path = tmp_path / "alias.yaml"
    path.write_text(text.replace("name: county_hall", "name: county_hall\nloop: &loop [*loop]"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems[0].line == 11
    if _cli_available():
        run = _validate(str(path))
        assert run.returncode == 2
        assert "Traceback" not in run.stderr
        assert f"{path}, line 11" in run.stderr


def test_non_utf8_file_is_reported_by_line(tmp_path):
    text = (ROOT / "scenarios" / "county_hall.yaml").read_text(encoding="utf-8")
    path = tmp_path / "gbk.yaml"
    lines = text.split("\n")
    lines[11] = lines[11] + " # " 
    raw = "\n".join(lines).encode("utf-8").replace(lines[11].encode("utf-8"), lines[11].encode("utf-8") + "县".encode("gbk"), 1)
    path.write_bytes(raw)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    first = info.value.problems[0]
    assert first.line == 12 and "UTF-8" in first.message


def test_huge_file_is_refused_before_parsing(tmp_path, monkeypatch):
    import sim.loading

    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:
        f.write(b"name: x\n")
        f.truncate(6 * 1024 * 1024)
    parsed = []
    monkeypatch.setattr(sim.loading.yaml, "compose", lambda *a, **k: parsed.append(1))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "MB" in info.value.problems[0].message and not parsed


@needs_cli
def test_run_too_big_is_refused_unless_forced(tmp_path, capsys, monkeypatch):
    from study.cli import main

    text = (ROOT / "scenarios" / "county_hall.yaml").read_text(encoding="utf-8")
    path = tmp_path / "big.yaml"
    path.write_text(text.replace("replications: 100", "replications: 100000"), encoding="utf-8")
    assert "replications: 100000" in path.read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(path), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "citizens" in err and "Traceback" not in err
    assert not (tmp_path / "results").exists()


def test_percentage_like_multiplier_is_a_warning(tmp_path):
    from sim.loading import scenario_warnings

    text = (CORPUS_DIR / "multiplier_1e300.yaml").read_text(encoding="utf-8").replace("factor: 1e300}", "factor: 112}")
    path = tmp_path / "pct.yaml"
    path.write_text(text, encoding="utf-8")
    warnings = scenario_warnings(load_scenario(path))
    assert any("1.12" in w and "multipliers[0].factor" in w for w in warnings), warnings
