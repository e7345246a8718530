"""Property tests of the features of a real hall (issue 3) on random small scenarios.

The halls of ``tests/test_invariants.py`` (routes of 1-2 steps over 1-2
stations, optional steps, priority classes, patience, split days, every
calling option) are extended at random with: a restricted window group
(classes and/or skills, ``when_idle`` idle or help_others) with staff
rostered to it; attendance per staff type (whole-day absence, lateness, short
absences from post); appointments (slots, booked share, no-shows,
punctuality, grace); a balking curve; a no-show delay (过号); a batch
queueing at opening; day-to-day volume noise and multipliers. Sometimes a
third class shares the green channel's priority (``EQUAL_PRIORITY_CLASSES``). Every scenario is valid by
construction and must pass ``scenario_from_dict``.

What must hold on the event log of a replication (besides the checks of
``tests/test_invariants.py``, reused where their promises still apply):

* routes: each citizen's steps are the steps they needed, in order, never
  overlapping; per (service type, step), ``step_kpis`` visits, unserved and
  the citizens who abandoned at the step add up to the citizens who reached
  it, as rebuilt from the log;
* staff: one citizen at a time, only skills held, only on duty; never during
  a short absence from post (away spells lie inside duty periods); absent
  staff never come; a late staff member never serves before the late start;
* windows: staff on duty per window group (and outside the groups) never
  exceed its windows, and sit at the group's own windows; restricted staff
  with ``when_idle: idle`` serve only their group's classes and skills;
* calling: work conservation (idle and at post, with no eligible citizen
  waiting), priority and calling rule, restricted groups first for their own;
* balking: balked citizens are abandoned with wait 0 and leave at once, and
  the queue they saw made the balk possible;
* appointments: on-time tickets carry the appointment class, and the
  appointment table matches the log;
* staffed window-minutes are the scheduled minutes at post.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from sim.eventlog import ABANDONED, SERVED, TURNED_AWAY, UNSERVED
from sim.loading import scenario_from_dict
from sim.metrics import appointment_kpis, citizen_kpis, staff_kpis, step_kpis
from sim.run import run_replication
from sim.staff import staff_days
from sim.streams import make_rngs
from tests.builders import mmc_dict
from tests.test_invariants import (
    idle_gaps,
    EPS,
    Day,
    _overlap,
    _spells_can_be_rebuilt,
    check_citizens,
    check_littles_law,
    check_outcomes,
    check_queue_kpis,
    check_staff,
    check_windows,
    scenario_dicts,
)


# --------------------------------------------------------------------------- scenarios
def _mean_work(work: dict) -> float:
    return work.get("mean_min", work.get("value_min", work.get("mode_min")))


# A class with the same priority as 'green' makes restricted window groups serve it as their own
# (the model keeps groups for priority levels, not classes): see
# test_idle_green_window_serves_only_green_when_another_class_shares_its_priority. Set True once it passes.
EQUAL_PRIORITY_CLASSES = True


def _often(draw) -> bool:
    return draw(st.sampled_from([True, True, False]))


@st.composite
def feature_dicts(draw):
    data = draw(scenario_dicts())
    services, stations, classes = data["services"], data["stations"], data["classes"]
    staff_types, shifts, arrivals = data["staff_types"], data["shift_patterns"], data["arrivals"]
    needed = {(step["station"], step.get("skill") or code) for code, svc in services.items() for step in svc["steps"]}

    if EQUAL_PRIORITY_CLASSES and "green" in classes and draw(st.booleans()):   # shares green's priority
        classes["green"]["share"] = 0.15
        classes["elder"] = {"priority": 0, "share": 0.1}

    # a restricted window group at one station, with its own staff
    if _often(draw):
        station = draw(st.sampled_from(sorted({s_ for s_, _ in needed})))
        here = sorted(k for s_, k in needed if s_ == station)
        windows = draw(st.integers(1, 2))
        group = {"windows": windows, "when_idle": draw(st.sampled_from(["idle", "help_others"]))}
        if draw(st.booleans()):
            group["classes"] = draw(st.lists(st.sampled_from(sorted(classes)), min_size=1, unique=True))
        if draw(st.booleans()):
            group["skills"] = draw(st.lists(st.sampled_from(here), min_size=1, max_size=len(here), unique=True))
        stations[station]["windows"] += windows
        stations[station]["window_groups"] = {"G": group}
        wanted = set(group.get("skills", here))
        types = sorted(t for t, spec in staff_types.items() if wanted & set(spec["skills"]))
        for _ in range(draw(st.integers(1, windows))):
            data["roster"].append({"staff_type": draw(st.sampled_from(types)),
                                   "shift": draw(st.sampled_from(sorted(shifts))),
                                   "station": station, "count": 1, "window_group": "G"})

    # attendance per staff type
    for spec in staff_types.values():
        if _often(draw):
            att = {}
            if draw(st.booleans()):
                att["absence_probability"] = draw(st.sampled_from([0.1, 0.3]))
            if _often(draw):
                att["lateness"] = {"probability": draw(st.sampled_from([0.3, 1.0])),
                                   "mean_min": draw(st.sampled_from([5.0, 30.0]))}
            if _often(draw):
                att["short_absences"] = {"per_day": draw(st.sampled_from([1.0, 4.0])),
                                         "duration": draw(st.sampled_from([{"dist": "exponential", "mean_min": 5.0},
                                                                           {"dist": "deterministic", "value_min": 10.0}]))}
            spec["attendance"] = att

    # appointments, with a capacity the windows can meet in a slot
    if _often(draw):
        slot = draw(st.sampled_from([15.0, 30.0, 60.0]))
        caps = {code: draw(st.integers(1, 2)) for code in sorted(services)}
        for code in sorted(caps, key=lambda c: -caps[c]):
            load = {}
            for c, n in caps.items():
                for step in services[c]["steps"]:
                    work = n * step.get("probability", 1.0) * _mean_work(step["work"])
                    load[step["station"]] = load.get(step["station"], 0.0) + work
            if all(w <= stations[s_]["windows"] * slot for s_, w in load.items()):
                break
            caps[code] = 0
        data["appointments"] = {
            "slot_min": slot, "capacity_per_slot": caps,
            "booked_share": draw(st.sampled_from([0.5, 1.0])), "no_show": draw(st.sampled_from([0.0, 0.2])),
            "punctuality_mean_min": draw(st.sampled_from([-5.0, 0.0, 10.0])),
            "punctuality_sd_min": draw(st.sampled_from([0.0, 5.0, 15.0])),
            "grace_min": draw(st.sampled_from([0.0, 10.0])),
            "priority_class": draw(st.sampled_from(sorted(classes))),
            "called_within_min": draw(st.sampled_from([5.0, 15.0])),
        }

    if draw(st.booleans()):
        arrivals["balking"] = draw(st.sampled_from([
            [{"queue": 0, "probability": 0.0}, {"queue": 3, "probability": 0.5}, {"queue": 8, "probability": 1.0}],
            [{"queue": 2, "probability": 0.3}],
            [{"queue": 1, "probability": 0.2}, {"queue": 5, "probability": 0.9}],
        ]))
    data["calling"]["no_show_delay_min"] = draw(st.sampled_from([0.0, 0.5, 2.0]))
    arrivals["batch_at_opening_share"] = draw(st.sampled_from([0.0, 0.1, 0.3]))
    arrivals["volume_cv"] = draw(st.sampled_from([0.0, 0.3]))
    if draw(st.booleans()):
        arrivals["multipliers"] = [{"name": "month_end", "factor": draw(st.sampled_from([0.7, 1.5]))}]
    return data


# --------------------------------------------------------------------------- the day under test
class FeatureDay(Day):
    """``Day`` with the staff's attendance drawn (the same streams as the replication)."""

    def __init__(self, scenario, seed, rep=0):
        super().__init__(scenario, seed, rep)
        self.days = staff_days(scenario, make_rngs(seed, rep))
        log = self.log
        self.away_of: dict[int, list[tuple[float, float]]] = {}
        for s, a, b in zip(log.away_staff, log.away_start_min, log.away_end_min):
            self.away_of.setdefault(int(s), []).append((float(a), float(b)))
        for spells in self.away_of.values():
            spells.sort()
        self.class_code = np.asarray(log.class_codes, dtype=object)[log.klass]

    def group_of(self, s: int):
        d = self.days[s]
        return None if d.window_group is None else self.scenario.stations[d.station].window_groups[d.window_group]

    def own(self, group, cid: int, skill: str) -> bool:
        """Is the citizen (at a step needing ``skill``) one the group's windows are kept for?"""
        return ((group.classes is None or self.class_code[cid] in group.classes)
                and (group.skills is None or skill in group.skills))


