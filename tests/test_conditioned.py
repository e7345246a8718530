"""Walk-ins conditioned on their number (sim.conditioned): exact count, the profile's shape, the batch share."""

from pathlib import Path

import numpy as np
from scipy import stats

from sim.conditioned import walk_ins_given_count
from sim.eventlog import TURNED_AWAY
from sim.loading import load_scenario
from sim.run import run_replication
from sim.streams import make_rngs

COUNTY = Path(__file__).parents[1] / "scenarios" / "county_hall.yaml"


def _walk_in_only():
    s = load_scenario(COUNTY)
    return s.model_copy(update={"appointments": None})


def test_replayed_day_has_exactly_the_logged_number_of_ticketed_walk_ins():
    s = _walk_in_only()
    for rep, n in enumerate((1, 57, 212)):
        log = run_replication(s, rep, 3, walk_ins=n)
        assert int((log.outcome != TURNED_AWAY).sum()) == n


def test_conditioned_times_follow_the_profile_and_the_batch_share():
    s = _walk_in_only()
    slots = sorted(s.arrivals.profile, key=lambda p: p.start)
    n, reps = 200, 150
    times = np.concatenate([walk_ins_given_count(s, make_rngs(9, r), n) for r in range(reps)])
    assert len(times) == n * reps
    b = s.arrivals.batch_at_opening_share
    at_open = times == s.hours.open_min
    ci = stats.binomtest(int(at_open.sum()), len(times)).proportion_ci(0.999)
    assert ci.low <= b <= ci.high            # every profile time of the county hall gets a ticket
    rest = times[~at_open]
    edges = [p.start for p in slots] + [slots[-1].end]
    observed, _ = np.histogram(rest, bins=edges)
    shares = np.array([p.share for p in slots])
    expected = shares / shares.sum() * len(rest)
    assert stats.chisquare(observed, expected).pvalue > 1e-3
    assert stats.chisquare(observed, np.roll(expected, 1)).pvalue < 1e-6   # the test can see a wrong shape
