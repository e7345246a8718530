"""Staffing requirements (stationary and time-varying) and the optimiser settings.

Checks: the offered load of the infinite-server queue (closed form against
the numerical convolution, steady state, lags of later steps), Erlang sanity
(zero demand needs nobody, a stricter target never needs fewer staff, SIPP
equals the Erlang formula on a stationary queue), the time-varying method
staffing the hour after a peak at least as much as SIPP, the skill
decomposition, and the settings: validation messages and pattern expansion.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

from optimise.erlang import min_servers_for_service_level
from optimise.requirements import (compute_requirements, offered_load, offered_load_exponential,
                                   offered_load_general, staff_for_load, survival, Criteria)
from optimise.settings import generate_patterns, load_settings, resolve_settings, settings_from_dict
from sim.distributions import Deterministic, Empirical, Exponential, Gamma, LogNormal, Triangular
from sim.loading import ScenarioError, load_scenario, scenario_from_dict
from tests.builders import mmc_dict

ROOT = Path(__file__).resolve().parents[1]
DISTS = [Exponential(dist="exponential", mean_min=6.0), LogNormal(dist="lognormal", mean_min=6.0, cv=0.8),
         Gamma(dist="gamma", mean_min=6.0, cv=0.5), Triangular(dist="triangular", min_min=2, mode_min=5, max_min=11),
         Deterministic(dist="deterministic", value_min=6.0),
         Empirical(dist="empirical", values_min=[2.0, 6.0, 10.0], weights=[1, 2, 1])]


def peaked_dict(sl_fraction: float = 0.8, wait_min: float = 5.0, **extra) -> dict:
    """One desk, exponential work of 10 min, a sharp peak 09:00-10:00 (load 6 -> 22 -> 6 -> 6 erlangs)."""
    data = mmc_dict(0.6, 10.0, 30, open_min=480, close_min=720, replications=20)
    data["arrivals"]["daily_volume"] = 240
    data["arrivals"]["profile"] = [{"start": "08:00", "end": "09:00", "share": 0.15},
                                   {"start": "09:00", "end": "10:00", "share": 0.55},
                                   {"start": "10:00", "end": "11:00", "share": 0.15},
                                   {"start": "11:00", "end": "12:00", "share": 0.15}]
    data["targets"] = [{"id": "sl", "kind": "service_level", "wait_min": wait_min, "fraction": sl_fraction}]
    data.update(extra)
    return data


@pytest.mark.parametrize("dist", DISTS, ids=lambda d: d.dist)
def test_survival_integrates_to_the_mean(dist):
    area, _ = integrate.quad(lambda t: float(survival(dist, np.array([t]))[0]), 0, 200, limit=200,
                             points=[2, 5, 6, 10, 11])
    assert area == pytest.approx(dist.mean, rel=1e-3)


SCIPY_LAWS = [(LogNormal(dist="lognormal", mean_min=6.0, cv=0.8), "lognorm"),
              (LogNormal(dist="lognormal", mean_min=2.0, cv=2.5), "lognorm"),
              (Gamma(dist="gamma", mean_min=6.0, cv=0.5), "gamma"), (Gamma(dist="gamma", mean_min=3.0, cv=1.7), "gamma"),
              (Triangular(dist="triangular", min_min=2, mode_min=5, max_min=11), "triang"),
              (Triangular(dist="triangular", min_min=2, mode_min=2, max_min=11), "triang"),
              (Triangular(dist="triangular", min_min=0, mode_min=7, max_min=7), "triang")]


@pytest.mark.parametrize("dist, law", SCIPY_LAWS, ids=lambda v: getattr(v, "dist", v))
def test_survival_is_scipy_stats_survival_function(dist, law):
    """survival() calls scipy.special directly (no scipy.stats import); the values are scipy.stats' own."""
    from scipy import stats

    t = np.r_[-1.0, 0.0, 1e-9, np.linspace(0.01, 40.0, 4001), dist.mean, 1e4]
    if law == "lognorm":
        s2 = np.log1p(dist.cv ** 2)
        ref = stats.lognorm.sf(t, np.sqrt(s2), scale=np.exp(np.log(dist.mean_min) - s2 / 2))
    elif law == "gamma":
        ref = stats.gamma.sf(t, 1 / dist.cv ** 2, scale=dist.mean_min * dist.cv ** 2)
    else:
        width = dist.max_min - dist.min_min
        ref = stats.triang.sf(t, (dist.mode_min - dist.min_min) / width, loc=dist.min_min, scale=width)
    np.testing.assert_allclose(survival(dist, t), ref, rtol=1e-12, atol=1e-15)


