"""queueplan for researchers and scripts: load a scenario, simulate it, optimise its roster, read the results.

    import queueplan as qp

    s = qp.load("scenarios/county_hall.yaml")          # a validated, frozen Scenario
    r = qp.run(s, reps=20, seed=1, events=True)         # ExperimentResult (replications in parallel if workers > 1)
    t = qp.tables(r)                                    # {"intervals": ..., "targets": ..., "staff": ...}
    c = qp.citizens(r)                                  # one row per citizen and replication
    ax = qp.plots.plot_wait_cdf(c, s.targets)           # the scenario's targets as they are; the Axes
    plan, search = qp.optimise(s, budget_s=60)          # StaffingPlan, SearchResult
    qp.__version__

Everything is imported on first use, so ``import queueplan`` (and the
``queueplan`` command) start without loading numpy, pandas or the simulator.
Names: :func:`load`, :func:`run`, :func:`optimise`, :func:`tables`,
:func:`citizens`, :func:`read_run`, :data:`plots` (:mod:`study.figures`).
"""

from __future__ import annotations

from importlib import import_module, metadata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from optimise.loop import StaffingPlan
    from optimise.search import SearchResult
    from sim.experiment import ExperimentResult
    from sim.scenario import Scenario

__all__ = ["__version__", "load", "run", "optimise", "tables", "citizens", "read_run", "plots"]

try:
    __version__ = metadata.version("queueplan")
except metadata.PackageNotFoundError:  # a checkout on sys.path that is not installed
    __version__ = "unknown"

# the file name (without .csv) each table of ExperimentResult.summary() is written as by `queueplan run`
TABLE_FILES = {"citizens": "intervals", "targets": "targets", "staff": "staff", "steps": "steps",
               "staff_interval": "staff_intervals", "queue": "queue_intervals", "appointments": "appointments"}
#: per-replication tables of ``result.tables`` and the files they are written to
REPLICATION_FILES = {"citizens": "replications", "staff": "staff_replications", "queue_grid": "queue_grid"}


def load(path) -> Scenario:
    """The scenario in YAML file ``path``, validated; raises ``sim.loading.ScenarioError`` naming field and line.

    Returns a frozen :class:`sim.scenario.Scenario`.
    """
    from sim.loading import load_scenario

    return load_scenario(path)


def run(scenario, reps: int | None = None, seed: int | None = None, *, workers: int = 1,
        events: bool = False) -> ExperimentResult:
    """Simulate ``scenario`` (a Scenario or a YAML path) for ``reps`` replications from ``seed``.

    ``reps`` and ``seed`` default to the scenario's ``experiment`` block;
    ``workers`` > 1 (or 0: all cores) runs replications in a process pool,
    with the same numbers for any worker count; ``events`` keeps each
    replication's event log (needed by :func:`citizens`). Returns a
    :class:`sim.experiment.ExperimentResult`: ``.summary()`` (see
    :func:`tables`), ``.tables`` (per replication), ``.logs`` (with ``events``).
    """
    from sim.experiment import run_experiment

    s = load(scenario) if not hasattr(scenario, "experiment") else scenario
    return run_experiment(s, reps, seed, workers=workers, keep_logs=events)


def tables(result) -> dict[str, pd.DataFrame]:
    """Every table of a result, named as the CSV files ``queueplan run`` writes them to.

    Returns ``{name: DataFrame}``. Summaries over replications: ``intervals``
    (per interval x service type x class: means and 95% CIs), ``targets``
    (every target in every interval), ``staff`` (by type and station),
    ``steps``, ``staff_intervals``, ``queue_intervals``[, ``appointments``].
    Per replication (a ``rep`` column): ``replications`` (the citizens'
    table of every day), ``staff_replications``, ``queue_grid`` (people
    waiting per station on a time grid). And ``wait_histogram`` (the pooled
    whole-day waits).
    """
    from study.runs.write import wait_histogram_frame

    out = {TABLE_FILES.get(k, k): v for k, v in result.summary().items()}
    for name, file in REPLICATION_FILES.items():
        out[file] = result.tables[name]
    if result.wait_hist is not None:
        out["wait_histogram"] = wait_histogram_frame(result)
    return out


def citizens(result) -> pd.DataFrame:
    """One frame of every citizen of every replication (``rep``, ``citizen_id``, service type, class, times, outcome).

    Needs a result run with ``events=True``. Columns: ``rep, citizen_id,
    service_type, class, arrive_min, ticket_min, patience_min, outcome,
    balked, slot_min, wait_min, leave_min`` (minutes since midnight).
    """
    import pandas as pd

    if result.logs is None:
        raise ValueError("this result kept no event logs: run it with qp.run(..., events=True)")
    return pd.concat([log.citizens_frame() for log in result.logs], ignore_index=True)


def read_run(path):
    """A finished run folder (``queueplan run`` or ``optimise``): ``.manifest``, ``.summary``, ``.frame(name)``.

    Returns a :class:`study.runs.load.Run`; raises ``NotARunError`` with the reason for anything else.
    """
    from study.runs.load import load_run

    return load_run(path)


def optimise(scenario, settings=None, *, search: bool = True, workers: int = 1, **options
             ) -> tuple[StaffingPlan, SearchResult | None]:
    """The cheapest roster found for ``scenario`` that meets every target, verified on fresh seeds.

    ``settings`` overrides the scenario's ``optimise:`` block (an
    ``OptimiseSettings``, or a YAML path). With ``search`` (default) the
    search of :func:`optimise.search.find_roster` (``options``: ``budget_s``,
    ``replications``, ``solver``, ``time_limit_s`` ...); without it the
    simulate-and-repair loop alone (:func:`optimise.loop.plan_staffing`).
    Returns ``(plan, search_result)``; ``search_result`` is None without
    ``search``. ``plan.roster``, ``plan.cost``, ``plan.verification`` (an
    ExperimentResult on fresh seeds), ``plan.iterations`` (a frame).
    """
    from optimise.settings import load_settings, resolve_settings

    s = load(scenario) if not hasattr(scenario, "experiment") else scenario
    if settings is not None and not hasattr(settings, "shift_templates"):
        settings = load_settings(settings)
    if not search:
        from optimise.loop import plan_staffing

        return plan_staffing(s, settings, workers=workers, **options), None
    from optimise.search import find_roster

    return find_roster(s, resolve_settings(s, settings), workers=workers, **options)


def __getattr__(name: str):
    if name == "plots":  # the figures (matplotlib) only when asked for
        return import_module("study.figures")
    raise AttributeError(f"module 'queueplan' has no attribute {name!r}")
