"""Analytic queueing formulas against known values and independent brute force.

The brute-force references here share no code with ``optimise.erlang``: exact
rational arithmetic for Erlang B / C, and a generator matrix solved with plain
linear algebra (plus a matrix exponential for waiting-time tails) for Erlang A.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.linalg import expm

from optimise.erlang import (
    square_root_staffing,
    erlang_a,
    erlang_b,
    erlang_c,
    min_servers_for_service_level,
    mmc_mean_wait_min,
    mmc_service_level,
    mmc_wait_cdf,
)
from optimise.erlang_approx import (
    cobham_mg1_priority_waits_min,
    cobham_mmc_priority_waits_min,
    halfin_whitt_delay_probability,
)


# --------------------------------------------------------------------------- references
def exact_erlang_b(c: int, a: Fraction) -> Fraction:
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


def exact_erlang_c(c: int, a: Fraction) -> Fraction:
    top = a**c / math.factorial(c) * Fraction(c) / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def brute_erlang_a(lam: float, work: float, c: int, patience: float, t: float, queue_cap: int = 120):
    """(P(wait>0), P(abandon), mean wait, share called within t, P(V <= t)) by brute force."""
    mu, theta = 1 / work, 1 / patience
    n_states = c + queue_cap + 1
    q = np.zeros((n_states, n_states))
    for n in range(n_states):
        if n + 1 < n_states:
            q[n, n + 1] = lam
        if n > 0:
            q[n, n - 1] = min(n, c) * mu + max(n - c, 0) * theta
        q[n, n] = -q[n].sum()
    # pi Q = 0, sum(pi) = 1, as one least-squares system.
    lhs = np.vstack([q.T, np.ones(n_states)])
    rhs = np.zeros(n_states + 1)
    rhs[-1] = 1
    pi = np.linalg.lstsq(lhs, rhs, rcond=None)[0]
    waiting = pi[c:]
    prob_wait = waiting.sum()
    prob_abandon = theta * (np.arange(waiting.size) * waiting).sum() / lam

    def absorbed(own_patience: bool) -> float:
        # States: j = 0..cap citizens ahead of a tagged waiting citizen, then "called", "left".
        m = queue_cap + 1
        g = np.zeros((m + 2, m + 2))
        for j in range(m):
            g[j, j - 1 if j > 0 else m] = c * mu + j * theta
            if own_patience:
                g[j, m + 1] = theta
            g[j, j] = -g[j].sum()
        return float((waiting @ expm(g * t)[:m, m]))

    called_within = (1 - prob_wait) + absorbed(True)
    offered = (1 - prob_wait) + absorbed(False)
    return prob_wait, prob_abandon, prob_abandon * patience, called_within, offered


# --------------------------------------------------------------------------- Erlang B / C
def test_erlang_b_table_value():
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=5e-7)


@pytest.mark.parametrize("c, a", [(1, Fraction(1, 2)), (5, Fraction(3)), (10, Fraction(5)), (30, Fraction(27, 1))])
def test_erlang_b_matches_exact_rationals(c, a):
    assert erlang_b(c, float(a)) == pytest.approx(float(exact_erlang_b(c, a)), rel=1e-12)


@pytest.mark.parametrize("c, a", [(1, Fraction(1, 2)), (2, Fraction(1)), (22, Fraction(20)), (40, Fraction(73, 2))])
def test_erlang_c_matches_exact_rationals(c, a):
    assert erlang_c(c, float(a)) == pytest.approx(float(exact_erlang_c(c, a)), rel=1e-12)


def test_prob_wait_for_four_per_minute_five_minutes_22_staff():
    # lambda = 4 / min, mean work 5 min: a = 20 erlangs.
    expected = float(exact_erlang_c(22, Fraction(20)))
    assert erlang_c(22, 4.0 * 5.0) == pytest.approx(expected, rel=1e-12)
    assert 1 - mmc_service_level(4.0, 5.0, 22, 0.0) == pytest.approx(expected, rel=1e-12)
    # Wq = C / (c mu - lambda) = C / (22/5 - 4)
    assert mmc_mean_wait_min(4.0, 5.0, 22) == pytest.approx(expected / 0.4, rel=1e-12)


def test_large_staff_counts_stay_finite():
    b, c = erlang_b(3000, 2900.0), erlang_c(3000, 2900.0)
    assert 0 < b < c < 1
    assert 0.0 <= erlang_b(5000, 10.0) < 1e-300
    assert erlang_c(5000, 10.0) == pytest.approx(0.0, abs=1e-300)


def test_erlang_c_edge_cases():
    assert erlang_c(3, 3.0) == 1.0 and erlang_c(3, 7.5) == 1.0
    assert erlang_c(4, 0.0) == 0.0
    assert erlang_b(0, 2.0) == 1.0
    assert mmc_mean_wait_min(4.0, 5.0, 20) == math.inf
    assert mmc_service_level(4.0, 5.0, 20, 30.0) == 0.0
    assert mmc_mean_wait_min(0.0, 5.0, 1) == 0.0


def test_mmc_wait_cdf_shape_and_tail():
    t = np.array([0.0, 0.5, 2.0, 10.0])
    cdf = mmc_wait_cdf(4.0, 5.0, 22, t)
    assert np.all(np.diff(cdf) > 0) and cdf[-1] < 1
    c = float(exact_erlang_c(22, Fraction(20)))
    assert cdf == pytest.approx(1 - c * np.exp(-(22 / 5 - 4) * t), rel=1e-12)
    # The mean is the integral of the tail.
    grid = np.linspace(0, 200, 200_001)
    tail = 1 - mmc_wait_cdf(4.0, 5.0, 22, grid)
    assert np.trapezoid(tail, grid) == pytest.approx(mmc_mean_wait_min(4.0, 5.0, 22), rel=1e-6)


# --------------------------------------------------------------------------- Erlang A
@pytest.mark.parametrize(
    "lam, work, c, patience, t",
    [(4.0, 5.0, 22, 10.0, 1.0), (1.0, 2.0, 2, 3.0, 0.5), (3.0, 1.0, 2, 1.5, 2.0), (0.5, 4.0, 1, 20.0, 5.0)],
)
def test_erlang_a_matches_brute_force_chain(lam, work, c, patience, t):
    r = erlang_a(lam, work, c, patience)
    prob_wait, prob_abandon, mean_wait, called_within, offered = brute_erlang_a(lam, work, c, patience, t)
    assert r.prob_wait == pytest.approx(prob_wait, abs=1e-9)
    assert r.prob_abandon == pytest.approx(prob_abandon, abs=1e-9)
    assert r.mean_wait_min == pytest.approx(mean_wait, abs=1e-8)
    assert r.service_level(t) == pytest.approx(called_within, abs=1e-8)
    assert r.offered_wait_cdf(t) == pytest.approx(offered, abs=1e-8)


def test_erlang_a_long_patience_approaches_erlang_c():
    r = erlang_a(4.0, 5.0, 22, patience_mean_min=1e7)
    assert r.prob_wait == pytest.approx(erlang_c(22, 20.0), rel=1e-4)
    assert r.mean_wait_min == pytest.approx(mmc_mean_wait_min(4.0, 5.0, 22), rel=1e-4)
    assert r.prob_abandon < 1e-6
    for t in (0.5, 2.0, 10.0):
        assert r.service_level(t) == pytest.approx(mmc_service_level(4.0, 5.0, 22, t), abs=1e-5)
        assert r.offered_wait_cdf(t) == pytest.approx(mmc_service_level(4.0, 5.0, 22, t), abs=1e-5)


def test_erlang_a_tiny_patience_approaches_erlang_b():
    # Whoever finds every desk busy leaves at once: the loss system M/M/c/c.
    r = erlang_a(4.0, 5.0, 22, patience_mean_min=1e-7)
    assert r.prob_abandon == pytest.approx(erlang_b(22, 20.0), rel=1e-4)
    assert r.prob_wait == pytest.approx(erlang_b(22, 20.0), rel=1e-4)
    assert r.mean_wait_min < 1e-7
    assert r.service_level(1.0) == pytest.approx(1 - erlang_b(22, 20.0), rel=1e-4)


def test_erlang_a_service_level_consistency():
    r = erlang_a(4.0, 5.0, 20, patience_mean_min=8.0)     # overloaded without patience
    assert 0 < r.prob_abandon < r.prob_wait < 1
    assert r.service_level(0.0) == pytest.approx(1 - r.prob_wait, abs=1e-12)
    # Everyone who does not abandon is called eventually.
    assert r.service_level(1e4) == pytest.approx(1 - r.prob_abandon, abs=1e-10)
    assert r.offered_wait_cdf(1e4) == pytest.approx(1.0, abs=1e-10)
    levels = [r.service_level(t) for t in np.linspace(0, 30, 31)]
    assert np.all(np.diff(levels) >= -1e-15) and levels[0] < levels[1] < levels[2]
    # Called within t needs offered wait <= t (and patience lasting): never above the offered cdf.
    assert all(r.service_level(t) <= r.offered_wait_cdf(t) + 1e-12 for t in (0.5, 3.0, 12.0))


def test_erlang_a_mean_wait_is_integral_of_survival():
    # E[min(V, patience)] = integral of P(V > s) exp(-theta s) ds.
    r = erlang_a(3.0, 1.0, 2, 1.5)
    integral, _ = quad(lambda s: (1 - r.offered_wait_cdf(s)) * math.exp(-s / 1.5), 0, math.inf, epsabs=1e-12)
    assert integral == pytest.approx(r.mean_wait_min, rel=1e-8)


def test_erlang_a_large_system_is_finite():
    r = erlang_a(580.0, 5.0, 3000, patience_mean_min=10.0)     # a = 2900
    for value in (r.prob_wait, r.prob_abandon, r.service_level(0.2), r.offered_wait_cdf(0.2)):
        assert 0 < value < 1
    overloaded = erlang_a(700.0, 5.0, 3000, patience_mean_min=10.0)    # a = 3500 > c
    assert overloaded.prob_abandon == pytest.approx(1 - 3000 / 3500, abs=0.01)   # fluid limit


def test_erlang_a_edge_cases():
    r = erlang_a(0.0, 5.0, 3, 10.0)
    assert (r.prob_wait, r.prob_abandon, r.mean_wait_min, r.service_level(1.0)) == (0.0, 0.0, 0.0, 1.0)
    nobody = erlang_a(2.0, 5.0, 0, 10.0)
    assert nobody.prob_wait == pytest.approx(1.0) and nobody.prob_abandon == pytest.approx(1.0)
    assert nobody.service_level(30.0) == 0.0 and nobody.mean_wait_min == pytest.approx(10.0)


# --------------------------------------------------------------------------- priorities
def test_cobham_one_class_is_erlang_c():
    for c in (1, 3, 22):
        (w,) = cobham_mmc_priority_waits_min([4.0 * c / 25], 5.0, c)
        assert w == pytest.approx(mmc_mean_wait_min(4.0 * c / 25, 5.0, c), rel=1e-12)


def test_cobham_mmc_conservation_law():
    # Common work distribution: the arrival-weighted mean wait equals FCFS.
    rates = [0.8, 1.5, 1.2]
    waits = cobham_mmc_priority_waits_min(rates, 5.0, 20)
    assert waits == sorted(waits)
    pooled = float(np.dot(rates, waits) / sum(rates))
    assert pooled == pytest.approx(mmc_mean_wait_min(sum(rates), 5.0, 20), rel=1e-12)


def test_cobham_mg1_exponential_is_mm1_priority():
    rates, works = [0.1, 0.2, 0.15], [1.0, 2.0, 0.5]
    rho = [l * s for l, s in zip(rates, works)]
    w0 = sum(r * s for r, s in zip(rho, works))                # sum lambda_i * 2 s_i^2 / 2
    sig = np.cumsum([0.0, *rho])
    expected = [w0 / ((1 - sig[k]) * (1 - sig[k + 1])) for k in range(3)]
    got = cobham_mg1_priority_waits_min(rates, works, [2 * s**2 for s in works])
    assert got == pytest.approx(expected, rel=1e-12)


def test_cobham_mg1_one_class_is_pollaczek_khinchine():
    lam, m, v = 0.15, 4.0, 0.5                                  # lognormal: E[S^2] = m^2 (1 + v^2)
    second = m**2 * (1 + v**2)
    (w,) = cobham_mg1_priority_waits_min([lam], [m], [second])
    assert w == pytest.approx(lam * second / (2 * (1 - lam * m)), rel=1e-12)


def test_priority_overload_keeps_high_classes_finite():
    # Total load 1.2 on one server with exponential work: class 2 is unstable.
    mmc = cobham_mmc_priority_waits_min([0.5, 0.7], 1.0, 1)
    mg1 = cobham_mg1_priority_waits_min([0.5, 0.7], [1.0, 1.0], [2.0, 2.0])
    assert mmc[1] == math.inf and mg1[1] == math.inf
    assert mmc[0] == pytest.approx(1 / (1 - 0.5)) and mg1[0] == pytest.approx(mmc[0])


# --------------------------------------------------------------------------- staffing
def test_square_root_staffing_and_halfin_whitt():
    assert square_root_staffing(100.0, 0.5) == 105
    assert square_root_staffing(20.0, 1.0) == math.ceil(20 + math.sqrt(20))
    assert square_root_staffing(0.0, 1.0) == 0
    for beta in (0.25, 0.5, 1.0, 2.0):
        a = 10_000.0
        c = square_root_staffing(a, beta)
        assert c == a + beta * 100
        assert erlang_c(c, a) == pytest.approx(halfin_whitt_delay_probability(beta), abs=0.02)
    probs = [halfin_whitt_delay_probability(b) for b in (0.1, 0.5, 1.0, 3.0)]
    assert all(0 < p < 1 for p in probs) and probs == sorted(probs, reverse=True)


def test_min_servers_known_case():
    c = min_servers_for_service_level(4.0, 5.0, 1.0, 0.8)
    assert mmc_service_level(4.0, 5.0, c, 1.0) >= 0.8 > mmc_service_level(4.0, 5.0, c - 1, 1.0)
    assert min_servers_for_service_level(0.0, 5.0, 1.0, 0.8) == 0
    # Impatient citizens thin the queue, so no more staff are needed with patience.
    assert min_servers_for_service_level(4.0, 5.0, 1.0, 0.8, patience_mean_min=10.0) <= c


@settings(max_examples=60, deadline=None)
@given(
    lam=st.floats(0.05, 5.0),
    work=st.floats(0.5, 20.0),
    t=st.floats(0.0, 30.0),
    frac=st.floats(0.5, 0.95),
    patience=st.one_of(st.none(), st.floats(0.5, 60.0)),
)
def test_min_servers_is_smallest_meeting_target(lam, work, t, frac, patience):
    def level(c):
        if patience is None:
            return mmc_service_level(lam, work, c, t)
        return erlang_a(lam, work, c, patience).service_level(t)

    c = min_servers_for_service_level(lam, work, t, frac, patience)
    assert c >= 1
    assert level(c) >= frac
    assert level(c - 1) < frac
    if patience is None:
        assert c > lam * work


@settings(max_examples=40, deadline=None)
@given(
    lam=st.floats(0.05, 5.0),
    work=st.floats(0.5, 20.0),
    patience=st.floats(0.5, 60.0),
    max_wait=st.floats(0.1, 10.0),
    max_abandon=st.floats(0.01, 0.2),
)
def test_min_servers_wait_and_abandonment_targets(lam, work, patience, max_wait, max_abandon):
    c = min_servers_for_service_level(lam, work, None, None, patience,
                                      max_mean_wait_min=max_wait, max_abandon_fraction=max_abandon)
    ok = erlang_a(lam, work, c, patience)
    assert ok.mean_wait_min <= max_wait and ok.prob_abandon <= max_abandon
    if c > 0:
        short = erlang_a(lam, work, c - 1, patience)
        assert short.mean_wait_min > max_wait or short.prob_abandon > max_abandon


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_b(-1, 2.0),
        lambda: erlang_b(2.5, 2.0),
        lambda: erlang_c(3, -0.1),
        lambda: erlang_c(3, float("nan")),
        lambda: mmc_mean_wait_min(-1.0, 5.0, 3),
        lambda: mmc_mean_wait_min(1.0, 0.0, 3),
        lambda: mmc_service_level(1.0, 5.0, 8, -1.0),
        lambda: erlang_a(1.0, 5.0, 8, 0.0),
        lambda: erlang_a(1.0, 5.0, 8, math.inf),
        lambda: cobham_mmc_priority_waits_min([], 5.0, 3),
        lambda: cobham_mmc_priority_waits_min([1.0, -0.2], 5.0, 3),
        lambda: cobham_mg1_priority_waits_min([0.1, 0.1], [1.0], [2.0, 2.0]),
        lambda: cobham_mg1_priority_waits_min([0.1], [2.0], [1.0]),
        lambda: square_root_staffing(-4.0, 1.0),
        lambda: halfin_whitt_delay_probability(0.0),
        lambda: min_servers_for_service_level(-1.0, 5.0, 1.0, 0.8),
        lambda: min_servers_for_service_level(1.0, 5.0, 1.0, 1.0),
        lambda: min_servers_for_service_level(1.0, 5.0, 1.0, None),
        lambda: min_servers_for_service_level(1.0, 5.0, None, None),
        lambda: min_servers_for_service_level(1.0, 5.0, 1.0, 0.8, max_abandon_fraction=0.05),
    ],
)
def test_nonsense_inputs_raise(call):
    with pytest.raises(ValueError):
        call()
