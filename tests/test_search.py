"""The search for the cheapest verified roster (optimise.search) on a small hall, with few replications.

Two staff types (a clerk, and a cheaper, slower auxiliary), a morning with a
busier hour, full and half shifts. Checks of the issue: the verified cost is
no higher than that of the cheapest analytic start (not simulated) that meets
every target out of sample, and no single removal or cheaper move from the
final roster keeps every target on the verification seed.
"""

from __future__ import annotations

import pytest

from optimise.loop import plan_staffing
from optimise.moves import breaks_rule, counts, build_roster, neighbours, replan_moves
from optimise.requirements import compute_requirements
from optimise.shifts import plan_shifts
from optimise.search import METHODS, find_roster
from optimise.settings import generate_patterns, settings_from_dict
from sim.experiment import run_experiment
from sim.loading import scenario_from_dict
from tests.builders import mmc_dict


def small_hall():
    data = mmc_dict(0.4, 8.0, 8, open_min=480, close_min=720, replications=10, seed=3)
    data["hours"]["hard_stop"] = "13:00"
    data["calling"] = {"end_of_day": "serve_until_empty"}
    data["arrivals"]["daily_volume"] = 100
    data["arrivals"]["profile"] = [{"start": "08:00", "end": "09:00", "share": 0.2},
                                   {"start": "09:00", "end": "10:00", "share": 0.35},
                                   {"start": "10:00", "end": "12:00", "share": 0.45}]
    data["staff_types"] = {"clerk": {"skills": {"S": 1.0}, "cost_per_hour": 1.0},
                           "aux": {"skills": {"S": 1.25}, "cost_per_hour": 0.7}}
    data["targets"] = [{"id": "sl", "kind": "service_level", "wait_min": 10, "fraction": 0.8}]
    return scenario_from_dict(data)


SETTINGS = {"shift_templates": {"F": {"start": {"earliest": "08:00"}, "length_min": 240},
                                "H": {"start": {"earliest": "08:00", "latest": "10:00", "step_min": 120},
                                      "length_min": 120}},
            "headcount": {"clerk": 4}, "grid_min": 60, "replications": 10, "screen_replications": 5,
            "max_iterations": 4, "verify_replications": 40}


@pytest.fixture(scope="module")
def found():
    s, o = small_hall(), settings_from_dict(SETTINGS)
    plan, evidence = find_roster(s, o)
    return s, o, plan, evidence


def test_search_is_no_dearer_than_the_cheapest_analytic_start_that_meets_every_target(found):
    s, o, plan, evidence = found
    assert plan.verification is not None and plan.verified_targets()["met_confident"].all()
    analytic = [plan_staffing(s, o, requirements=m, max_iterations=0) for m in METHODS]
    meeting = [p.cost for p in analytic if p.verified_targets()["met_confident"].all()]
    assert meeting, "no analytic start meets every target: the check says nothing"
    assert plan.cost <= min(meeting) + 1e-9
    log = plan.iterations
    assert {"screen", "accept", "verify"} <= set(log["stage"].dropna())
    assert (log.loc[log["stage"] == "screen", "replications"] == 5).all()
    assert evidence.lower_bound is not None and 0 < evidence.lower_bound <= plan.cost + 1e-9
    assert evidence.lower_bound_method and f"lower bound {evidence.lower_bound:.2f}" in evidence.headline(plan.cost)
    assert evidence.headline(plan.cost).startswith(f"best found {plan.cost:.2f}; ")
    solved = log.dropna(subset=["milp_status"])            # every MILP solve says what it proved
    assert len(solved) and (solved["milp_status"] == "optimal").all() and plan.milp.status == "optimal"
    assert (solved["milp_variables"] > 0).all() and (solved["milp_time_s"] >= 0).all()


def test_no_single_move_from_the_final_roster_keeps_every_target_on_the_verification_seed(found):
    s, o, plan, evidence = found
    moves = neighbours(s, o, plan.roster, generate_patterns(s, o))
    assert moves and (evidence.moves["kind"] != "replan").sum() == len(moves)   # moves.csv: every move from it
    assert evidence.moves["breaks"].notna().all()
    if evidence.status == "walked back":                          # the search's optimum failed out of sample:
        assert evidence.walked_back >= 1                          # ... it says so and claims nothing
        assert any("nothing is proven" in n for n in evidence.notes)
        return
    assert evidence.status == "local optimum"
    assert not evidence.moves["keeps_every_target"].any()
    assert evidence.moves["breaks"].str.len().gt(0).all()         # each names what it breaks
    seed = plan.verification.seed
    for move in moves:
        if breaks_rule(s, o, move.roster, generate_patterns(s, o)) is not None:
            continue
        t = run_experiment(move.roster.apply(s), plan.verification.replications, seed).summary()["targets"]
        assert not t["met_confident"].all(), move.label


def test_replan_moves_lower_one_requirement_and_let_the_milp_re_solve_the_rest():
    s, o = small_hall(), settings_from_dict(SETTINGS)
    options = generate_patterns(s, o)
    req = compute_requirements(s, "time_varying", o.grid_min)
    base = plan_shifts(s, o, req, patterns=options)
    c = counts(base.roster)
    extra = ("clerk", next(p.name for p in options if p.template == "F"), "desk", None)
    c[extra] = c.get(extra, 0) + 1                         # a dearer roster than the MILP's: room to re-plan
    current = build_roster(c, {p.name: p.pattern for p in options})
    solves = []

    def milp(r):
        solves.append(r)
        return plan_shifts(s, o, r, patterns=options)

    intervals = sorted(set(req.period_interval_min.tolist()))
    cache: dict = {}
    moves = replan_moves(s, current, req, intervals, milp, cache=cache)
    assert moves and all(m.kind == "replan" and "MILP re-plan" in m.label for m in moves)
    for m in moves:
        changed = {k: v for k, v in m.requirements.adjust.items() if v != req.adjust.get(k, 0)}
        assert list(changed.values()) == [-1]              # one station in one interval, lowered by one
        assert m.roster.cost(s) == pytest.approx(plan_shifts(s, o, m.requirements, patterns=options).cost)
        assert m.saving == pytest.approx(current.cost(s) - m.roster.cost(s)) and m.saving > 0
        assert breaks_rule(s, o, m.roster, options) is None
    n = len(solves)
    again = replan_moves(s, current, req, intervals, milp, cache=cache)
    assert len(solves) == n and [m.label for m in again] == [m.label for m in moves]   # cached, not re-solved


def test_curtailed_moves_are_stopped_before_the_accept_stage_and_say_their_chance(found):
    s, o, plan, evidence = found
    accept = max(o.replications, o.verify_replications)
    log = plan.iterations
    stopped = log[log["stage"] == "curtailed"]
    assert (stopped["replications"] < accept).all() and not stopped["accepted"].any()
    m = evidence.moves
    if "chance" in m:
        c = m[m["stage"] == "curtailed"]
        assert (c["chance"] < o.futility).all() and (~c["keeps_every_target"]).all()
        assert c["breaks"].str.contains("@").all()
    assert evidence.futility == o.futility and evidence.accept_replications == accept


def test_without_curtailment_every_simulated_move_reaches_its_verdict():
    s, o = small_hall(), settings_from_dict({**SETTINGS, "futility": 0})
    plan, evidence = find_roster(s, o)
    assert "curtailed" not in set(plan.iterations["stage"].dropna())
    assert evidence.curtailed == 0 and "stopped early" not in evidence.headline(plan.cost)
    assert plan.verification is not None