def _day(data, seed) -> FeatureDay:
    day = FeatureDay(scenario_from_dict(data, source="<hypothesis>"), seed)
    log, s = day.log, day.scenario
    # what the example exercised (see --hypothesis-show-statistics)
    groups = [g for st_ in s.stations.values() for g in st_.window_groups.values()]
    for name, hit in (("window group idle", any(g.when_idle == "idle" for g in groups)),
                      ("window group help_others", any(g.when_idle == "help_others" for g in groups)),
                      ("a citizen balked", log.balked.any()), ("staff absent", log.staff_absent.any()),
                      ("staff late", any(d.late_min > 0 for d in day.days)), ("away spells", len(log.away_staff) > 0),
                      ("appointments on time", (~np.isnan(log.slot_min)).any()),
                      ("no-show delay paid", s.calling.no_show_delay_min > 0 and (log.outcome == ABANDONED).any()),
                      ("two-step route served", (log.visit_step > 0).any())):
        if hit:
            event(name)
    return day


# --------------------------------------------------------------------------- checks
def check_routes(day: FeatureDay) -> None:
    """``tests.test_invariants.check_citizens`` (a balked citizen's patience ran out at once), and balking."""
    log = day.log
    balked = np.flatnonzero(log.balked)
    if len(balked):
        view = copy.copy(day)
        view.log = replace(log, patience_min=np.where(log.balked, 0.0, log.patience_min))
        check_citizens(view)
    else:
        check_citizens(day)
    for cid in balked:
        assert log.outcome[cid] == ABANDONED, f"balked citizen {cid} is not counted abandoned"
        assert log.wait_min[cid] == 0.0 and log.leave_min[cid] == log.ticket_min[cid]
        assert cid not in day.visits_of_citizen
        assert log.abandon_step[cid] == day.needed[cid][0]
    assert not log.balked[log.outcome != ABANDONED].any()


