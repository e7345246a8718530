"""What each ``queueplan`` subcommand does and an example of it, shown by ``queueplan COMMAND --help``.

Kept in one place so every subcommand's help has a description and an
example; :func:`describe` adds them to the parsers that :mod:`study.cli` built.
"""

from __future__ import annotations

import argparse

HELP = {
    "run": ("Simulate a scenario for a number of replications (simulated days) and write a results folder: "
            "tables, results.xlsx, report.html with figures.",
            "queueplan run scenarios/county_hall.yaml --reps 20 --seed 1 --lang zh"),
    "validate": ("Check a scenario file and report every problem with its file, line and field.",
                 "queueplan validate scenarios/county_hall.yaml"),
    "schema": ("Print the JSON Schema of scenario files, for editors that complete and check YAML.",
               "queueplan schema > scenario.schema.json"),
    "optimise": ("Find the cheapest roster that meets every target (requirements, shift MILP, simulate and "
                 "repair, local search) and verify it by simulation on fresh seeds.",
                 "queueplan optimise scenarios/county_hall.yaml --time-limit 30 --lang zh"),
    "compare": ("Put finished run folders side by side (the first is the baseline), with paired differences "
                "when they share the seed, and a one-line verdict.",
                "queueplan compare results/county_hall/RUN_A results/county_hall/RUN_B --names now,more_police"),
    "report": ("Draw report.html and the figures of a finished run folder again (e.g. in another language).",
               "queueplan report results/county_hall/RUN --lang zh"),
    "sweep": ("Run one scenario over a grid of changes, every point on the same citizens, and compare the points.",
              "queueplan sweep scenarios/county_hall.yaml --vary roster.0.count=4,5,6 --reps 10"),
    "frontier": ("Optimise at several service levels of one target and trace cost against the level.",
                 "queueplan frontier scenarios/county_hall.yaml --levels 0.7,0.8,0.9 --target sl20"),
    "fit": ("Fit a scenario (arrival profile, mix, work times, patience) from a ticket-system export.",
            "queueplan fit tickets_2026-03.csv -o fitted.yaml --base scenarios/county_hall.yaml"),
    "calibrate": ("Simulate a scenario with the staffing seen in a ticket log and compare hour by hour.",
                  "queueplan calibrate fitted.yaml tickets_2026-03.csv --reps 20"),
    "roster": ("Roster named staff over a week (or any horizon): the MILP over people, days, shifts and stations, "
               "every rule checked, each day simulated on fresh seeds; writes roster_week.csv/.xlsx and calendars.",
               "queueplan roster scenarios/county_week.yaml --reps 10"),
    "forecast": ("Forecast the daily volume of the coming weeks from ticket logs, with a backtest.",
                 "queueplan forecast tickets_2026-*.csv --weeks 4"),
}


def describe(subparsers: argparse._SubParsersAction) -> None:
    """Give every subcommand a description (unless it has one) and an example in its ``--help``."""
    for name, parser in subparsers.choices.items():
        text = HELP.get(name)
        if text is None:
            continue
        description, example = text
        parser.description = parser.description or description
        parser.epilog = f"example:\n  {example}"
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
