"""The simulator against queueing theory, where the theory's assumptions hold.

Steady-state runs
-----------------
The closed forms (Erlang C, Erlang A, Cobham, Pollaczek-Khinchine) are
steady-state results. A replication is one day, 00:00-24:00, with staff on
duty all day; tickets stop at 22:00 and the first four hours are warm-up, so
the measured citizens are those ticketed in [04:00, 22:00). Staff stay until
24:00, so the measured citizens are not censored by the end of the day (this
is asserted: none is unserved).

Estimates and error bars
------------------------
Per-replication sums (tickets, waiting minutes, citizens called within t ...)
are pooled as ratio-of-sums estimates with the delta-method standard error
over replications (independent replications, so the error bar is honest even
though waits within a day are correlated). A comparison passes when

* the standard error is below a floor set per metric (the precision floor:
  a simulator off by a few percent must fail), and
* ``|estimate - theory| <= 3.3`` standard errors.

The fast tests take well under a minute on two cores; ``-m slow`` runs longer,
tighter versions of the Erlang C and Erlang A checks. Run with ``-s`` to see
a line per comparison (theory, estimate, standard error, z-score).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from scipy import stats

from optimise.erlang import (
    erlang_a,
    erlang_c,
    mmc_mean_wait_min,
    mmc_service_level,
)
from optimise.erlang_approx import cobham_mg1_priority_waits_min, cobham_mmc_priority_waits_min
from sim.arrivals import sample_citizens
from sim.eventlog import ABANDONED, SERVED, UNSERVED
from sim.experiment import ExperimentResult, run_experiment
from sim.loading import scenario_from_dict
from sim.run import run_replication
from sim.streams import make_rngs
from tests.builders import mmc_dict

WARMUP_MIN = 240.0             # 04:00
LAST_TICKET = "22:00"
LAST_TICKET_MIN = 1320.0
Z_MAX = 3.3                    # |estimate - theory| in standard errors
WORKERS = 2
PROB_SE_FLOOR = 0.0125        # fast tests: standard error of a probability at most this
SEED = 2024                    # one seed for every fast test (not tuned per case)


# --------------------------------------------------------------------------- helpers
def steady_dict(arrivals_per_min: float, mean_work_min: float, servers: int, *,
                sl_wait_min: float | None = None, **kwargs) -> dict:
    """``mmc_dict`` as a steady-state run: warm-up 4 h, tickets until 22:00, staff until 24:00."""
    data = mmc_dict(arrivals_per_min, mean_work_min, servers, warmup_min=WARMUP_MIN, **kwargs)
    data["hours"]["last_ticket"] = LAST_TICKET
    if sl_wait_min is not None:
        data["targets"] = [{"id": "sl", "kind": "service_level", "wait_min": sl_wait_min, "fraction": 0.5,
                            "scope": "day"}]
    return data


def steady_scenario(*args, **kwargs):
    return scenario_from_dict(steady_dict(*args, **kwargs), source="<test_analytic>")


def ratio_se(numerators, denominators) -> tuple[float, float]:
    """Ratio of sums over replications and its delta-method standard error."""
    y = np.asarray(numerators, dtype=float)
    x = np.asarray(denominators, dtype=float)
    n = len(x)
    r = float(y.sum() / x.sum())
    se = float(np.sqrt(((y - r * x) ** 2).sum() / (n * (n - 1))) / x.mean())
    return r, se


def check(label: str, estimate: float, se: float, theory: float, *, max_se: float | None = None,
          max_rel_se: float | None = None) -> None:
    """Assert the precision floor, then agreement within ``Z_MAX`` standard errors."""
    z = (estimate - theory) / se if se > 0 else (0.0 if estimate == theory else math.inf)
    print(f"\n  {label:<46} theory {theory:9.5f}  sim {estimate:9.5f} ± {se:.5f} (se)"
          f"  95% CI [{estimate - 1.96 * se:.5f}, {estimate + 1.96 * se:.5f}]  z {z:+.2f}", end="")
    if max_se is not None:
        assert se <= max_se, f"{label}: standard error {se:.5f} above the precision floor {max_se}"
    if max_rel_se is not None:
        assert se <= max_rel_se * abs(theory), (
            f"{label}: standard error {se:.5f} above {max_rel_se:.1%} of the theory value {theory:.5f}")
    assert abs(z) <= Z_MAX, (f"{label}: simulation {estimate:.5f} ± {se:.5f} (se) vs theory {theory:.5f}: "
                             f"{z:+.2f} standard errors")


def day_rows(result: ExperimentResult, klass: str = "*"):
    """Per-replication whole-day rows of the citizens table (one per replication, zeros if none)."""
    t = result.tables["citizens"]
    rows = t[(t["interval"] == "day") & (t["service_type"] == "*") & (t["class"] == klass)]
    assert rows["rep"].is_unique
    return rows.set_index("rep").reindex(result.reps).fillna(0)


def measured(log) -> np.ndarray:
    """Citizens the metrics count: ticketed after the warm-up (and, as every ticket, before 22:00)."""
    return ~np.isnan(log.ticket_min) & (log.ticket_min >= WARMUP_MIN) & (log.ticket_min < LAST_TICKET_MIN)


def check_pipeline(result: ExperimentResult, rows) -> None:
    """The KPI table agrees with the event logs, and the summary with an independent ratio estimate."""
    for log in result.logs:
        keep = measured(log)
        row = rows.loc[log.replication]
        assert row["tickets"] == keep.sum()
        assert row["wait_sum_min"] == pytest.approx(log.wait_min[keep].sum(), rel=1e-9, abs=1e-9)
        # no measured citizen is censored by the end of the day: steady state applies
        assert not np.any(log.outcome[keep] == UNSERVED)
    day = result.day()
    r, se = ratio_se(rows["wait_sum_min"], rows["tickets"])
    assert day["wait_mean_min"] == pytest.approx(r, rel=1e-9)
    t = stats.t.ppf(0.975, result.replications - 1)
    assert day["wait_mean_min_hi"] - day["wait_mean_min_lo"] == pytest.approx(2 * t * se, rel=1e-6)


def waited_counts(result: ExperimentResult) -> np.ndarray:
    """Per replication: measured citizens with a wait > 0."""
    return np.array([np.count_nonzero(log.wait_min[measured(log)] > 0) for log in result.logs])


# --------------------------------------------------------------------------- 1. M/M/c vs Erlang C
# (rate per min, mean work min, c, service-level threshold t, replications)
ERLANG_C_CASES = [
    (4.0, 5.0, 22, 1.0, 120),
    (1.0, 4.0, 5, 2.0, 150),
    (0.5, 10.0, 6, 5.0, 250),
]


@pytest.mark.parametrize("lam, work, c, t, reps", ERLANG_C_CASES)
def test_mmc_matches_erlang_c(lam, work, c, t, reps):
    s = steady_scenario(lam, work, c, sl_wait_min=t)
    started = time.perf_counter()
    result = run_experiment(s, replications=reps, seed=SEED, workers=WORKERS, keep_logs=True)
    rows = day_rows(result)
    check_pipeline(result, rows)
    tag = f"M/M/{c} lam={lam} work={work} ({reps} reps, {time.perf_counter() - started:.1f}s)"
    p_wait, p_wait_se = ratio_se(waited_counts(result), rows["tickets"])
    check(f"{tag} P(wait>0)", p_wait, p_wait_se, erlang_c(c, lam * work), max_se=PROB_SE_FLOOR)
    w, w_se = ratio_se(rows["wait_sum_min"], rows["tickets"])
    check(f"{tag} mean wait", w, w_se, mmc_mean_wait_min(lam, work, c), max_rel_se=0.07)
    sl, sl_se = ratio_se(rows["within_sl"], rows["tickets"])
    check(f"{tag} P(wait<={t})", sl, sl_se, mmc_service_level(lam, work, c, t), max_se=PROB_SE_FLOOR)
    assert result.day()["sl_sl"] == pytest.approx(sl, rel=1e-9)


# --------------------------------------------------------------------------- 1b. pooled wait quantiles
# (rate per min, mean work min, c, quantile q, replications, precision floor of the standard error in
# minutes: the mean of per-day p90s read 0.08 min where the truth is 0.01). In M/M/c, P(W > t) = C e^{-theta t} with
# theta = c/work - lam, so the q-quantile is 0 when q <= 1 - C, else ln(C / (1 - q)) / theta.
QUANTILE_CASES = [
    (8.0, 1.0, 10, 0.9, 30, 0.03),    # C = 0.41: p90 = 0.70 min
    (6.0, 1.0, 10, 0.9, 30, 0.01),    # C = 0.101 (10% wait): p90 = 0.0032 min, next to the no-wait atom
    (6.0, 1.0, 10, 0.5, 10, None),    # nine in ten are called at once: p50 is exactly 0
]


@pytest.mark.parametrize("lam, work, c, q, reps, se_floor", QUANTILE_CASES)
def test_pooled_wait_quantile_matches_erlang_c(lam, work, c, q, reps, se_floor):
    """The summary's pooled quantile (``wait_pNN_min``) against the Erlang C quantile.

    Its standard error is that of the pooled distribution function at the
    theoretical quantile (ratio of sums over replications, from a
    service-level target at that wait) divided by the density there,
    ``theta (1 - q)``: the delta method for a quantile.
    """
    pwait = erlang_c(c, lam * work)
    theta = c / work - lam
    theory = math.log(pwait / (1 - q)) / theta if q > 1 - pwait else 0.0
    s = steady_scenario(lam, work, c, sl_wait_min=max(theory, 1e-9))
    result = run_experiment(s, replications=reps, seed=SEED, workers=WORKERS)
    name = f"wait_p{round(q * 100)}_min"
    estimate = float(result.day()[name])
    tag = f"M/M/{c} lam={lam} work={work} ({reps} reps) pooled p{round(q * 100)}"
    if theory == 0.0:
        assert estimate == 0.0, f"{tag}: {estimate} min, but more than {q:.0%} are called at once"
        return
    rows = day_rows(result)
    _, f_se = ratio_se(rows["within_sl"], rows["tickets"])
    check(tag, estimate, f_se / (theta * (1 - q)), theory, max_se=se_floor)


# --------------------------------------------------------------------------- 2. M/M/c+M vs Erlang A
# (rate per min, mean work min, c, mean patience min, service-level threshold t, replications)
ERLANG_A_CASES = [
    (1.0, 4.0, 5, 8.0, 2.0, 120),     # rho = 0.8
    (4.0, 5.0, 18, 10.0, 1.0, 100),   # rho = 1.11
    (1.0, 4.0, 3, 5.0, 2.0, 120),     # rho = 1.33
]


@pytest.mark.parametrize("lam, work, c, patience, t, reps", ERLANG_A_CASES)
def test_mmc_abandonment_matches_erlang_a(lam, work, c, patience, t, reps):
    s = steady_scenario(lam, work, c, sl_wait_min=t, patience_mean_min=patience)
    started = time.perf_counter()
    result = run_experiment(s, replications=reps, seed=SEED, workers=WORKERS, keep_logs=True)
    rows = day_rows(result)
    check_pipeline(result, rows)
    theory = erlang_a(lam, work, c, patience)
    tag = f"M/M/{c}+M lam={lam} work={work} pat={patience} ({reps} reps, {time.perf_counter() - started:.1f}s)"
    ab, ab_se = ratio_se(rows["abandoned"], rows["tickets"])
    check(f"{tag} P(abandon)", ab, ab_se, theory.prob_abandon, max_rel_se=0.05)
    assert result.day()["abandon_fraction"] == pytest.approx(ab, rel=1e-9)
    w, w_se = ratio_se(rows["wait_sum_min"], rows["tickets"])
    check(f"{tag} mean wait (all arrivals)", w, w_se, theory.mean_wait_min, max_rel_se=0.05)
    p_wait, p_wait_se = ratio_se(waited_counts(result), rows["tickets"])
    check(f"{tag} P(wait>0)", p_wait, p_wait_se, theory.prob_wait, max_se=PROB_SE_FLOOR)
    sl, sl_se = ratio_se(rows["within_sl"], rows["tickets"])
    check(f"{tag} P(called within {t})", sl, sl_se, theory.service_level(t), max_se=PROB_SE_FLOOR)


# --------------------------------------------------------------------------- 3. priorities vs Cobham
PRIORITY_CLASSES = {"hi": {"priority": 0, "share": 0.3}, "lo": {"priority": 1, "share": 0.7}}


@pytest.mark.parametrize("lam, work, c, reps", [(0.7, 1.0, 1, 200), (2.4, 1.0, 3, 100)])
def test_priority_waits_match_cobham(lam, work, c, reps):
    s = steady_scenario(lam, work, c, classes=PRIORITY_CLASSES)
    started = time.perf_counter()
    result = run_experiment(s, replications=reps, seed=SEED, workers=WORKERS, keep_logs=True)
    check_pipeline(result, day_rows(result))
    rates = [0.3 * lam, 0.7 * lam]
    if c == 1:   # M/G/1 form with exponential work, E[S^2] = 2 m^2
        theory = cobham_mg1_priority_waits_min(rates, [work, work], [2 * work**2] * 2)
    else:
        theory = cobham_mmc_priority_waits_min(rates, work, c)
    tag = f"M/M/{c} priority lam={lam} work={work} ({reps} reps, {time.perf_counter() - started:.1f}s)"
    for klass, w_theory in zip(("hi", "lo"), theory):
        rows = day_rows(result, klass)
        w, w_se = ratio_se(rows["wait_sum_min"], rows["tickets"])
        check(f"{tag} mean wait {klass}", w, w_se, w_theory, max_rel_se=0.04)
    # conservation: with a common work distribution the overall mean wait is the FCFS one
    rows = day_rows(result)
    w, w_se = ratio_se(rows["wait_sum_min"], rows["tickets"])
    check(f"{tag} mean wait all classes", w, w_se, mmc_mean_wait_min(lam, work, c), max_rel_se=0.04)


# --------------------------------------------------------------------------- 4. sanity: ample staff, M/G/1, sample paths
def test_ample_staff_gives_zero_waits():
    lam, work, c = 1.0, 4.0, 60          # load 4 erlangs on 60 staff: P(wait > 0) ~ 1e-50
    assert erlang_c(c, lam * work) < 1e-40
    s = steady_scenario(lam, work, c)
    result = run_experiment(s, replications=30, seed=SEED, workers=WORKERS, keep_logs=True)
    rows = day_rows(result)
    assert rows["tickets"].sum() > 30 * 1000
    assert (rows["served"] == rows["tickets"]).all()
    assert (rows["wait_sum_min"] == 0).all() and (rows["wait_max_min"] == 0).all()
    for log in result.logs:
        ticketed = ~np.isnan(log.ticket_min)
        assert np.all(log.wait_min[ticketed] == 0.0)
    # time in system is then the work itself: exponential with mean 4
    t, t_se = ratio_se(rows["time_in_system_sum_min"], rows["served"])
    check("M/M/inf time in system", t, t_se, work, max_rel_se=0.01)


# work distributions of mean 1 minute with their E[S^2]: deterministic 1; lognormal m^2 (1 + cv^2)
@pytest.mark.parametrize("work_dist, second_moment", [({"dist": "deterministic", "value_min": 1.0}, 1.0),
                                                      ({"dist": "lognormal", "mean_min": 1.0, "cv": 0.5}, 1.25)],
                         ids=["M/D/1", "M/LN/1"])
def test_single_server_matches_pollaczek_khinchine(work_dist, second_moment):
    lam, reps = 0.7, 100
    s = steady_scenario(lam, 1.0, 1, work=work_dist)
    theory = lam * second_moment / (2 * (1 - lam * 1.0))
    started = time.perf_counter()
    result = run_experiment(s, replications=reps, seed=SEED, workers=WORKERS, keep_logs=True)
    rows = day_rows(result)
    check_pipeline(result, rows)
    w, w_se = ratio_se(rows["wait_sum_min"], rows["tickets"])
    check(f"{work_dist['dist']} single server ({reps} reps, {time.perf_counter() - started:.1f}s) mean wait",
          w, w_se, theory, max_rel_se=0.05)


@pytest.mark.parametrize("c", [1, 3])
def test_fcfs_waits_follow_kiefer_wolfowitz_recursion(c):
    """Exact sample path: FCFS on c identical staff, rebuilt from the sampled citizens."""
    s = steady_scenario(0.8 * c, 1.0, c)
    for rep in range(3):
        log = run_replication(s, rep, seed=SEED)
        citizens = sample_citizens(s, make_rngs(SEED, rep))   # the same citizens (same streams)
        ticketed = np.flatnonzero(~np.isnan(citizens.ticket_min))
        order = ticketed[np.argsort(citizens.ticket_min[ticketed], kind="stable")]
        free = np.zeros(c)                                  # when each staff member is next free
        expected = np.empty(len(order))
        for k, i in enumerate(order):
            j = int(np.argmin(free))
            start = max(citizens.ticket_min[i], free[j])
            expected[k] = start - citizens.ticket_min[i]
            free[j] = start + citizens.work_min[i, 0]
        assert np.all(log.outcome[order] == SERVED)
        np.testing.assert_allclose(log.wait_min[order], expected, rtol=0, atol=1e-7)
        assert np.count_nonzero(expected > 0) > 0.3 * len(order)   # a real queue formed


# --------------------------------------------------------------------------- 5. NHPP arrivals
PROFILE = [("08:00", "09:00", 0.05), ("09:00", "11:30", 0.35), ("11:30", "12:00", 0.0),
           ("12:00", "13:00", 0.10), ("13:00", "16:00", 0.40), ("16:00", "17:00", 0.10)]


def test_nhpp_counts_per_slot_match_profile():
    volume, reps = 400.0, 1000
    data = mmc_dict(1.0, 1.0, 1, open_min=480, close_min=1020)
    data["arrivals"]["daily_volume"] = volume
    data["arrivals"]["profile"] = [{"start": a, "end": b, "share": sh} for a, b, sh in PROFILE]
    s = scenario_from_dict(data, source="<nhpp>")
    edges = np.array([slot.start for slot in s.arrivals.profile] + [s.arrivals.profile[-1].end])
    shares = np.array([slot.share for slot in s.arrivals.profile])
    counts = np.zeros((reps, len(shares)))
    positions = []                                       # position inside the slot, in [0, 1)
    for rep in range(reps):
        arrive = sample_citizens(s, make_rngs(SEED, rep)).arrive_min
        assert np.all(np.diff(arrive) >= 0) and np.all((arrive >= edges[0]) & (arrive < edges[-1]))
        slot = np.searchsorted(edges, arrive, side="right") - 1
        counts[rep] = np.bincount(slot, minlength=len(shares))
        positions.append((arrive - edges[slot]) / (edges[slot + 1] - edges[slot]))
    positions = np.concatenate(positions)

    expected = reps * volume * shares
    total = counts.sum(axis=0)
    assert np.all(total[shares == 0] == 0)
    for (a, b, sh), n, e in zip(PROFILE, total, expected):
        if sh > 0:
            # Poisson: the count over all replications has sd sqrt(expected)
            check(f"NHPP slot {a}-{b} arrivals ({reps} reps)", n / reps, math.sqrt(e) / reps, e / reps,
                  max_rel_se=0.01)
    pos = shares > 0
    chi2 = float((((total - expected) ** 2)[pos] / expected[pos]).sum())
    assert stats.chi2.sf(chi2, pos.sum()) > 1e-3
    # Poisson, not a fixed daily count: variance of a day's total equals its mean
    daily = counts.sum(axis=1)
    dispersion = daily.var(ddof=1) / volume
    print(f"\n  NHPP daily total: mean {daily.mean():.2f} (theory {volume}), variance/mean {dispersion:.3f}", end="")
    lo, hi = stats.chi2.ppf([5e-4, 1 - 5e-4], reps - 1) / (reps - 1)
    assert lo <= dispersion <= hi
    # uniform inside each slot (constant rate)
    assert stats.kstest(positions, "uniform").pvalue > 1e-3


# --------------------------------------------------------------------------- slow: long, tight runs
def _replication_stats(args) -> tuple[int, float, int, int, int]:
    """(tickets, wait sum, waited > 0, called within t, abandoned) of the measured citizens of one replication."""
    scenario, rep, seed, t = args
    log = run_replication(scenario, rep, seed)
    keep = measured(log)
    assert not np.any(log.outcome[keep] == UNSERVED)
    w, outcome = log.wait_min[keep], log.outcome[keep]
    called = outcome == SERVED
    return (int(keep.sum()), float(w.sum()), int(np.count_nonzero(w > 0)),
            int(np.count_nonzero(called & (w <= t))), int(np.count_nonzero(outcome == ABANDONED)))


def _many(scenario, reps: int, seed: int, t: float) -> np.ndarray:
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        out = list(pool.map(_replication_stats, [(scenario, r, seed, t) for r in range(reps)], chunksize=16))
    return np.array(out, dtype=float)


SLOW_REPS = 2000
SLOW_PROB_SE_FLOOR = 0.004


@pytest.mark.slow
@pytest.mark.parametrize("lam, work, c, t", [case[:4] for case in ERLANG_C_CASES])
def test_mmc_matches_erlang_c_long(lam, work, c, t):
    started = time.perf_counter()
    a = _many(steady_scenario(lam, work, c), SLOW_REPS, 101, t)
    tag = f"M/M/{c} lam={lam} work={work} ({SLOW_REPS} reps, {time.perf_counter() - started:.0f}s)"
    n = a[:, 0]
    check(f"{tag} P(wait>0)", *ratio_se(a[:, 2], n), erlang_c(c, lam * work), max_se=SLOW_PROB_SE_FLOOR)
    check(f"{tag} mean wait", *ratio_se(a[:, 1], n), mmc_mean_wait_min(lam, work, c), max_rel_se=0.02)
    check(f"{tag} P(wait<={t})", *ratio_se(a[:, 3], n), mmc_service_level(lam, work, c, t), max_se=SLOW_PROB_SE_FLOOR)


@pytest.mark.slow
@pytest.mark.parametrize("lam, work, c, patience, t", [case[:5] for case in ERLANG_A_CASES]
                         + [(4.0, 5.0, 22, 10.0, 1.0)])
def test_mmc_abandonment_matches_erlang_a_long(lam, work, c, patience, t):
    started = time.perf_counter()
    a = _many(steady_scenario(lam, work, c, patience_mean_min=patience), SLOW_REPS, 102, t)
    theory = erlang_a(lam, work, c, patience)
    tag = f"M/M/{c}+M lam={lam} work={work} pat={patience} ({SLOW_REPS} reps, {time.perf_counter() - started:.0f}s)"
    n = a[:, 0]
    check(f"{tag} P(abandon)", *ratio_se(a[:, 4], n), theory.prob_abandon, max_rel_se=0.015)
    check(f"{tag} mean wait (all arrivals)", *ratio_se(a[:, 1], n), theory.mean_wait_min, max_rel_se=0.015)
    check(f"{tag} P(wait>0)", *ratio_se(a[:, 2], n), theory.prob_wait, max_se=SLOW_PROB_SE_FLOOR)
    check(f"{tag} P(called within {t})", *ratio_se(a[:, 3], n), theory.service_level(t), max_se=SLOW_PROB_SE_FLOOR)