def check_balking_saw_a_queue(day: FeatureDay) -> None:
    """A balked citizen balked with the curve's probability of the number waiting ahead in their queue."""
    log, balk = day.log, day.scenario.arrivals.balking
    if not balk:
        assert not log.balked.any()
        return
    _spells_can_be_rebuilt(day)
    xs, ps = [p.queue for p in balk], [p.probability for p in balk]
    spells = day.spells()
    u = day.citizens.balk_u
    for cid in np.flatnonzero(log.balked):
        t = log.ticket_min[cid]
        q = day.queue_of(int(cid), day.needed[cid][0])
        others = [(w0, w1) for w0, w1, st_, sk, other in spells if (st_, sk) == q and other != cid]
        lo = sum(1 for w0, w1 in others if w0 < t - EPS and w1 > t + EPS)
        hi = sum(1 for w0, w1 in others if w0 <= t + EPS and w1 >= t - EPS)
        p_max = max(float(np.interp(k, xs, ps)) for k in range(lo, hi + 1))
        assert u[cid] < p_max, (f"citizen {cid} balked at {t:.3f} seeing {lo}-{hi} waiting in {q}: "
                                f"draw {u[cid]:.3f}, curve gives at most {p_max:.3f}")


def check_step_counts(day: FeatureDay) -> None:
    """Per (service type, step): visits + unserved + abandoned there = citizens who reached the step."""
    log, scenario = day.log, day.scenario
    table = step_kpis(log, scenario).set_index(["service_type", "step"])
    reached, visits, unserved, gone = {}, {}, {}, {}
    for cid in range(len(log)):
        if log.outcome[cid] == TURNED_AWAY:
            continue
        code = day.codes[log.service[cid]]
        done = [int(log.visit_step[k]) for k in day.visits_of_citizen.get(cid, [])]
        route = day.needed[cid]
        for j in done:
            visits[(code, j)] = visits.get((code, j), 0) + 1
        # reached: every step served, plus the step they stopped at
        stop = route[len(done)] if len(done) < len(route) else None
        for j in done + ([stop] if stop is not None else []):
            reached[(code, j)] = reached.get((code, j), 0) + 1
        if log.outcome[cid] == ABANDONED:
            assert stop == log.abandon_step[cid] == route[0]
            gone[(code, stop)] = gone.get((code, stop), 0) + 1
        elif log.outcome[cid] == UNSERVED:
            unserved[(code, stop)] = unserved.get((code, stop), 0) + 1
        else:
            assert stop is None
    for (code, j), row in table.iterrows():
        key = (code, j)
        assert row["visits"] == visits.get(key, 0), f"step_kpis visits at {key}: {row['visits']} vs log {visits.get(key, 0)}"
        assert row["unserved"] == unserved.get(key, 0), f"step_kpis unserved at {key}"
        assert row["visits"] + row["unserved"] + gone.get(key, 0) == reached.get(key, 0)
    assert sum(visits.values()) == len(log.visit_citizen)
    day_row = citizen_kpis(log, scenario)
    day_row = day_row[(day_row["interval"] == "day") & (day_row["service_type"] == "*") & (day_row["class"] == "*")]
    if len(log) == 0:           # a day without citizens (a small volume with volume_cv): no row has citizens
        assert day_row.empty
        return
    r = day_row.iloc[0]
    assert r["arrivals"] == len(log) == r["tickets"] + r["turned_away"]
    assert r["tickets"] == r["served"] + r["abandoned"] + r["unserved"]
    assert r["balked"] == log.balked.sum() <= r["abandoned"]


