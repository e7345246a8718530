"""The ``queueplan`` package for scripts, and the command line's manners.

``import queueplan`` and ``queueplan --help`` load none of the heavy
libraries (checked in a fresh interpreter, by module, not by timing);
``qp.load`` / ``qp.run`` / ``qp.tables`` / ``qp.citizens`` give the same
numbers as a run's summary; plot functions draw on a caller's ``ax`` and
take ``scenario.targets`` as they are; every subcommand's help has a
description and an example, and ``--workers`` has one default everywhere.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "county_hall.yaml"
HEAVY = ("pandas", "numpy", "matplotlib", "simpy", "pulp", "scipy", "openpyxl", "jinja2", "pydantic", "yaml")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_import_queueplan_and_the_help_load_no_heavy_library():
    assert _loaded_after("import queueplan; queueplan.__version__") == []
    assert _loaded_after("import study.cli; study.cli._parser().format_help()") == []


def test_writing_a_run_and_its_report_never_imports_pyplot(tmp_path):
    code = (f"from tests.builders import mmc_scenario\nfrom sim.experiment import run_experiment\n"
            f"from study.runs.write import write_run\n"
            f"r = run_experiment(mmc_scenario(0.2, 5.0, 2, open_min=480, close_min=600), 2, 1, workers=1)\n"
            f"write_run(r, {str(tmp_path / 'run')!r}, '<t>', 1, ['queueplan'])\n"
            f"assert __import__('pathlib').Path({str(tmp_path / 'run' / 'report.html')!r}).exists()\n"
            f"assert 'matplotlib' in sys.modules and 'matplotlib.figure' in sys.modules\n"
            f"print('pyplot' if 'matplotlib.pyplot' in sys.modules else 'no pyplot')")
    probe = f"import sys\n{code}"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("no pyplot"), out.stdout


def test_version_from_package_metadata():
    import queueplan as qp

    assert qp.__version__ == metadata.version("queueplan")
    out = subprocess.run([sys.executable, "-m", "study.cli", "--version"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"queueplan {qp.__version__}"


def _subparsers():
    from study.cli import _parser

    p = _parser()
    action = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


def test_every_subcommand_has_a_description_and_an_example():
    for name, sub in _subparsers().items():
        text = sub.format_help()
        assert sub.description, name
        assert "example:\n  queueplan " + name in text, name


def test_one_default_for_workers():
    defaults = {name: next(a.default for a in sub._actions if a.dest == "workers")
                for name, sub in _subparsers().items() if any(a.dest == "workers" for a in sub._actions)}
    assert set(defaults) >= {"run", "optimise", "sweep", "frontier"}
    assert set(defaults.values()) == {0}


@pytest.fixture(scope="module")
def result():
    import queueplan as qp

    scenario = qp.load(SCENARIO)
    return scenario, qp.run(scenario, reps=2, seed=5, events=True)


def test_run_tables_and_citizens(result):
    import queueplan as qp

    scenario, r = result
    tables = qp.tables(r)
    assert {"intervals", "targets", "staff", "steps", "staff_intervals", "queue_intervals"} <= set(tables)
    assert sorted(tables["replications"]["rep"].unique()) == [0, 1]
    c = qp.citizens(r)
    assert sorted(c["rep"].unique()) == [0, 1]
    day = tables["intervals"]
    day = day[(day["interval"] == "day") & (day["service_type"] == "*") & (day["class"] == "*")].iloc[0]
    for outcome in ("served", "abandoned"):
        assert (c["outcome"] == outcome).sum() / 2 == pytest.approx(day[outcome])
    with pytest.raises(ValueError, match="events=True"):
        qp.citizens(qp.run(scenario, reps=1, seed=5))


def test_plots_take_the_scenarios_targets_and_an_ax(result):
    import matplotlib.pyplot as plt

    import queueplan as qp

    scenario, r = result
    fig, (left, right) = plt.subplots(1, 2)
    assert qp.plots.plot_wait_cdf(qp.citizens(r), scenario.targets, ax=left) is left
    assert any(t.get_text().startswith("target sl") for t in left.get_legend().get_texts())
    qp.plots.plot_time_in_system(qp.tables(r)["intervals"], ax=right)
    assert right.get_title() and len(fig.axes) == 2
    plt.close(fig)


def test_tables_are_named_like_the_files_a_run_writes(tmp_path):
    """Every CSV of a ``queueplan run`` folder is a table of ``qp.tables``, with the same columns."""
    import pandas as pd

    import queueplan as qp
    from study.cli import main

    folder = tmp_path / "run"
    assert main(["run", str(SCENARIO), "--reps", "2", "--seed", "5", "--workers", "1", "--no-report",
                 "--out", str(folder)]) == 0
    tables = qp.tables(qp.run(qp.load(SCENARIO), reps=2, seed=5))
    files = {p.stem: p for p in folder.glob("*.csv")}
    assert files and set(files) <= set(tables)
    for stem, path in files.items():
        assert list(pd.read_csv(path).columns) == list(tables[stem].columns), stem

