"""Sane bounds on every number and list of a scenario, and on the size of a run.

A value outside these bounds is not a hall: ``windows: 1e9`` would exhaust
memory, ``mean_min: 1e308`` overflows to infinity, a route of more steps than
the event log can number corrupts waits. Each bound is an error naming file,
line and field (pydantic's message "Input should be less than or equal to
...", placed by :mod:`sim.loading`). Values inside the bounds but unlikely are
warnings (:mod:`sim.plausibility`).

Bounds
------
=====================================  =========================
windows of a station or window group   1 .. 1,000
staff of one roster entry              0 .. 1,000
daily walk-in volume                   > 0 .. 100,000
a volume multiplier                    > 0 .. 1,000 (warned above 5)
any duration in minutes                .. 1,440 (one day)
coefficient of variation               > 0 .. 10
speed factor of a skill                > 0 .. 10
cost per hour                          0 .. 1,000,000
overtime factor                        1 .. 10
currency label                         1 .. 16 characters
training cost per person and skill     0 .. 100,000,000 (one-off)
training amortisation                  1 .. 3,650 working days
short absences per staff-day           0 .. 50
appointment capacity per slot          0 .. 10,000
replications                           1 .. 100,000
steps in a route                       1 .. 64 (the event log's step numbering)
service types, stations, staff types   1 .. 200 each
priority classes                       1 .. 50
=====================================  =========================

Run size
--------
A run of more than :data:`MAX_RUN_CITIZENS` citizens x replications is
refused before simulating unless the planner insists (``queueplan run
--force``); :mod:`sim.run_size` estimates a run's citizens.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

DAY_MIN = 1440.0
MAX_WINDOWS = 1000
MAX_STAFF_PER_ENTRY = 1000
MAX_DAILY_VOLUME = 100_000.0
MAX_MULTIPLIER = 1000.0
MAX_CV = 10.0
MAX_SPEED_FACTOR = 10.0
MAX_COST_PER_HOUR = 1_000_000.0
MAX_CURRENCY = 16
MAX_TRAINING_COST = 100_000_000.0
MAX_AMORTISATION_DAYS = 3650
MAX_SHORT_ABSENCES = 50.0
MAX_SLOT_CAPACITY = 10_000
MAX_REPLICATIONS = 100_000
MAX_STEPS = 64  # eventlog orders visits by citizen * 64 + step
MAX_CODES = 200
MAX_CLASSES = 50
MAX_LIST = 1000
MAX_LABEL = 500
MAX_DESCRIPTION = 10_000
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_RUN_CITIZENS = 20_000_000  # citizens x replications of one run without --force

Windows = Annotated[int, Field(ge=1, le=MAX_WINDOWS)]
StaffCount = Annotated[int, Field(ge=0, le=MAX_STAFF_PER_ENTRY)]
Volume = Annotated[float, Field(gt=0, le=MAX_DAILY_VOLUME, description="expected walk-in tickets per day")]
Factor = Annotated[float, Field(gt=0, le=MAX_MULTIPLIER)]
Minutes = Annotated[float, Field(ge=0, le=DAY_MIN)]
PositiveMinutes = Annotated[float, Field(gt=0, le=DAY_MIN)]
SignedMinutes = Annotated[float, Field(ge=-DAY_MIN, le=DAY_MIN)]
CV = Annotated[float, Field(gt=0, le=MAX_CV, description="standard deviation / mean, > 0")]
Speed = Annotated[float, Field(gt=0, le=MAX_SPEED_FACTOR)]
Cost = Annotated[float, Field(ge=0, le=MAX_COST_PER_HOUR)]
Label = Annotated[str, Field(max_length=MAX_LABEL)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION)]