def check_attendance(day: FeatureDay) -> None:
    """Absent staff never come; late staff not before their late start; never serving while away from post."""
    log = day.log
    vs, ve = log.visit_start_min, log.visit_end_min
    assert np.array_equal(log.staff_absent, np.array([d.absent for d in day.days], dtype=bool))
    for s, d in enumerate(day.days):
        duty, away = day.duty_of.get(s, []), day.away_of.get(s, [])
        ks = day.visits_of_staff.get(s, [])
        if d.absent:
            assert not duty and not ks and not away, f"{d.staff_id} is absent but came"
            continue
        if d.late_min and d.periods_min:
            a, b = d.periods_min[0]
            late_start = min(a + d.late_min, b)
            for on, _, _ in duty:
                assert on >= late_start - EPS or on >= b - EPS, (
                    f"{d.staff_id} late by {d.late_min:.2f} came on duty at {on:.3f}, before {late_start:.3f}")
            for k in ks:
                assert vs[k] >= late_start - EPS, f"{d.staff_id} served at {vs[k]:.3f} before the late start {late_start:.3f}"
        for a, b in away:
            assert b >= a - EPS
            assert any(on - EPS <= a and b <= off + EPS for on, off, _ in duty), (
                f"{d.staff_id} away {a:.3f}-{b:.3f} outside their duty {duty}")
            assert any(t <= a + EPS for t, _ in d.short_absences), f"{d.staff_id} away at {a:.3f} before any was due"
            for k in ks:
                assert _overlap(vs[k], ve[k], a, b) <= EPS, (
                    f"{d.staff_id} served citizen {log.visit_citizen[k]} {vs[k]:.3f}-{ve[k]:.3f} while away {a:.3f}-{b:.3f}")
        for (a0, a1), (b0, b1) in zip(away, away[1:]):
            assert b0 >= a1 - EPS, f"{d.staff_id}: overlapping away spells"
        assert sum(b - a for a, b in away) <= sum(dur for _, dur in d.short_absences) + 1e-6


def check_duty_features(day: FeatureDay) -> None:
    """Every service inside an on-duty period; duty starts inside a work period; overtime only with a reason.

    Overtime (off after the scheduled end) is finishing a citizen, paying the no-show
    delay of a call made before the end, coming back from a short absence, or staying
    at the end of the day (``serve_until_empty``).
    """
    log, close_min = day.log, day.scenario.hours.close_min
    vs, ve = log.visit_start_min, log.visit_end_min
    for s, periods in day.duty_of.items():
        d = day.days[s]
        for a, b in zip(periods, periods[1:]):
            assert b[0] >= a[1] - EPS, f"{d.staff_id}: overlapping duty periods"
        for on, off, sched in periods:
            assert off >= on - EPS
            assert any(a - EPS <= on <= b + EPS for a, b in d.periods_min), (
                f"{d.staff_id} came on duty at {on}, outside the work periods {d.periods_min}")
            if off > sched + EPS:
                reason = (any(abs(ve[k] - off) < EPS for k in day.visits_of_staff.get(s, []))
                          or any(abs(b - off) < EPS for _, b in day.away_of.get(s, []))
                          or off <= sched + day.scenario.calling.no_show_delay_min + EPS  # calling a departed citizen
                          or (day.serve_until_empty and abs(sched - d.periods_min[-1][1]) < EPS and sched >= close_min))
                assert reason, f"{d.staff_id} on duty {on}-{off} after {sched} with nothing to do"
    for s, ks in day.visits_of_staff.items():
        for k in ks:
            assert any(p[0] - EPS <= vs[k] and ve[k] <= p[1] + EPS for p in day.duty_of.get(s, [])), (
                f"{log.staff_ids[s]} served at {vs[k]}-{ve[k]} while off duty")


