"""The features of a real hall (issue 3) against theory, where theory holds.

* Jackson network: two stations in tandem, ample staff at the first; the
  second station sees a Poisson stream (Burke's theorem, thinned by the step
  probability) and must match Erlang C for its own arrival rate.
* Appointments: no-shows thin the booked citizens; on-time appointments
  (their own priority class) wait less than walk-ins of the same hour.
* Attendance: whole-day absence, lateness and short absences from post take
  the expected share of the scheduled window-minutes; the accounting adds up.
* Demand: the batch at opening is Poisson(volume x share), the day-to-day
  volume noise gives Var(N) = V + (cv V)^2 (Gamma-mixed Poisson), and the
  multipliers scale the expected count.

Estimates and error bars follow ``tests/test_analytic.py``: ratio-of-sums
over independent replications with the delta-method standard error, a
precision floor, and agreement within 3.3 standard errors (``check``). Run
with ``-s`` to see a line per comparison; ``-m slow`` runs longer variants.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from optimise.erlang import erlang_c, mmc_mean_wait_min, mmc_service_level
from sim.arrivals import sample_citizens
from sim.eventlog import TURNED_AWAY, UNSERVED
from sim.experiment import run_experiment
from sim.loading import scenario_from_dict
from sim.metrics import staff_kpis
from sim.model import HallModel
from sim.staff import staff_days
from sim.streams import make_rngs
from tests.builders import mmc_dict
from tests.test_analytic import check, day_rows, measured, ratio_se, steady_dict

SEED = 2025
WORKERS = 2


def mean_se(values) -> tuple[float, float]:
    """Mean of per-replication values and its standard error."""
    v = np.asarray(values, dtype=float)
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v)))


def check_accounting(result) -> None:
    """Every citizen has one outcome and the counts add up, per replication and in the summary."""
    rows = day_rows(result)
    assert (rows["arrivals"] == rows["tickets"] + rows["turned_away"]).all()
    assert (rows["tickets"] == rows["served"] + rows["abandoned"] + rows["unserved"]).all()
    assert (rows["balked"] <= rows["abandoned"]).all()
    for log in result.logs or []:
        assert sum(log.counts().values()) == len(log)
        assert np.array_equal(np.isnan(log.ticket_min), log.outcome == TURNED_AWAY)


# --------------------------------------------------------------------------- 1. Jackson network (tandem)
def tandem_dict(lam: float, work_a: float, servers_a: int, p_b: float, work_b: float, servers_b: int) -> dict:
    """Steady-state day: step 0 at 'desk' (``servers_a`` staff), then with probability ``p_b`` step 1 at 'B'.

    Both steps have exponential work. With ample staff at the desk its output
    is (nearly) the Poisson arrival stream; thinned with ``p_b`` it is Poisson
    with rate ``p_b * lam`` at B (Burke; Jackson), so B is an M/M/c queue.
    """
    data = steady_dict(lam, work_a, servers_a)
    data["name"] = "tandem"
    data["stations"]["B"] = {"windows": servers_b}
    data["services"]["S"]["steps"].append({"station": "B", "skill": "B_WORK", "probability": p_b,
                                           "work": {"dist": "exponential", "mean_min": work_b}})
    data["staff_types"]["clerk_b"] = {"skills": {"B_WORK": 1.0}}
    data["roster"].append({"staff_type": "clerk_b", "shift": "ALL", "station": "B", "count": servers_b})
    return data


def step_rows(result, step: int):
    t = result.tables["steps"]
    rows = t[t["step"] == step]
    assert rows["rep"].is_unique
    return rows.set_index("rep").reindex(result.reps).fillna(0)


def run_tandem(lam, work_a, servers_a, p_b, work_b, servers_b, reps, t_sl, seed=SEED, rel_floor=0.07,
               prob_floor=0.0125):
    s = scenario_from_dict(tandem_dict(lam, work_a, servers_a, p_b, work_b, servers_b), source="<tandem>")
    started = time.perf_counter()
    result = run_experiment(s, replications=reps, seed=seed, workers=WORKERS, keep_logs=True)
    tag = (f"tandem M/M/{servers_a} -> M/M/{servers_b} lam_B={p_b * lam:g} work_B={work_b:g} "
           f"({reps} reps, {time.perf_counter() - started:.1f}s)")
    a_rows, b_rows = step_rows(result, 0), step_rows(result, 1)

    # pipeline: the steps table agrees with the event logs, and nobody measured is censored
    waited, within = np.zeros(reps), np.zeros(reps)
    for log in result.logs:
        keep = measured(log)
        assert not np.any(log.outcome[keep] == UNSERVED)
        at_b = (log.visit_step == 1) & keep[log.visit_citizen]
        wait_b = log.visit_start_min[at_b] - log.visit_join_min[at_b]
        row = b_rows.loc[log.replication]
        assert row["visits"] == at_b.sum()
        assert row["wait_sum_min"] == pytest.approx(wait_b.sum(), rel=1e-9, abs=1e-9)
        waited[log.replication] = np.count_nonzero(wait_b > 0)
        within[log.replication] = np.count_nonzero(wait_b <= t_sl)
    assert b_rows["unserved"].sum() == 0 and a_rows["unserved"].sum() == 0

    # the first station has ample staff: (almost) nobody waits there
    assert erlang_c(servers_a, lam * work_a) < 1e-6
    w_a, _ = ratio_se(a_rows["wait_sum_min"], a_rows["visits"])
    assert w_a < 1e-3, f"{tag}: mean wait {w_a} at the ample first station"
    # the step probability thins the stream
    share, share_se = ratio_se(b_rows["visits"], a_rows["visits"])
    check(f"{tag} share going on to B", share, share_se, p_b, max_se=0.005)
    # the second station is M/M/c with its own arrival rate
    lam_b = p_b * lam
    w, w_se = ratio_se(b_rows["wait_sum_min"], b_rows["visits"])
    w_theory = mmc_mean_wait_min(lam_b, work_b, servers_b)
    check(f"{tag} mean wait at B", w, w_se, w_theory, max_rel_se=rel_floor)
    summary_b = result.summary()["steps"].set_index("step").loc[1]
    assert summary_b["wait_mean_min"] == pytest.approx(w, rel=1e-9)
    pw, pw_se = ratio_se(waited, b_rows["visits"])
    check(f"{tag} P(wait>0) at B", pw, pw_se, erlang_c(servers_b, lam_b * work_b), max_se=prob_floor)
    sl, sl_se = ratio_se(within, b_rows["visits"])
    check(f"{tag} P(wait<={t_sl}) at B", sl, sl_se, mmc_service_level(lam_b, work_b, servers_b, t_sl),
          max_se=prob_floor)
    # end to end: time in the hall = work at A + (with p_b) wait and work at B
    rows = day_rows(result)
    tis, tis_se = ratio_se(rows["time_in_system_sum_min"], rows["served"])
    check(f"{tag} time in the hall", tis, tis_se, work_a + p_b * (w_theory + work_b), max_rel_se=0.02)
    check_accounting(result)


def test_tandem_second_station_matches_erlang_c():
    # desk: 30 staff for 4 erlangs; B: 5 staff, lambda_B = 1.0/min, 4 min work (rho 0.8)
    run_tandem(1.25, 3.2, 30, 0.8, 4.0, 5, reps=100, t_sl=2.0)


@pytest.mark.slow
@pytest.mark.parametrize("lam, work_a, p_b, work_b, c_b, t_sl", [
    (1.25, 3.2, 0.8, 4.0, 5, 2.0),     # rho_B = 0.8
    (2.0, 2.0, 0.5, 2.7, 3, 1.0),      # rho_B = 0.9
])
def test_tandem_second_station_matches_erlang_c_long(lam, work_a, p_b, work_b, c_b, t_sl):
    run_tandem(lam, work_a, 30, p_b, work_b, c_b, reps=1000, t_sl=t_sl, seed=SEED + 1, rel_floor=0.03,
               prob_floor=0.006)


# --------------------------------------------------------------------------- 2. appointments
APPT = {"slot_min": 30, "capacity_per_slot": {"S": 4}, "booked_share": 0.9, "punctuality_mean_min": -5.0,
        "punctuality_sd_min": 10.0, "grace_min": 15.0, "priority_class": "appt", "called_within_min": 10.0}


def appointment_hall(no_show: float, servers: int = 5) -> dict:
    """09:00-17:00, tickets until 16:30; walk-ins 0.5/min and 4 bookable places per half-hour slot, 7 min work.

    Load: walk-ins 3.5 erlangs + booked 0.9 x 8/h x 7 min = 0.84 erlangs on 5 staff (rho 0.87).
    Appointment citizens on time have class 'appt' (called first); walk-ins are 'normal'.
    """
    data = mmc_dict(0.5, 7.0, servers, open_min=540, close_min=1020, replications=1, seed=SEED)
    data["name"] = "appointments"
    data["hours"].update({"last_ticket": "16:30", "hard_stop": "18:00"})
    data["calling"]["end_of_day"] = "serve_until_empty"
    data["classes"] = {"appt": {"priority": 0, "share": 0.0}, "normal": {"priority": 1, "share": 1.0}}
    data["appointments"] = dict(APPT, no_show=no_show)
    return data


def _slots(scenario) -> int:
    a, h = scenario.appointments, scenario.hours
    return int(math.floor((h.last_ticket_min - h.open_min) / a.slot_min + 1e-9))


def test_no_shows_reduce_appointments_served_by_their_share():
    reps, no_show = 120, 0.3
    runs = {}
    for p in (0.0, no_show):   # same seed: the same bookings, the same walk-ins (common random numbers)
        s = scenario_from_dict(appointment_hall(p), source="<appointments>")
        started = time.perf_counter()
        runs[p] = run_experiment(s, replications=reps, seed=SEED, workers=WORKERS)
        runs[p].elapsed = time.perf_counter() - started
        check_accounting(runs[p])
    s = runs[no_show].scenario
    places = _slots(s) * APPT["capacity_per_slot"]["S"]
    on_time = stats.norm.cdf((APPT["grace_min"] - APPT["punctuality_mean_min"]) / APPT["punctuality_sd_min"])
    base, thin = runs[0.0].tables["appointments"], runs[no_show].tables["appointments"]
    tag = f"appointments ({reps} reps, {runs[0.0].elapsed + runs[no_show].elapsed:.1f}s)"
    assert (base["booked"].to_numpy() == thin["booked"].to_numpy()).all(), "no-shows changed the bookings"
    assert (base["no_shows"] == 0).all()
    check(f"{tag} booked per day", *mean_se(base["booked"]), places * APPT["booked_share"], max_rel_se=0.01)
    check(f"{tag} no-show share", *ratio_se(thin["no_shows"], thin["booked"]), no_show, max_se=0.01)
    check(f"{tag} on time per day, no_show={no_show}", *mean_se(thin["arrived_on_time"]),
          places * APPT["booked_share"] * (1 - no_show) * on_time, max_rel_se=0.01)
    # everyone on time is served (they are called first; staff stay until the queue is empty)
    for t in (base, thin):
        assert (t["served"] == t["arrived_on_time"]).all()
    # the served count falls by the no-show share: paired over the same bookings
    check(f"{tag} served(no_show={no_show}) / served(0)", *ratio_se(thin["served"], base["served"]),
          1 - no_show, max_se=0.01)
    summary = runs[no_show].summary()["appointments"].iloc[0]
    assert summary["served"] == pytest.approx(thin["served"].mean())


def test_on_time_appointments_wait_less_than_walk_ins_in_the_same_hour():
    reps = 120
    s = scenario_from_dict(appointment_hall(0.15), source="<appointments>")
    started = time.perf_counter()
    result = run_experiment(s, replications=reps, seed=SEED + 2, workers=WORKERS)
    check_accounting(result)
    tag = f"appointments ({reps} reps, {time.perf_counter() - started:.1f}s)"
    t = result.tables["citizens"]
    t = t[(t["service_type"] == "*") & (t["interval"] != "day")]
    hours_checked = 0
    for interval in sorted(set(t["interval"])):
        by_class = {}
        for klass in ("appt", "normal"):
            g = t[(t["interval"] == interval) & (t["class"] == klass)].set_index("rep").reindex(result.reps).fillna(0)
            by_class[klass] = g
        appt, walk = by_class["appt"], by_class["normal"]
        if appt["tickets"].sum() < 200 or walk["tickets"].sum() < 200:
            continue   # the last half hour has (nearly) no appointment tickets
        wa, wa_se = ratio_se(appt["wait_sum_min"], appt["tickets"])
        ww, ww_se = ratio_se(walk["wait_sum_min"], walk["tickets"])
        se = math.hypot(wa_se, ww_se)
        print(f"\n  {tag} {interval}: appointments wait {wa:.2f} ± {wa_se:.2f}, walk-ins {ww:.2f} ± {ww_se:.2f}",
              end="")
        assert wa < ww - 3.3 * se, f"{interval}: on-time appointments wait {wa:.2f}, walk-ins {ww:.2f} (se {se:.2f})"
        hours_checked += 1
    assert hours_checked >= 7
    # punctuality of service is reported: most on-time appointments are called within 10 min of their slot
    a = result.summary()["appointments"].iloc[0]
    assert 0.8 < a["called_within_share"] <= 1.0


def test_appointment_slots_lie_inside_the_opening_sessions():
    """A split day (closed 12:00-14:00) must not offer appointment slots while the hall is closed.

    Appointments docstring: slots run "from opening to the last ticket"; on a split day
    that books citizens into the lunch closure, where they get a ticket at 14:00 but
    keep their 12:00-13:30 slot (and the priority of an on-time appointment).
    """
    data = mmc_dict(0.1, 5.0, 3, open_min=510, close_min=1050)
    data["hours"]["sessions"] = [{"start": "08:30", "end": "12:00"}, {"start": "14:00", "end": "17:30"}]
    data["shift_patterns"]["ALL"]["breaks"] = [{"start": "12:00", "end": "14:00"}]
    data["appointments"] = {"capacity_per_slot": {"S": 2}, "priority_class": "normal", "no_show": 0.0,
                            "booked_share": 1.0, "punctuality_sd_min": 0.0, "punctuality_mean_min": 0.0}
    s = scenario_from_dict(data, source="<split appointments>")
    c = sample_citizens(s, make_rngs(SEED, 0))
    slots = np.unique(c.slot_min[~np.isnan(c.slot_min)])
    inside = [any(sess.start <= t and t + s.appointments.slot_min <= sess.end for sess in s.hours.sessions)
              for t in slots]
    closed = [f"{int(t // 60):02d}:{int(t % 60):02d}" for t, ok in zip(slots, inside) if not ok]
    assert not closed, f"appointment slots offered while the hall is closed for lunch: {closed}"


# --------------------------------------------------------------------------- 3. attendance
def attendance_hall(police: dict, aux: dict, servers_each: int = 6, arrivals_per_min: float = 1.2) -> dict:
    """08:30-16:30, one 8-hour shift without breaks; police and auxiliaries at one desk."""
    data = mmc_dict(arrivals_per_min, 5.0, 2 * servers_each, open_min=510, close_min=990, replications=1, seed=SEED)
    data["name"] = "attendance"
    data["staff_types"] = {"police": {"skills": {"S": 1.0}, "attendance": police},
                           "aux": {"skills": {"S": 1.0}, "attendance": aux}}
    data["roster"] = [{"staff_type": "police", "shift": "ALL", "station": "desk", "count": servers_each},
                      {"staff_type": "aux", "shift": "ALL", "station": "desk", "count": servers_each}]
    return data


def _staff_rows(result, stype: str):
    t = result.tables["staff"]
    return t[t["staff_type"] == stype].set_index("rep").reindex(result.reps)


def test_absence_reduces_staffed_minutes_by_its_probability():
    reps, each = 250, 12
    p = {"police": 0.1, "aux": 0.3}
    s = scenario_from_dict(attendance_hall({"absence_probability": p["police"]}, {"absence_probability": p["aux"]},
                                           each, arrivals_per_min=0.6), source="<absence>")
    started = time.perf_counter()
    result = run_experiment(s, replications=reps, seed=SEED, workers=WORKERS, keep_logs=True)
    tag = f"absence ({reps} reps, {time.perf_counter() - started:.1f}s)"
    check_accounting(result)
    shift_min = 480.0
    for stype, prob in p.items():
        rows = _staff_rows(result, stype)
        assert (rows["scheduled_min"] == each * shift_min).all()
        # exact accounting: the staff who came were staffed all their scheduled minutes, the absent none
        np.testing.assert_allclose(rows["staffed_min"], (each - rows["absent"]) * shift_min, rtol=0, atol=1e-6)
        check(f"{tag} {stype} absent per day", *mean_se(rows["absent"]), each * prob, max_rel_se=0.1)
        check(f"{tag} {stype} staffed / scheduled minutes", *ratio_se(rows["staffed_min"], rows["scheduled_min"]),
              1 - prob, max_se=0.01)
    summary = result.summary()["staff"].set_index("staff_type")
    assert summary.loc["*", "staffed_share"] == pytest.approx(
        result.tables["staff"].query("staff_type == '*'")["staffed_min"].sum()
        / result.tables["staff"].query("staff_type == '*'")["scheduled_min"].sum())
    for log in result.logs:   # absent staff never come on duty, never serve
        absent = np.flatnonzero(log.staff_absent)
        assert not np.isin(log.duty_staff, absent).any() and not np.isin(log.visit_staff, absent).any()


def test_lateness_and_short_absences_take_their_expected_minutes():
    reps, each, shift_min = 150, 6, 480.0
    late_p, late_mean = 0.5, 10.0
    per_day, away_mean = 2.0, 8.0
    s = scenario_from_dict(attendance_hall(
        {"lateness": {"probability": late_p, "mean_min": late_mean}},
        {"short_absences": {"per_day": per_day, "duration": {"dist": "exponential", "mean_min": away_mean}}},
        each), source="<lateness>")
    started = time.perf_counter()
    result = run_experiment(s, replications=reps, seed=SEED + 3, workers=WORKERS, keep_logs=True)
    tag = f"attendance ({reps} reps, {time.perf_counter() - started:.1f}s)"
    check_accounting(result)
    police, aux = _staff_rows(result, "police"), _staff_rows(result, "aux")
    # late start: an exponential delay, cut at the end of the shift
    lost = (police["scheduled_min"] - police["staffed_min"]) / each
    check(f"{tag} police minutes lost to lateness", *mean_se(lost),
          late_p * late_mean * (1 - math.exp(-shift_min / late_mean)), max_rel_se=0.08)
    # short absences: a Poisson number per staff-day of exponential length
    check(f"{tag} aux minutes away from post", *mean_se(aux["away_min"] / each), per_day * away_mean,
          max_rel_se=0.05)
    staffed_share, se = ratio_se(aux["staffed_min"], aux["scheduled_min"])
    check(f"{tag} aux staffed share", staffed_share, se, 1 - per_day * away_mean / shift_min, max_se=0.005)


def test_staffed_minutes_of_a_short_absence_past_the_shift_end():
    """Staffed window-minutes are scheduled minutes at post.

    One clerk, shift 08:00-10:00, away from 09:50 for 20 minutes: at post
    08:00-09:50, 110 of the 120 scheduled minutes.
    """
    s = scenario_from_dict(mmc_dict(0.01, 2.0, 1, open_min=480, close_min=600), source="<away>")
    citizens = sample_citizens(s, make_rngs(SEED, 0))
    day = replace(staff_days(s)[0], short_absences=((590.0, 20.0),))
    log = HallModel(s, citizens, [day]).run()
    per_type, _ = staff_kpis(log, s)
    row = per_type[per_type["staff_type"] == "*"].iloc[0]
    assert row["scheduled_min"] == 120.0
    assert row["staffed_min"] == pytest.approx(110.0), (
        f"staffed_min {row['staffed_min']} (on duty {row['on_duty_min']}, overtime {row['overtime_min']}, "
        f"away {row['away_min']}; duty {log.duty_on_min}-{log.duty_off_min}, away {log.away_start_min}-"
        f"{log.away_end_min}): the 10 minutes away after the shift end are subtracted twice")


# --------------------------------------------------------------------------- 5. demand
def demand_dict(volume: float, **arrivals) -> dict:
    data = mmc_dict(1.0, 1.0, 1, open_min=480, close_min=1020)
    data["arrivals"]["daily_volume"] = volume
    data["arrivals"]["profile"] = [{"start": "08:00", "end": "12:00", "share": 0.6},
                                   {"start": "12:00", "end": "17:00", "share": 0.4}]
    data["arrivals"].update(arrivals)
    return data


def _days(data: dict, reps: int, seed: int = SEED) -> list:
    s = scenario_from_dict(data, source="<demand>")
    return [sample_citizens(s, make_rngs(seed, rep)) for rep in range(reps)]


def _variance_se(x: np.ndarray) -> tuple[float, float]:
    """Sample variance and its standard error, (mu4 - s^4 (n - 3) / (n - 1)) / n."""
    n = len(x)
    s2 = float(x.var(ddof=1))
    mu4 = float(((x - x.mean()) ** 4).mean())
    return s2, math.sqrt(max(mu4 - s2**2 * (n - 3) / (n - 1), 0.0) / n)


def test_batch_at_opening_is_poisson():
    volume, share, reps = 200.0, 0.25, 2000
    days = _days(demand_dict(volume, batch_at_opening_share=share), reps)
    batch = np.array([np.count_nonzero(d.arrive_min == 480.0) for d in days], dtype=float)
    rest = np.array([np.count_nonzero(d.arrive_min > 480.0) for d in days], dtype=float)
    for d in days[:20]:
        at_open = d.arrive_min == 480.0
        assert np.all(d.ticket_min[at_open] == 480.0)
    check(f"batch at opening: mean ({reps} days)", *mean_se(batch), volume * share, max_rel_se=0.01)
    check(f"batch at opening: variance ({reps} days)", *_variance_se(batch), volume * share, max_rel_se=0.05)
    check(f"walk-ins after opening: mean ({reps} days)", *mean_se(rest), volume * (1 - share), max_rel_se=0.01)
    # the rest follows the profile: 60% in the morning
    morning = np.array([np.count_nonzero((d.arrive_min > 480.0) & (d.arrive_min < 720.0)) for d in days])
    check("walk-ins after opening: morning share", *ratio_se(morning, rest), 0.6, max_se=0.005)


def test_volume_noise_gives_gamma_mixed_poisson_variance():
    volume, cv, reps = 200.0, 0.25, 3000
    days = _days(demand_dict(volume, volume_cv=cv), reps)
    n = np.array([len(d) for d in days], dtype=float)
    check(f"volume noise: mean daily arrivals ({reps} days)", *mean_se(n), volume, max_rel_se=0.01)
    check(f"volume noise: variance of daily arrivals ({reps} days)", *_variance_se(n),
          volume + (cv * volume) ** 2, max_rel_se=0.05)
    # with a batch at opening as well, the batch is still volume x share on average
    days = _days(demand_dict(volume, volume_cv=cv, batch_at_opening_share=0.2), 1000, seed=SEED + 1)
    batch = np.array([np.count_nonzero(d.arrive_min == 480.0) for d in days], dtype=float)
    check("volume noise: batch at opening mean (1000 days)", *mean_se(batch), 0.2 * volume, max_rel_se=0.02)


def test_multipliers_scale_the_expected_count():
    volume, reps = 150.0, 1500
    factors = [{"name": "monday", "factor": 1.25}, {"name": "month_end", "factor": 1.6},
               {"name": "rain", "factor": 0.75}]
    days = _days(demand_dict(volume, multipliers=factors), reps)
    n = np.array([len(d) for d in days], dtype=float)
    expected = volume * 1.25 * 1.6 * 0.75
    check(f"multipliers: mean daily arrivals ({reps} days)", *mean_se(n), expected, max_rel_se=0.01)
    check(f"multipliers: variance (Poisson) ({reps} days)", *_variance_se(n), expected, max_rel_se=0.06)
    # and through the whole pipeline: the citizens table counts them
    s = scenario_from_dict(demand_dict(volume, multipliers=factors), source="<demand>")
    result = run_experiment(s, replications=60, seed=SEED, workers=1)
    rows = day_rows(result)
    check("multipliers: arrivals in the citizens table (60 reps)", *mean_se(rows["arrivals"]), expected,
          max_rel_se=0.02)