def test_the_optimiser_starts_without_scipy_stats():
    """scipy.stats costs about 0.4 s to import; the optimiser and its command need only scipy.special."""
    import subprocess
    import sys

    code = ("import sys, optimise.search, optimise.transient, optimise.erlang_approx, study.commands.optimise; "
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_delay_probability_limit_is_the_normal_law_s():
    from scipy import stats

    from optimise.erlang_approx import halfin_whitt_delay_probability

    for beta in (1e-6, 0.1, 0.5, 1.0, 2.0, 8.0, 40.0):
        with np.errstate(over="ignore"):   # beta = 40: exp overflows to inf and the reference is 0
            ref = 1 / (1 + beta * np.exp(stats.norm.logcdf(beta) - stats.norm.logpdf(beta)))
        assert halfin_whitt_delay_probability(beta) == pytest.approx(ref, rel=1e-12, abs=1e-300)


def test_exponential_closed_form_matches_the_convolution():
    mass = np.zeros(1600)
    mass[200:600] = 0.4
    mass[900] = 12.0                                   # a lump: tickets issued at reopening
    exp = Exponential(dist="exponential", mean_min=8.0)
    closed = offered_load_exponential(mass, 0.25, 8.0)
    numeric = offered_load_general(mass, 0.25, exp)
    assert np.abs(closed - numeric).max() < 1e-3 * closed.max()


@pytest.mark.parametrize("dist", DISTS, ids=lambda d: d.dist)
def test_offered_load_reaches_lambda_times_mean_work(dist):
    mass = np.full(2000, 0.5 * 0.25)                   # 0.5 per minute for 500 minutes
    m = offered_load(mass, 0.25, dist)
    assert m[-1] == pytest.approx(0.5 * dist.mean, rel=1e-3)
    assert np.all(np.diff(m) >= -1e-9)                 # filling up from empty never goes down


def test_zero_demand_needs_nobody():
    assert staff_for_load(0.0, 5.0, Criteria(((20.0, 0.8),), None, None, None)) == 0
    data = peaked_dict()
    data["arrivals"]["profile"] = [{"start": "08:00", "end": "10:00", "share": 0.0},
                                   {"start": "10:00", "end": "12:00", "share": 1.0}]
    s = scenario_from_dict(data)
    for method in ("sipp", "time_varying"):
        r = compute_requirements(s, method, 30)
        before = r.period_start_min < 600
        assert (r.pooled_staff["desk"][before] == 0).all() and (r.pooled_staff["desk"][~before] > 0).all()
        assert (r.station_target("desk")[before] == 0).all()


@pytest.mark.parametrize("method", ["sipp", "time_varying"])
def test_stricter_target_never_needs_fewer_staff(method):
    staff = {}
    for key, (fraction, wait) in {"base": (0.8, 5.0), "higher": (0.9, 5.0), "shorter": (0.8, 2.0)}.items():
        staff[key] = compute_requirements(scenario_from_dict(peaked_dict(fraction, wait)), method, 30).pooled_staff["desk"]
    assert (staff["higher"] >= staff["base"]).all() and (staff["shorter"] >= staff["base"]).all()
    assert (staff["higher"] > staff["base"]).any()


def test_sipp_is_erlang_c_on_a_stationary_queue():
    s = scenario_from_dict(peaked_dict())
    r = compute_requirements(s, "sipp", 60)
    lam = 240 * np.array([0.15, 0.55, 0.15, 0.15]) / 60
    expected = [min_servers_for_service_level(x, 10.0, 5.0, 0.8) for x in lam]
    assert r.pooled_staff["desk"].tolist() == expected
    assert r.pooled_load["desk"] == pytest.approx(lam * 10.0)


def test_time_varying_staffs_the_hour_after_the_peak_more():
    s = scenario_from_dict(peaked_dict())
    sipp = compute_requirements(s, "sipp", 60)
    tv = compute_requirements(s, "time_varying", 60)
    after = tv.period_start_min == 600.0               # 10:00-11:00, just after the 09:00-10:00 peak
    assert tv.pooled_staff["desk"][after][0] > sipp.pooled_staff["desk"][after][0] + 5
    assert (tv.pooled_staff["desk"] >= sipp.pooled_staff["desk"]).all()
    # The offered load lags the arrival rate: at 10:00 it is still near the peak (22 erlangs).
    assert tv.pooled_load["desk"][after][0] > 15


def test_later_steps_lag_by_the_upstream_work():
    data = peaked_dict()
    data["stations"]["back"] = {"windows": 30}
    data["services"]["S"]["steps"].append({"station": "back", "skill": "B",
                                           "work": {"dist": "exponential", "mean_min": 10.0}})
    data["staff_types"]["clerk"]["skills"]["B"] = 1.0
    r = compute_requirements(scenario_from_dict(data), "time_varying", 15)
    desk, back = r.pooled_load["desk"], r.pooled_load["back"]
    peak_desk = r.period_start_min[np.argmax(desk)]
    peak_back = r.period_start_min[np.argmax(back)]
    assert peak_back - peak_desk in (0.0, 15.0) and back.max() == pytest.approx(desk.max(), rel=0.1)
    assert back[r.period_start_min == 540.0][0] < desk[r.period_start_min == 540.0][0]   # still filling up


def test_skill_targets_share_the_station_target():
    s = load_scenario(ROOT / "scenarios" / "county_hall.yaml")
    r = compute_requirements(s, "time_varying", 30)
    for station in r.stations:
        target = r.station_target(station)
        parts = r.skill_targets(station)
        assert sum(parts.values()) == pytest.approx(target.astype(float))
        peaks = sum(r.load[(station, k)] for k in parts)
        coincident = np.minimum(1.0, r.pooled_load[station] / np.where(peaks > 0, peaks, 1.0))
        for k, v in parts.items():           # every skill gets at least its (coincident) load
            staffed = target > 0
            assert (v[staffed] >= (r.load[(station, k)] * coincident)[staffed] - 1e-9).all()
    # A split day: drain periods after the lunch closure (time-varying only), none for SIPP.
    assert "drain" in set(r.kinds()) and r.period_start_min[r.kinds() == "drain"].min() == 720.0
    assert "drain" not in set(compute_requirements(s, "sipp", 30).kinds())


def test_adjustments_raise_one_interval_only():
    s = scenario_from_dict(peaked_dict())
    r = compute_requirements(s, "time_varying", 30)
    bumped = r.with_adjust("desk", 600.0, +2)
    diff = bumped.station_target("desk") - r.station_target("desk")
    assert diff.tolist() == [0, 0, 0, 0, 2, 2, 0, 0]
    lowered = r.with_adjust("desk", 600.0, -100)      # never below the load the station must carry
    assert (lowered.station_target("desk") >= np.ceil(r.pooled_load["desk"] - 1e-9)).all()


# ---- settings --------------------------------------------------------------------------------------------

def test_county_settings_file_loads_and_expands():
    s = load_scenario(ROOT / "scenarios" / "county_hall.yaml")
    o = resolve_settings(s, load_settings(ROOT / "tests" / "data" / "county_hall_optimise.yaml"))
    names = [p.name for p in generate_patterns(s, o)]
    assert "STD-0830-1730-b1200" in names and "DRAIN-0830-1730-b1230" in names
    assert len(names) == len(set(names))
    am = [p for p in generate_patterns(s, o) if p.template == "AM"]
    assert len(am) == 9 and all(not p.allows("police") and p.allows("auxiliary") for p in am)


def test_break_placements_are_enumerated():
    s = scenario_from_dict(peaked_dict())
    o = settings_from_dict({"shift_templates": {"CONT": {
        "start": {"earliest": "08:00", "latest": "08:30", "step_min": 30}, "length_min": 240,
        "breaks": [{"length_min": 30, "within": {"start": "09:30", "end": "11:00"}, "step_min": 30}]}}})
    patterns = generate_patterns(s, o)
    # 3 break starts (09:30, 10:00, 10:30) in 08:00-12:00; the 08:30 start would end after closing: skipped
    assert sorted(p.name for p in patterns) == ["CONT-0800-1200-b0930", "CONT-0800-1200-b1000", "CONT-0800-1200-b1030"]
    for p in patterns:
        (b,) = p.pattern.breaks
        assert p.pattern.start < b.start and b.end < p.pattern.end and p.paid_hours == pytest.approx(3.5)


@pytest.mark.parametrize("block, field, message", [
    ({"shift_templates": {"T": {"start": {"earliest": "08:00"}, "length_min": 60, "staff_types": ["chief"]}}},
     "optimise.shift_templates.T.staff_types[0]", "unknown staff type 'chief'"),
    ({"shift_templates": {"T": {"start": {"earliest": "07:00"}, "length_min": 60}}},
     "optimise.shift_templates.T", "every shift of this template"),
    ({"shift_templates": {"T": {"start": {"earliest": "08:00"}, "length_min": 60}},
      "cover_rules": [{"id": "r", "station": "hall", "staff_types": ["clerk"]}]},
     "optimise.cover_rules[0].station", "unknown station 'hall'"),
    ({"shift_templates": {"T": {"start": {"earliest": "08:00"}, "length_min": 60,
                                "breaks": [{"length_min": 30, "within": {"start": "10:00", "end": "11:00"}}]}}},
     "optimise.shift_templates.T.breaks", "no placement of the breaks fits"),
    ({"shift_templates": {"T": {"start": {"earliest": "08:00"}, "length_min": 60}}, "headcount": {"chief": 2}},
     "optimise.headcount.chief", "unknown staff type"),
])
def test_settings_errors_name_the_field(block, field, message):
    s = scenario_from_dict(peaked_dict())
    with pytest.raises(ScenarioError) as info:
        resolve_settings(s, settings_from_dict(block))
    assert any(p.field == field and message in p.message for p in info.value.problems), info.value


def test_settings_shape_errors_and_missing_settings():
    with pytest.raises(ScenarioError, match="optimise.shift_templates.T.length_min"):
        settings_from_dict({"shift_templates": {"T": {"start": {"earliest": "08:00"}, "length_min": -5}}})
    with pytest.raises(ScenarioError, match="solvr"):
        settings_from_dict({"shift_templates": {"T": {"start": {"earliest": "08:00"}, "length_min": 60}},
                            "solvr": "highs"})
    with pytest.raises(ScenarioError, match="no optimise: block"):
        resolve_settings(scenario_from_dict(peaked_dict()), None)