def check_window_groups(day: FeatureDay) -> None:
    """Per window group: staff on duty within its windows, at its own windows; idle-only staff serve only their own."""
    log, scenario = day.log, day.scenario
    pools = {}
    for station, spec in scenario.stations.items():
        first = spec.windows - sum(g.windows for g in spec.window_groups.values())
        pools[(station, None)] = (1, first)
        for name, g in spec.window_groups.items():
            pools[(station, name)] = (first + 1, first + g.windows)
            first += g.windows
    for (station, group), (w_lo, w_hi) in pools.items():
        members = [s for s, d in enumerate(day.days) if d.station == station and d.window_group == group]
        rows = [(on, off) for s in members for on, off, _ in day.duty_of.get(s, []) if off > on]
        level = 0
        for _, step in sorted([(on, 1) for on, _ in rows] + [(off, -1) for _, off in rows]):
            level += step
            assert level <= w_hi - w_lo + 1, f"more staff on duty in {station}/{group} than its {w_hi - w_lo + 1} windows"
        for s in members:
            for k in day.visits_of_staff.get(s, []):
                assert w_lo <= log.visit_window[k] <= w_hi, (
                    f"{day.days[s].staff_id} of {station}/{group} served at window {log.visit_window[k]}")
    for s, d in enumerate(day.days):
        group = day.group_of(s)
        if group is None or group.when_idle != "idle":
            continue
        for k in day.visits_of_staff.get(s, []):
            cid = int(log.visit_citizen[k])
            skill = scenario.step_skill(day.codes[log.service[cid]], int(log.visit_step[k]))
            assert day.own(group, cid, skill), (
                f"{d.staff_id} (window group {d.window_group}: classes {group.classes}, skills {group.skills}, "
                f"when_idle: idle) served citizen {cid} of class {day.class_code[cid]} for skill {skill}")


def _waiting_for(day: FeatureDay, s: int, spells):
    """Spells of citizens staff member ``s`` may serve (restricted idle-only staff: their own only)."""
    d, group = day.days[s], day.group_of(s)
    queues = {(d.station, k) for k in d.skills}
    out = [sp for sp in spells if sp[2:4] in queues]
    if group is not None and group.when_idle == "idle":
        out = [sp for sp in out if day.own(group, sp[4], sp[3])]
    return out


def check_work_conservation_features(day: FeatureDay) -> None:
    """Nobody a staff member may serve waits while they are on duty, at post and idle.

    Skipped when a no-show delay is paid (the staff member is then busy calling a departed
    citizen, which the log does not record).
    """
    log = day.log
    if day.scenario.calling.no_show_delay_min > 0 and (log.outcome == ABANDONED).any():
        return
    _spells_can_be_rebuilt(day)
    spells = day.spells()
    for s, periods in day.duty_of.items():
        d = day.days[s]
        mine = _waiting_for(day, s, spells)
        busy = sorted([(log.visit_start_min[k], log.visit_end_min[k]) for k in day.visits_of_staff.get(s, [])]
                      + day.away_of.get(s, []))
        for on, off, _ in periods:
            for g0, g1 in idle_gaps(on, off, busy):
                for w0, w1, station, skill, cid in mine:
                    assert _overlap(g0, g1, w0, w1) <= 1e-6, (
                        f"{d.staff_id} idle at post {g0:.3f}-{g1:.3f} while citizen {cid} "
                        f"(class {day.class_code[cid]}) waited {w0:.3f}-{w1:.3f} for {skill} at {station}")


