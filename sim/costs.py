"""The cost model of a scenario: currency, hourly rates, overtime, training (one meaning of cost everywhere).

A staff member costs, per day,

* planned: paid hours of the shift pattern (breaks unpaid) x ``cost_per_hour``
  of the staff type (``staff_types.<type>.cost_per_hour``);
* with overtime: planned + hours on duty outside the scheduled periods
  (finishing a citizen, staying after closing) x ``cost_per_hour`` x
  ``overtime_factor`` of the staff type (:mod:`sim.occupancy`).

The ``costs:`` block of a scenario states the currency those rates are in, and
what cross-training one person in one more skill costs (used by the remedies
of ``queueplan optimise``, :mod:`optimise.levers`)::

    costs:
      currency: 元                       # the unit of cost_per_hour
      training_per_person_skill: 3000   # one-off, per person and skill learnt
      training_amortisation_days: 250   # working days the training is spread over
      trained_speed_factor: 1.2         # a newly trained person works 20% slower than standard

Defaults (a scenario without the block): ``currency: "cost units"`` (the rates
are relative, as in the shipped halls: a police hour 1.0, an auxiliary hour
0.5), so every cost number is what it was before the block existed; training
costs nothing unless stated (``training_per_person_skill: null``; remedies
then say that no training cost is counted); the amortisation over 250 working
days a year; a newly trained person at speed factor 1.2.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .bounds import MAX_AMORTISATION_DAYS, MAX_CURRENCY, MAX_SPEED_FACTOR, MAX_TRAINING_COST
from .fields import Frozen

DEFAULT_CURRENCY = "cost units"


class Costs(Frozen):
    """Currency of the hourly rates and the cost of cross-training (see the module docstring)."""

    currency: Annotated[str, Field(min_length=1, max_length=MAX_CURRENCY)] = Field(
        DEFAULT_CURRENCY, description="unit of every cost_per_hour (e.g. 元); default: relative cost units")
    training_per_person_skill: Annotated[float, Field(ge=0, le=MAX_TRAINING_COST)] | None = Field(
        None, description="one-off cost of training one person in one more skill (null: not counted)")
    training_amortisation_days: Annotated[int, Field(ge=1, le=MAX_AMORTISATION_DAYS)] = Field(
        250, description="working days over which a one-off training cost is spread (cost per day)")
    trained_speed_factor: Annotated[float, Field(gt=0, le=MAX_SPEED_FACTOR)] = Field(
        1.2, description="speed factor of a newly trained skill (1.0 standard, 1.2 is 20% slower)")

    @property
    def unit_per_day(self) -> str:
        """The unit of a cost per day, e.g. ``"元/day"``."""
        return f"{self.currency}/day"

    def training_per_day(self, people: int, skills: int = 1) -> float:
        """The one-off training of ``people`` in ``skills`` skills each, spread over the amortisation days."""
        if self.training_per_person_skill is None:
            return 0.0
        return people * skills * self.training_per_person_skill / self.training_amortisation_days


def planned_cost_per_day(scenario) -> float:
    """The roster's planned cost: sum over entries of count x paid hours x the staff type's cost_per_hour."""
    return float(sum(e.count * scenario.staff_types[e.staff_type].cost_per_hour
                     * scenario.shift_patterns[e.shift].paid_hours for e in scenario.roster))
