"""The lower bound of optimise.lower_bound against brute force on a tiny hall, and its parts.

The tiny hall has one staff type and three shift patterns (a 4-hour day, two
2-hour halves), so every roster up to a few people can be listed and
simulated. The bound must not exceed the cost of any roster that meets every
target on the point estimate (weaker than the optimiser's confidence bound,
so more rosters count), and it must not be trivially 0.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optimise.lower_bound import arriving_work, fluid_lower_bound, leak_share
from optimise.moves import breaks_rule, build_roster
from optimise.settings import generate_patterns, settings_from_dict
from sim.experiment import run_experiment
from sim.loading import scenario_from_dict
from tests.builders import mmc_dict


def tiny_hall(patience: bool = False):
    data = mmc_dict(0.3, 8.0, 10, open_min=480, close_min=720, replications=8, seed=11,
                    patience_mean_min=30.0 if patience else None)
    data["hours"]["hard_stop"] = "12:30"
    data["calling"] = {"end_of_day": "serve_until_empty"}
    data["arrivals"]["profile"] = [{"start": "08:00", "end": "09:00", "share": 0.15},
                                   {"start": "09:00", "end": "10:00", "share": 0.45},
                                   {"start": "10:00", "end": "12:00", "share": 0.40}]
    data["targets"] = [{"id": "sl", "kind": "service_level", "wait_min": 10, "fraction": 0.8}]
    return scenario_from_dict(data)


SETTINGS = {"shift_templates": {"F": {"start": {"earliest": "08:00"}, "length_min": 240},
                                "H": {"start": {"earliest": "08:00", "latest": "10:00", "step_min": 120},
                                      "length_min": 120}},
            "grid_min": 30}


def test_work_after_each_moment_adds_up_to_the_day():
    s = tiny_hall()
    moments, work, w_max, tickets = arriving_work(s, 30)
    w = work[("desk", "S")]
    assert moments[0] == 480 and np.all(np.diff(w) <= 1e-9)          # less work is left later in the day
    assert tickets == pytest.approx(0.3 * 240, rel=1e-6)
    assert w[0] == pytest.approx(tickets * 8.0, rel=1e-6)             # every ticket's mean work
    assert w_max[("desk", "S")] == pytest.approx(8.0)
    assert leak_share(s) == pytest.approx(s.unserved_limit)          # no patience: only the unserved limit
    assert leak_share(tiny_hall(patience=True)) == pytest.approx(s.unserved_limit + 0.2)   # 1 - 80% called


def test_bound_is_below_every_roster_that_meets_every_target_and_not_trivial():
    s, o = tiny_hall(), settings_from_dict(SETTINGS)
    options = generate_patterns(s, o)
    bound = fluid_lower_bound(s, o, options)
    assert bound.cost is not None and bound.proven
    patterns = {p.name: p.pattern for p in options}
    names = sorted(patterns)
    rosters = []
    for counts in itertools.product(range(7), repeat=len(names)):
        c = {("clerk", j, "desk", None): n for j, n in zip(names, counts) if n}
        if c:
            r = build_roster(c, patterns)
            if breaks_rule(s, o, r, options) is None:
                rosters.append(r)
    rosters.sort(key=lambda r: r.cost(s))
    cheapest = None
    for r in rosters:                                # in order of cost: the first that meets every target
        t = run_experiment(r.apply(s), 8, 11).summary()["targets"]
        if t["met"].all():
            cheapest = r.cost(s)
            break
    assert cheapest is not None
    assert bound.cost <= cheapest + 1e-9
    # not trivial: the day's work (72 tickets x 8 min = 9.6 staff-hours, less the unserved allowance) must be
    # paid for at the best capacity per paid hour (10:00-12:00, kept to the 12:30 hard stop: 2.5 h for 2 paid)
    assert bound.cost >= 72 * 8.0 / 60 * (1 - s.unserved_limit) / 1.25 - 1e-6


def test_bound_on_the_search_hall_is_positive_and_says_how_it_was_found():
    from tests.test_search import SETTINGS as SEARCH_SETTINGS, small_hall

    s, o = small_hall(), settings_from_dict(SEARCH_SETTINGS)
    bound = fluid_lower_bound(s, o, generate_patterns(s, o))
    assert bound.cost is not None and 0 < bound.cost
    assert "fluid" in bound.method and f"{bound.cost:.2f}" in bound.note