def check_calling_features(day: FeatureDay) -> None:
    """At every call: restricted staff call their own citizens first; then priority class and the calling rule."""
    log, scenario = day.log, day.scenario
    vs, vj = log.visit_start_min, log.visit_join_min
    fcfs = scenario.calling.rule == "fcfs"
    _spells_can_be_rebuilt(day)
    spells = day.spells()
    rank = day.rank
    for k in range(len(vs)):
        s, cid, t = int(log.visit_staff[k]), int(log.visit_citizen[k]), vs[k]
        d, group = day.days[s], day.group_of(s)
        skill_k = scenario.step_skill(day.codes[log.service[cid]], int(log.visit_step[k]))
        order = list(d.skills)
        waiting = [sp for sp in spells if sp[4] != cid and sp[2] == d.station and sp[3] in order
                   and sp[0] < t - EPS and sp[1] > t + EPS]
        if group is not None:
            mine = day.own(group, cid, skill_k)
            own_waiting = [sp for sp in waiting if day.own(group, sp[4], sp[3])]
            if not mine:
                assert not own_waiting, (f"{d.staff_id} (window group {d.window_group}) called citizen {cid} at {t:.3f} "
                                         f"while citizen {own_waiting[0][4]} of its own waited")
            else:
                waiting = own_waiting
        for w0, w1, station, skill, other in waiting:
            assert rank[other] >= rank[cid], (
                f"{d.staff_id} called class rank {rank[cid]} at {t} while citizen {other} of rank {rank[other]} waited")
            if rank[other] == rank[cid]:
                if fcfs:
                    assert w0 >= vj[k] - EPS, f"{d.staff_id} broke FCFS at {t}: called citizen {cid} before {other}"
                else:
                    assert (order.index(skill), w0) >= (order.index(skill_k), vj[k] - EPS), (
                        f"{d.staff_id} broke primary_skill_first at {t}: called {cid} ({skill_k}) before {other} ({skill})")


def check_appointments(day: FeatureDay) -> None:
    """On-time appointment tickets carry the appointment class; the appointment table matches the log."""
    log, a = day.log, day.scenario.appointments
    slot = log.slot_min
    if a is None:
        assert np.isnan(slot).all()
        return
    appt = ~np.isnan(slot)
    assert (day.class_code[appt] == a.priority_class).all()
    assert np.all(log.arrive_min[appt] <= slot[appt] + a.grace_min + EPS), "a late arrival kept its appointment"
    row = appointment_kpis(log, day.scenario).iloc[0]
    assert row["booked"] == log.appointments_booked and row["no_shows"] == log.appointments_no_show
    assert 0 <= row["no_shows"] <= row["booked"]
    assert row["arrived_on_time"] == (appt & (log.outcome != TURNED_AWAY)).sum() <= row["booked"] - row["no_shows"]
    assert row["served"] == (appt & (log.outcome == SERVED)).sum()
    assert row["called_within"] <= row["arrived_on_time"]


def check_batch_at_opening(day: FeatureDay) -> None:
    """Citizens queueing at opening are ticketed at opening."""
    log = day.log
    at_open = log.arrive_min == day.open_min
    assert np.all(log.ticket_min[at_open] == day.open_min)
    if day.scenario.arrivals.batch_at_opening_share == 0 and day.scenario.appointments is None:
        assert not at_open.any()


def check_staying_staff_are_needed(day: FeatureDay) -> None:
    """At the end of the day (``serve_until_empty``) staff stay only while a citizen still needs them.

    A citizen needs a staff member for a step they may do until that step is called
    (until the hard stop if it never is, or if the citizen abandoned: the hall learns of
    that only when the ticket is called, and the call may cost the no-show delay).
    Restricted staff with ``when_idle: idle`` may do only their group's classes and skills.
    """
    log, scenario = day.log, day.scenario
    if not day.serve_until_empty:
        return
    vs, ve = log.visit_start_min, log.visit_end_min
    delay = scenario.calling.no_show_delay_min
    until: dict[tuple, list[tuple[int, float]]] = {}   # (station, skill) -> [(citizen, needed until)]
    for cid in range(len(log)):
        if log.outcome[cid] == TURNED_AWAY or log.balked[cid]:
            continue
        started = {int(log.visit_step[k]): vs[k] for k in day.visits_of_citizen.get(cid, [])}
        for j in day.needed[cid]:
            until.setdefault(day.queue_of(cid, j), []).append((cid, started.get(j, day.hard_stop)))
    for s, periods in day.duty_of.items():
        d, group = day.days[s], day.group_of(s)
        for on, off, sched in periods:
            if off <= sched + EPS or sched < scenario.hours.close_min or abs(sched - d.periods_min[-1][1]) > EPS:
                continue
            if (any(abs(ve[k] - off) < EPS for k in day.visits_of_staff.get(s, []))
                    or any(abs(b - off) < EPS for _, b in day.away_of.get(s, [])) or off <= sched + delay + EPS):
                continue   # finishing a citizen, back from a short absence, or calling a departed citizen
            need_end = max((t for k in d.skills for cid, t in until.get((d.station, k), [])
                            if group is None or group.when_idle != "idle" or day.own(group, cid, k)), default=sched)
            assert off <= max(sched, need_end) + delay + EPS, (
                f"{d.staff_id} (window group {d.window_group}) stayed after closing until {off:.3f}, "
                f"but nobody needed them after {max(sched, need_end):.3f}")


