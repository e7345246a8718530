"""Stochastic curtailment (optimise.curtail): the predicted chance of passing is calibrated.

Synthetic pairs of rosters on common random numbers: every day has its own
load (shared by both rosters, as the same citizens are), and the move serves a
share that is lower by an amount drawn at random. The chance predicted from
the first 20 days is compared with what the 95% bound over all 100 days then
says, computed independently with :func:`sim.summary.ratio_ci`.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from optimise.curtail import least_likely, pass_chances
from sim.summary import ratio_ci

N_FINAL, N_LOOK, GOAL = 100, 20, 0.8
TARGET = SimpleNamespace(id="sl", kind="service_level", scope="interval", goal=GOAL, higher_is_better=True,
                         station=None, step="first")


def _result(within: np.ndarray, tickets: np.ndarray) -> SimpleNamespace:
    """An object shaped like sim.experiment.ExperimentResult for one interval row."""
    keys = {"interval": np.array(["09:00-10:00"], dtype=object), "interval_start_min": np.array([540.0]),
            "service_type": np.array(["*"], dtype=object), "class": np.array(["*"], dtype=object)}
    values = {"within_sl": within[:, None].astype(float), "tickets": tickets[:, None].astype(float)}
    return SimpleNamespace(replications=len(tickets), scenario=SimpleNamespace(checked_targets=[TARGET]),
                           store=SimpleNamespace(keys={"citizens": keys}, values={"citizens": values}))


def _pair(rng: np.random.Generator, delta: float):
    """Incumbent and move on the same days: the day's load moves both shares (logit scale)."""
    day = rng.normal(0.0, 0.8, N_FINAL)
    tickets = rng.poisson(120, N_FINAL)
    p_inc = 1 / (1 + np.exp(-(2.6 + day)))
    p_move = 1 / (1 + np.exp(-(2.6 - delta + day)))
    u = rng.random((N_FINAL, 200))                       # one uniform per citizen: common random numbers
    seats = np.arange(200)[None, :] < tickets[:, None]
    inc = ((u < p_inc[:, None]) & seats).sum(axis=1)
    move = ((u < p_move[:, None]) & seats).sum(axis=1)
    return _result(inc, tickets), move, tickets


@pytest.fixture(scope="module")
def trials():
    rng = np.random.default_rng(np.random.SeedSequence(20261202))
    out = []
    for _ in range(1200):
        ref, move, tickets = _pair(rng, rng.uniform(0.0, 1.4))
        look = _result(move[:N_LOOK], tickets[:N_LOOK])
        chance = float(pass_chances(look, ref, N_FINAL)["chance"].iloc[0])
        _, lo, _ = ratio_ci(move, tickets)
        out.append((chance, lo >= GOAL))
    return np.array(out, dtype=float)


def test_the_predicted_chance_matches_how_often_moves_pass(trials):
    chance, passed = trials[:, 0], trials[:, 1]
    assert 0.2 < passed.mean() < 0.8, "the trials must mix passing and failing moves for the check to say anything"
    diff = chance - passed
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    assert abs(diff.mean()) < 4 * se + 0.01


def test_moves_stopped_at_five_percent_rarely_pass(trials):
    chance, passed = trials[:, 0], trials[:, 1]
    stopped = chance < 0.05
    k = int(stopped.sum())
    assert k >= 100, "too few stopped moves for the check to say anything"
    rate = passed[stopped].mean()
    assert rate <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / k)
    assert passed[chance > 0.95].mean() >= 0.95 - 3 * np.sqrt(0.05 * 0.95 / max(int((chance > 0.95).sum()), 1))


def test_a_move_identical_to_the_incumbent_so_far_is_not_stopped():
    rng = np.random.default_rng(np.random.SeedSequence(7))
    ref, _, tickets = _pair(rng, 0.0)
    inc = ref.store.values["citizens"]["within_sl"][:, 0]
    look = _result(inc[:N_LOOK], tickets[:N_LOOK])
    c = least_likely(look, ref, N_FINAL)
    assert c["target"] == "sl" and c["predicted"] == pytest.approx(inc.sum() / tickets.sum())
    lo = ratio_ci(inc, tickets)[1]
    assert (c["chance"] == 1.0) == (lo >= GOAL)