def _clipped_length(spans, windows) -> float:
    """Total length of ``spans`` (disjoint) inside ``windows`` (disjoint)."""
    return sum(max(0.0, _overlap(a, b, c, d)) for a, b in spans for c, d in windows)


def check_staffed_minutes(day: FeatureDay) -> None:
    """Staffed window-minutes = scheduled minutes at post: on duty, inside a work period, not away."""
    log, scenario = day.log, day.scenario
    per_type, _ = staff_kpis(log, scenario)
    expected: dict[tuple, float] = {}
    for s, d in enumerate(day.days):
        duty = [(on, off) for on, off, _ in day.duty_of.get(s, [])]
        at_post = _clipped_length(duty, d.periods_min)
        away = [(max(a, on), min(b, off)) for a, b in day.away_of.get(s, []) for on, off in duty
                if _overlap(a, b, on, off) > 0]
        at_post -= _clipped_length(away, d.periods_min)
        key = (d.staff_type, d.station)
        expected[key] = expected.get(key, 0.0) + at_post
    for _, row in per_type.iterrows():
        if row["staff_type"] == "*":
            continue
        want = expected[(row["staff_type"], row["station"])]
        assert abs(row["staffed_min"] - want) < 1e-6, (
            f"{row['staff_type']} at {row['station']}: staffed_min {row['staffed_min']:.3f}, scheduled minutes at "
            f"post {want:.3f} (on duty {row['on_duty_min']:.3f}, overtime {row['overtime_min']:.3f}, "
            f"away {row['away_min']:.3f})")
        assert row["staffed_min"] <= row["scheduled_min"] + 1e-6


# --------------------------------------------------------------------------- the tests
SETTINGS = settings(max_examples=60, deadline=None, report_multiple_bugs=False,
                    suppress_health_check=[HealthCheck.too_slow])


# A day that hypothesis found in CI: ten citizens a day with volume_cv 0.3, and this seed draws none.
NO_CITIZEN_DAY = {
    "name": "prop", "hours": {"sessions": [{"start": "08:00", "end": "11:00"}], "last_ticket": "11:00",
                              "hard_stop": "11:00", "interval_min": 15, "closed_arrivals": "wait"},
    "stations": {"ST0": {"windows": 1}, "ST1": {"windows": 1}},
    "services": {"S0": {"steps": [{"station": "ST0", "work": {"dist": "exponential", "mean_min": 1.0}}]}},
    "classes": {"normal": {"priority": 1, "share": 1.0}},
    "arrivals": {"daily_volume": 10, "profile": [{"start": "08:00", "end": "09:00", "share": 0.5},
                                                 {"start": "09:00", "end": "11:00", "share": 0.5}],
                 "mix": {"S0": 1.0}, "batch_at_opening_share": 0.1, "volume_cv": 0.3},
    "staff_types": {"T0": {"skills": {"S0": 1.0}}, "T1": {"skills": {"S0": 1.0}}},
    "shift_patterns": {"FULL": {"start": "08:00", "end": "11:00"}, "EARLY": {"start": "08:00", "end": "09:30"},
                       "LATE": {"start": "09:30", "end": "11:00"}},
    "roster": [{"staff_type": "T0", "shift": "FULL", "station": "ST0", "count": 1}],
    "calling": {"rule": "fcfs", "idle_choice": "longest_idle", "end_of_day": "serve_until_empty",
                "no_show_delay_min": 0.0},
    "experiment": {"replications": 1, "seed": 1}}


@SETTINGS
@given(data=feature_dicts(), seed=st.integers(0, 2**31 - 1))
@example(data=NO_CITIZEN_DAY, seed=28213609)
def test_routes_and_step_counts(data, seed):
    """Steps in order, never overlapping; outcomes and per-step counts add up; balking; appointments."""
    day = _day(data, seed)
    check_outcomes(day)
    check_routes(day)
    check_step_counts(day)
    check_balking_saw_a_queue(day)
    check_appointments(day)
    check_batch_at_opening(day)


@SETTINGS
@given(data=feature_dicts(), seed=st.integers(0, 2**31 - 1))
def test_staff_attendance_and_windows(data, seed):
    """One citizen at a time, skills held, on duty, at post; window groups; lateness and absences."""
    day = _day(data, seed)
    check_staff(day)
    check_duty_features(day)
    check_attendance(day)
    check_windows(day)
    check_window_groups(day)


@SETTINGS
@given(data=feature_dicts(), seed=st.integers(0, 2**31 - 1))
def test_calling_with_window_groups_and_absences(data, seed):
    """Work conservation (at post), restricted groups first for their own, priority and calling rule."""
    day = _day(data, seed)
    check_work_conservation_features(day)
    check_calling_features(day)


@SETTINGS
@given(data=feature_dicts(), seed=st.integers(0, 2**31 - 1))
def test_littles_law_and_queue_kpis_with_features(data, seed):
    day = _day(data, seed)
    check_littles_law(day)
    check_queue_kpis(day)


@SETTINGS
@given(data=feature_dicts(), seed=st.integers(0, 2**31 - 1))
def test_staff_stay_after_closing_only_while_needed(data, seed):
    check_staying_staff_are_needed(_day(data, seed))


@SETTINGS
@given(data=feature_dicts(), seed=st.integers(0, 2**31 - 1))
def test_staffed_minutes_are_scheduled_minutes_at_post(data, seed):
    check_staffed_minutes(_day(data, seed))


# --------------------------------------------------------------------------- minimal reproductions
def test_idle_green_window_serves_only_green_when_another_class_shares_its_priority():
    """A window group kept for class 'green' with ``when_idle: idle`` must not serve class 'elder'.

    'elder' has the same priority as 'green'. Nobody else is rostered at the desk,
    so an 'elder' citizen must stay unserved.
    """
    data = mmc_dict(0.2, 2.0, 1, open_min=480, close_min=600)
    data["classes"] = {"green": {"priority": 0, "share": 0.5}, "elder": {"priority": 0, "share": 0.5}}
    data["stations"]["desk"] = {"windows": 1, "window_groups": {
        "G": {"windows": 1, "classes": ["green"], "when_idle": "idle"}}}
    data["roster"][0]["window_group"] = "G"
    s = scenario_from_dict(data, source="<green window>")
    log = run_replication(s, 0, seed=1)
    classes = np.asarray(log.class_codes, dtype=object)[log.klass]
    served_elder = np.flatnonzero((classes == "elder") & np.isin(np.arange(len(log)), log.visit_citizen))
    assert len(served_elder) == 0, (f"the green-only window (when_idle: idle) served {len(served_elder)} 'elder' "
                                    f"citizens of {int((classes == 'elder').sum())}")


def test_idle_only_window_staff_do_not_stay_for_citizens_they_may_not_serve():
    """``serve_until_empty``: staff stay after closing "while a ticket they can serve waits".

    A green-channel window (classes [green], when_idle: idle) with its own clerk, and one
    ordinary clerk; 08:00-10:00, hard stop 11:00. At 10:00 only 'normal' citizens wait:
    the green-window clerk may not serve them and must go home at 10:00.
    """
    data = mmc_dict(0.5, 4.0, 2, open_min=480, close_min=600)
    data["hours"]["hard_stop"] = "11:00"
    data["calling"]["end_of_day"] = "serve_until_empty"
    data["classes"] = {"green": {"priority": 0, "share": 0.1}, "normal": {"priority": 1, "share": 0.9}}
    data["stations"]["desk"] = {"windows": 2, "window_groups": {
        "G": {"windows": 1, "classes": ["green"], "when_idle": "idle"}}}
    data["roster"] = [{"staff_type": "clerk", "shift": "ALL", "station": "desk", "count": 1},
                      {"staff_type": "clerk", "shift": "ALL", "station": "desk", "count": 1, "window_group": "G"}]
    day = FeatureDay(scenario_from_dict(data, source="<green window>"), seed=1)
    green_clerk = 1
    assert day.days[green_clerk].window_group == "G"
    classes = day.class_code
    waiting_green = [cid for cid in range(len(day.log)) if classes[cid] == "green" and day.log.outcome[cid] != SERVED]
    assert not waiting_green
    (on, off, sched), = day.duty_of[green_clerk]
    last = max(day.log.visit_end_min[k] for k in day.visits_of_staff[green_clerk])
    assert off <= max(sched, last) + EPS, (
        f"the green-window clerk (when_idle: idle) stayed on duty until {off:.1f} (scheduled end {sched:.1f}, last "
        f"service ended {last:.1f}) while only citizens it may not serve waited: {off - sched:.0f} min of overtime")
