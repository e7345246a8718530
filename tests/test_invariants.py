"""Property tests: invariants of the event log on random small scenarios.

Hypothesis builds small halls (1-2 stations, 1-3 service types with 1-2
steps, optional steps, 1-2 priority classes, optional patience, 2-3 staff
types with random skills, shift patterns with and without breaks, split days,
every calling option). Each scenario is valid by construction (every needed
skill at a station is held by someone rostered there; windows cover the peak
of staff on duty) and must pass ``scenario_from_dict``.

On the event log of a replication we check what the model promises:

* staff: one citizen at a time, only steps of their station whose skill they
  hold, at the work time the citizen brought times their speed factor; every
  service lies inside one of their on-duty periods, and every on-duty period
  starts inside a scheduled work period (so nothing starts in a break or after
  a shift unless the staff member was already on duty finishing a citizen);
  a service starts after the scheduled end only while finishing the day
  (``serve_until_empty``); no service starts after the hard stop;
* windows: staff on duty at a station never exceed its windows; a staff
  member keeps one window per on-duty period; no two staff hold the same
  window at the same time;
* citizens: waits are non-negative; start >= join; end >= start; the steps
  of a citizen are the steps they needed, in order, never overlapping, each
  joined at the end of the one before; exactly one outcome each, and the
  counts add up; abandoned citizens left at ticket + patience;
* calling: nobody eligible waits while a staff member is idle on duty (work
  conservation); a call respects priority classes and the calling rule;
* Little's law on the log: the time-average number waiting over
  [open, hard stop] equals (tickets / horizon) x (waiting time per ticket),
  and ``metrics.queue_kpis`` (per interval and on its grid, per station)
  agrees with the waiting spells rebuilt from the log.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.arrivals import sample_citizens
from sim.clock import format_clock, parse_clock
from sim.eventlog import ABANDONED, SERVED, TURNED_AWAY, UNSERVED
from sim.loading import scenario_from_dict
from sim.metrics import interval_edges_min, queue_kpis
from sim.run import run_replication
from sim.staff import staff_days
from sim.streams import make_rngs
from tests.builders import mmc_dict

EPS = 1e-7
OPEN = 8 * 60.0


# --------------------------------------------------------------------------- scenarios
def _work(draw, mean):
    kind = draw(st.sampled_from(["exponential", "lognormal", "gamma", "triangular", "deterministic"]))
    if kind == "exponential":
        return {"dist": "exponential", "mean_min": mean}
    if kind in ("lognormal", "gamma"):
        return {"dist": kind, "mean_min": mean, "cv": draw(st.sampled_from([0.3, 0.7, 1.2]))}
    if kind == "triangular":
        return {"dist": "triangular", "min_min": mean / 2, "mode_min": mean, "max_min": mean * 1.5}
    return {"dist": "deterministic", "value_min": mean}


def _peak(periods_by_count):
    """Staff on duty at the busiest period start (the rule of sim.checks)."""
    starts = sorted({a for a, _, _ in periods_by_count})
    return max((sum(n for a, b, n in periods_by_count if a <= t < b) for t in starts), default=0)


@st.composite
def scenario_dicts(draw):
    split = draw(st.booleans())
    if split:
        first_len = draw(st.sampled_from([60, 90, 120]))
        gap = draw(st.sampled_from([30, 60]))
        second_len = draw(st.sampled_from([60, 90, 120]))
        sessions = [(OPEN, OPEN + first_len), (OPEN + first_len + gap, OPEN + first_len + gap + second_len)]
    else:
        sessions = [(OPEN, OPEN + draw(st.sampled_from([120, 180, 240])))]
    open_min, close_min = sessions[0][0], sessions[-1][1]
    last_ticket = close_min - draw(st.sampled_from([0, 0, 30]))
    hard_stop = close_min + draw(st.sampled_from([0, 30, 60]))
    hours = {"sessions": [{"start": format_clock(a), "end": format_clock(b)} for a, b in sessions],
             "last_ticket": format_clock(last_ticket), "hard_stop": format_clock(hard_stop),
             "interval_min": draw(st.sampled_from([15, 30, 60])),
             "closed_arrivals": draw(st.sampled_from(["wait", "turn_away"]))}

    n_stations = draw(st.integers(1, 2))
    stations = [f"ST{i}" for i in range(n_stations)]
    skill_pool = ["K0", "K1"]
    n_services = draw(st.integers(1, 3))
    services, needed = {}, set()  # needed: (station, skill)
    for k in range(n_services):
        code = f"S{k}"
        n_steps = draw(st.integers(1, 2))
        always = draw(st.integers(0, n_steps - 1))
        steps = []
        for j in range(n_steps):
            station = draw(st.sampled_from(stations))
            skill = draw(st.sampled_from([None, None, *skill_pool]))
            step = {"station": station, "work": _work(draw, draw(st.sampled_from([1.0, 3.0, 6.0, 12.0])))}
            if skill:
                step["skill"] = skill
            if j != always and draw(st.booleans()):
                step["probability"] = draw(st.sampled_from([0.3, 0.6]))
            steps.append(step)
            needed.add((station, skill or code))
        services[code] = {"steps": steps}
    weights = draw(st.lists(st.integers(1, 4), min_size=n_services, max_size=n_services))
    mix = {f"S{k}": w / sum(weights) for k, w in enumerate(weights)}

    # Arrival profile: two slots over [open, last ticket] (covering any lunch gap).
    mid = open_min + 60
    share = draw(st.sampled_from([0.2, 0.5, 0.8]))
    profile = [{"start": format_clock(open_min), "end": format_clock(mid), "share": share},
               {"start": format_clock(mid), "end": format_clock(last_ticket), "share": round(1 - share, 6)}]
    volume = draw(st.sampled_from([10, 40, 80, 150]))

    classes = {"normal": {"priority": 1, "share": 1.0}}
    if draw(st.booleans()):
        classes = {"green": {"priority": 0, "share": 0.25}, "normal": {"priority": 1, "share": 0.75}}
        if draw(st.booleans()):
            classes["green"]["patience"] = {"dist": "exponential", "mean_min": 15.0}

    # Staff types: random skill subsets of the skills that some step needs.
    skills_needed = sorted({k for _, k in needed})
    n_types = draw(st.integers(2, 3))
    staff_types = {}
    for t in range(n_types):
        subset = draw(st.lists(st.sampled_from(skills_needed), min_size=1, max_size=len(skills_needed), unique=True))
        staff_types[f"T{t}"] = {"skills": {k: draw(st.sampled_from([1.0, 1.0, 0.8, 1.3])) for k in subset}}

    # Shift patterns: the whole day (with the lunch gap or a short break as a break), an early and a late one.
    full = {"start": format_clock(open_min), "end": format_clock(close_min)}
    if split and draw(st.booleans()):
        full["breaks"] = [{"start": format_clock(sessions[0][1]), "end": format_clock(sessions[1][0])}]
    elif draw(st.booleans()):
        full["breaks"] = [{"start": format_clock(open_min + 60), "end": format_clock(open_min + 75)}]
    half = open_min + 90
    shifts = {"FULL": full, "EARLY": {"start": format_clock(open_min), "end": format_clock(half)},
              "LATE": {"start": format_clock(half), "end": format_clock(close_min)}}

    def periods(shift):
        s = shifts[shift]
        a, b = parse_clock(s["start"]), parse_clock(s["end"])
        out, t = [], a
        for brk in s.get("breaks", []):
            out.append((t, parse_clock(brk["start"])))
            t = parse_clock(brk["end"])
        out.append((t, b))
        return out

    # Roster: every needed (station, skill) gets a holder on the whole-day shift, then a few extras.
    roster = []
    for station, skill in sorted(needed):
        if any(e["station"] == station and skill in staff_types[e["staff_type"]]["skills"] for e in roster):
            continue
        holders = [t for t, spec in staff_types.items() if skill in spec["skills"]]
        if not holders:
            t = draw(st.sampled_from(sorted(staff_types)))
            staff_types[t]["skills"][skill] = 1.0
            holders = [t]
        roster.append({"staff_type": draw(st.sampled_from(holders)), "shift": "FULL", "station": station, "count": 1})
    for _ in range(draw(st.integers(0, 3))):
        station = draw(st.sampled_from(stations))
        here = {k for s_, k in needed if s_ == station}
        types = [t for t, spec in staff_types.items() if here & set(spec["skills"])]
        if types:
            roster.append({"staff_type": draw(st.sampled_from(types)), "shift": draw(st.sampled_from(sorted(shifts))),
                           "station": station, "count": draw(st.integers(1, 2))})
    station_specs = {}
    for station in stations:
        peak = _peak([(a, b, e["count"]) for e in roster if e["station"] == station for a, b in periods(e["shift"])])
        station_specs[station] = {"windows": max(peak, draw(st.integers(1, 3)))}

    data = {
        "name": "prop",
        "hours": hours,
        "stations": station_specs,
        "services": services,
        "classes": classes,
        "arrivals": {"daily_volume": volume, "profile": profile, "mix": mix},
        "staff_types": staff_types,
        "shift_patterns": shifts,
        "roster": roster,
        "calling": {"rule": draw(st.sampled_from(["fcfs", "primary_skill_first"])),
                    "idle_choice": draw(st.sampled_from(["longest_idle", "least_flexible"])),
                    "end_of_day": draw(st.sampled_from(["serve_until_empty", "send_home"]))},
        "experiment": {"replications": 1, "seed": 1},
    }
    if draw(st.booleans()):
        data["patience"] = draw(st.sampled_from([{"dist": "exponential", "mean_min": 20.0},
                                                 {"dist": "lognormal", "mean_min": 30.0, "cv": 0.5}]))
    return data


# --------------------------------------------------------------------------- the day under test
class Day:
    """One replication of a scenario with everything the checks need, rebuilt from the log."""

    def __init__(self, scenario, seed, rep=0):
        self.scenario, self.seed = scenario, seed
        self.log = log = run_replication(scenario, rep, seed)
        # the citizens again, from the same streams: their needed steps and work
        self.citizens = sample_citizens(scenario, make_rngs(seed, rep))
        self.days = staff_days(scenario)
        self.codes = log.service_codes
        self.needed = []
        for i in range(len(self.citizens)):
            n_steps = len(scenario.services[self.codes[self.citizens.service[i]]].steps)
            self.needed.append([j for j in range(n_steps) if not np.isnan(self.citizens.work_min[i, j])])
        self.open_min, self.hard_stop = scenario.hours.open_min, scenario.hours.hard_stop_min
        self.serve_until_empty = scenario.calling.end_of_day == "serve_until_empty"
        self.visits_of_citizen: dict[int, list[int]] = {}
        for k, c in enumerate(log.visit_citizen):
            self.visits_of_citizen.setdefault(int(c), []).append(k)
        self.visits_of_staff: dict[int, list[int]] = {}
        for k, s in enumerate(log.visit_staff):
            self.visits_of_staff.setdefault(int(s), []).append(k)
        self.duty_of: dict[int, list[tuple]] = {}
        for s, on, off, sched in zip(log.duty_staff, log.duty_on_min, log.duty_off_min, log.duty_scheduled_off_min):
            self.duty_of.setdefault(int(s), []).append((on, off, sched))
        for periods in self.duty_of.values():
            periods.sort()
        ranks = sorted({c.priority for c in scenario.classes.values()})
        rank_of_class = [ranks.index(scenario.classes[c].priority) for c in log.class_codes]
        self.rank = np.asarray([rank_of_class[c] for c in log.klass], dtype=int)

    def queue_of(self, cid, step):
        """(station, skill) of step ``step`` of citizen ``cid``."""
        code = self.codes[self.log.service[cid]]
        return self.log.step_stations[(self.log.service[cid], step)], self.scenario.step_skill(code, step)

    def spells(self):
        """(start, end, station, skill, citizen) of every spell a citizen waited in a queue.

        Served steps: join -> start. Abandoned: ticket -> leave, at the first
        *needed* step. Unserved: join -> hard stop.
        """
        log, rows = self.log, []
        for cid, j, join, start in zip(log.visit_citizen, log.visit_step, log.visit_join_min, log.visit_start_min):
            rows.append((join, start, *self.queue_of(int(cid), int(j)), int(cid)))
        for cid in np.flatnonzero(log.outcome == ABANDONED):
            rows.append((log.ticket_min[cid], log.leave_min[cid], *self.queue_of(int(cid), self.needed[cid][0]), int(cid)))
        for cid, j, join in zip(log.unserved_citizen, log.unserved_step, log.unserved_join_min):
            rows.append((join, log.hard_stop_min, *self.queue_of(int(cid), int(j)), int(cid)))
        return rows


def _spells_can_be_rebuilt(day: Day) -> None:
    """Waiting spells assume abandonment only at the first step (model docstring); say so when the log breaks it."""
    log = day.log
    gone = np.flatnonzero(log.outcome == ABANDONED)
    served = gone[np.isin(gone, log.visit_citizen)]
    assert len(served) == 0, (
        f"citizens {served[:5].tolist()} are ABANDONED after being served at a step (only the first step's wait can "
        f"end in abandonment; see test_only_the_first_step_can_end_in_abandonment): their waiting spells are unknown")


def _overlap(a0, a1, b0, b1):
    return min(a1, b1) - max(a0, b0)


# --------------------------------------------------------------------------- checks
def check_outcomes(day: Day) -> None:
    """Exactly one outcome per citizen; the counts add up; the unserved table matches."""
    log = day.log
    n = len(log)
    assert set(np.unique(log.outcome).tolist()) <= {SERVED, ABANDONED, UNSERVED, TURNED_AWAY}
    assert sum(log.counts().values()) == n
    assert np.array_equal(np.isnan(log.ticket_min), log.outcome == TURNED_AWAY)
    assert len(set(log.unserved_citizen.tolist())) == len(log.unserved_citizen)
    assert set(log.unserved_citizen.tolist()) == set(np.flatnonzero(log.outcome == UNSERVED).tolist())
    ticketed = log.outcome != TURNED_AWAY
    assert np.all(log.wait_min[ticketed] >= -EPS), "negative wait"
    assert np.all(np.isnan(log.wait_min[~ticketed]))


def check_citizens(day: Day) -> None:
    """Per citizen: the needed steps in order, never overlapping; waits and leave times consistent."""
    log, hard_stop = day.log, day.hard_stop
    vs, ve, vj = log.visit_start_min, log.visit_end_min, log.visit_join_min
    assert np.all(vs >= vj - EPS), "a service started before the citizen joined the queue"
    assert np.all(ve >= vs - EPS), "a service ended before it started"
    assert np.all(vs <= hard_stop + EPS), "a service started after the hard stop"
    for cid in range(len(log)):
        ks = day.visits_of_citizen.get(cid, [])
        outcome, route = log.outcome[cid], day.needed[cid]
        steps = [int(log.visit_step[k]) for k in ks]
        if outcome == TURNED_AWAY:
            assert not ks
            continue
        assert steps == route[:len(steps)], f"citizen {cid}: steps {steps} are not a prefix of the route {route}"
        for a, b in zip(ks, ks[1:]):
            assert abs(vj[b] - ve[a]) < EPS, f"citizen {cid} joined step {log.visit_step[b]} not at the end of the step before"
            assert vs[b] >= ve[a] - EPS, f"citizen {cid}: steps overlap"
        if ks:
            assert abs(vj[ks[0]] - log.ticket_min[cid]) < EPS
            assert abs(log.wait_min[cid] - (vs[ks[0]] - log.ticket_min[cid])) < 1e-6, (
                f"citizen {cid} ({['served', 'abandoned', 'unserved'][outcome]}): wait_min {log.wait_min[cid]} is not "
                f"ticket -> first call {vs[ks[0]] - log.ticket_min[cid]}")
            assert log.wait_min[cid] <= log.patience_min[cid] + EPS, "called after patience ran out"
        if outcome == SERVED:
            assert steps == route, f"citizen {cid} counted served with steps {steps} of {route}"
            assert abs(log.leave_min[cid] - ve[ks[-1]]) < EPS
        elif outcome == ABANDONED:
            assert not ks, (f"citizen {cid} abandoned at {log.leave_min[cid]:.3f} after being served at steps {steps} "
                            f"(only the first step's wait can end in abandonment)")
            assert abs(log.wait_min[cid] - log.patience_min[cid]) < 1e-6
            assert log.leave_min[cid] <= hard_stop + EPS
        else:  # UNSERVED
            u = int(np.flatnonzero(log.unserved_citizen == cid)[0])
            assert len(steps) < len(route)
            assert int(log.unserved_step[u]) == route[len(steps)], "unserved at a step that is not the next one"
            if not ks:
                assert abs(log.wait_min[cid] - (hard_stop - log.ticket_min[cid])) < 1e-6
                assert log.wait_min[cid] <= log.patience_min[cid] + EPS
            else:  # never leaves before the end of a step served
                assert log.leave_min[cid] >= ve[ks[-1]] - EPS, (
                    f"citizen {cid} unserved: leave_min {log.leave_min[cid]} before the end of their last step {ve[ks[-1]]}")
                assert log.unserved_join_min[u] <= hard_stop + EPS, (
                    f"citizen {cid} is recorded as waiting at the hard stop {hard_stop} but joined that queue at "
                    f"{log.unserved_join_min[u]} (they were being served at the hard stop)")


def check_staff(day: Day) -> None:
    """Skills, station, work time x speed; one citizen at a time."""
    log, scenario, days, citizens = day.log, day.scenario, day.days, day.citizens
    vs, ve = log.visit_start_min, log.visit_end_min
    assert log.staff_ids == tuple(d.staff_id for d in days)
    for k in range(len(vs)):
        cid, j, s = int(log.visit_citizen[k]), int(log.visit_step[k]), int(log.visit_staff[k])
        code = day.codes[log.service[cid]]
        skill = scenario.step_skill(code, j)
        d = days[s]
        assert skill in d.skills, f"{d.staff_id} served {code} step {j} without skill {skill}"
        assert scenario.services[code].steps[j].station == d.station, f"{d.staff_id} served at another station"
        speed = d.speed[d.skills.index(skill)]
        assert abs((ve[k] - vs[k]) - citizens.work_min[cid, j] * speed) < 1e-6, "work time is not the citizen's work x speed"
    for s, ks in day.visits_of_staff.items():
        ks = sorted(ks, key=lambda k: (vs[k], ve[k]))
        for a, b in zip(ks, ks[1:]):
            assert vs[b] >= ve[a] - EPS, f"{log.staff_ids[s]} serves two citizens at once"


def check_duty(day: Day) -> None:
    """Every service inside an on-duty period; on-duty periods start in scheduled work periods."""
    log, days, close_min = day.log, day.days, day.scenario.hours.close_min
    vs, ve = log.visit_start_min, log.visit_end_min

    def staying_allowed(d, sched):
        return day.serve_until_empty and abs(sched - d.periods_min[-1][1]) < EPS and sched >= close_min

    for s, periods in day.duty_of.items():
        d = days[s]
        for a, b in zip(periods, periods[1:]):
            assert b[0] >= a[1] - EPS, f"{d.staff_id}: overlapping duty periods"
        for on, off, sched in periods:
            assert off >= on - EPS
            assert any(a - EPS <= on <= b + EPS for a, b in d.periods_min), (
                f"{d.staff_id} came on duty at {on}, outside the work periods {d.periods_min}")
            assert any(abs(sched - b) < EPS for _, b in d.periods_min) and sched >= on - EPS
            if off > sched + EPS:  # overtime: finishing a citizen, or staying at the end of the day
                finishing = any(abs(ve[k] - off) < EPS for k in day.visits_of_staff.get(s, []))
                assert finishing or staying_allowed(d, sched), f"{d.staff_id} on duty after {sched} with nothing to do"
    for s, ks in day.visits_of_staff.items():
        periods = day.duty_of.get(s, [])
        for k in ks:
            inside = [p for p in periods if p[0] - EPS <= vs[k] and ve[k] <= p[1] + EPS]
            assert inside, f"{log.staff_ids[s]} served at {vs[k]}-{ve[k]} while off duty (duty {periods})"
            on, off, sched = inside[0]
            if vs[k] > sched + EPS:
                assert staying_allowed(days[s], sched), (
                    f"{log.staff_ids[s]} started a service at {vs[k]} after the scheduled end {sched}")


def check_windows(day: Day) -> None:
    """Windows exist; one per duty period; never two staff at one window; never more staff than windows."""
    log, days, scenario = day.log, day.days, day.scenario
    vs = log.visit_start_min
    for k in range(len(vs)):
        assert 1 <= log.visit_window[k] <= scenario.stations[days[log.visit_staff[k]].station].windows
    held = []  # (station, window, on, off, staff)
    for s, periods in day.duty_of.items():
        for on, off, _ in periods:
            ws = {int(log.visit_window[k]) for k in day.visits_of_staff.get(s, []) if on - EPS <= vs[k] <= off + EPS}
            assert len(ws) <= 1, f"{log.staff_ids[s]} changed window within a duty period"
            if ws:
                held.append((days[s].station, ws.pop(), on, off, s))
    for i, a in enumerate(held):
        for b in held[i + 1:]:
            if a[:2] == b[:2] and a[4] != b[4]:
                assert _overlap(a[2], a[3], b[2], b[3]) <= EPS, f"window {a[1]} of {a[0]} held by two staff at once"
    for station, spec in scenario.stations.items():
        rows = [(on, off) for s, on, off in zip(log.duty_staff, log.duty_on_min, log.duty_off_min)
                if days[s].station == station and off > on]
        level = 0
        for _, step in sorted([(on, 1) for on, _ in rows] + [(off, -1) for _, off in rows]):  # offs first at ties
            level += step
            assert level <= spec.windows, f"more staff on duty at {station} than it has windows"


def check_work_conservation(day: Day) -> None:
    """Nobody eligible waits while a staff member is idle on duty."""
    log = day.log
    _spells_can_be_rebuilt(day)
    spells = day.spells()
    for s, periods in day.duty_of.items():
        d = day.days[s]
        queues = {(d.station, k) for k in d.skills}
        mine = [sp for sp in spells if sp[2:4] in queues]
        busy = sorted((log.visit_start_min[k], log.visit_end_min[k]) for k in day.visits_of_staff.get(s, []))
        for on, off, _ in periods:
            for g0, g1 in idle_gaps(on, off, busy):
                for w0, w1, station, skill, cid in mine:
                    assert _overlap(g0, g1, w0, w1) <= 1e-6, (
                        f"{d.staff_id} idle {g0:.3f}-{g1:.3f} while citizen {cid} waited {w0:.3f}-{w1:.3f} "
                        f"for {skill} at {station}")


def idle_gaps(on: float, off: float, busy: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of the duty period [on, off] not covered by the sorted ``busy`` spans."""
    t, gaps = on, []
    for a, b in busy:
        if b < on - EPS or a > off + EPS:
            continue
        if a > t:
            gaps.append((t, a))
        t = max(t, b)
    if off > t:
        gaps.append((t, off))
    return gaps


def check_calling(day: Day) -> None:
    """At every call, nobody ahead (priority class, then the calling rule) in the caller's queues is passed over."""
    log, scenario = day.log, day.scenario
    vs, vj = log.visit_start_min, log.visit_join_min
    fcfs = scenario.calling.rule == "fcfs"
    _spells_can_be_rebuilt(day)
    spells = day.spells()
    rank = day.rank
    for k in range(len(vs)):
        s, cid, t = int(log.visit_staff[k]), int(log.visit_citizen[k]), vs[k]
        d = day.days[s]
        skill_k = scenario.step_skill(day.codes[log.service[cid]], int(log.visit_step[k]))
        order = list(d.skills)
        for w0, w1, station, skill, other in spells:
            if other == cid or station != d.station or skill not in order:
                continue
            if not (w0 < t - EPS and w1 > t + EPS):
                continue  # not waiting at the call (or called at the same instant)
            assert rank[other] >= rank[cid], (
                f"{d.staff_id} called class rank {rank[cid]} at {t} while citizen {other} of rank {rank[other]} waited")
            if rank[other] == rank[cid]:
                if fcfs:
                    assert w0 >= vj[k] - EPS, f"{d.staff_id} broke FCFS at {t}: called citizen {cid} before {other}"
                else:
                    assert (order.index(skill), w0) >= (order.index(skill_k), vj[k] - EPS), (
                        f"{d.staff_id} broke primary_skill_first at {t}: called {cid} ({skill_k}) before {other} ({skill})")


def check_littles_law(day: Day) -> None:
    """L = lambda W over [open, hard stop]; citizens' waits are their first waiting spells."""
    log = day.log
    open_min, hard_stop = day.open_min, day.hard_stop
    _spells_can_be_rebuilt(day)
    spells = day.spells()
    outcome = ["served", "abandoned", "unserved", "turned away"]
    for w0, w1, station, skill, cid in spells:
        what = f"citizen {cid} ({outcome[log.outcome[cid]]}) waiting for {skill} at {station} from {w0:.3f} to {w1:.3f}"
        assert w1 >= w0 - EPS, f"negative waiting spell: {what} (hard stop {hard_stop})"
        assert open_min - EPS <= w0 and w1 <= hard_stop + EPS, f"{what}: outside [open, hard stop]"
    horizon = hard_stop - open_min
    starts = np.array([sp[0] for sp in spells], dtype=float)
    ends = np.array([sp[1] for sp in spells], dtype=float)
    # L: integrate the number waiting (a step function) over [open, hard stop]
    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.lexsort((steps, times))
    knots = np.concatenate([[open_min], np.clip(times[order], open_min, hard_stop), [hard_stop]])
    level = np.concatenate([[0.0], np.cumsum(steps[order]), [0.0]])
    L = float(np.sum(level[:-1] * np.diff(knots))) / horizon
    tickets = int((log.outcome != TURNED_AWAY).sum())
    lam = tickets / horizon
    W = float((ends - starts).sum()) / tickets if tickets else 0.0
    assert abs(L - lam * W) <= 1e-6 * max(1.0, L), f"Little's law fails on the log: L={L}, lambda W={lam * W}"
    first = {}
    for w0, w1, _, _, cid in spells:
        if abs(w0 - log.ticket_min[cid]) < EPS and cid not in first:
            first[cid] = w1 - w0
    for cid in np.flatnonzero(log.outcome != TURNED_AWAY):
        assert abs(first[int(cid)] - log.wait_min[cid]) < 1e-6


def check_queue_kpis(day: Day) -> None:
    """metrics.queue_kpis (per interval and on its grid, per station) agrees with the spells rebuilt here."""
    log, scenario = day.log, day.scenario
    _spells_can_be_rebuilt(day)
    spells = day.spells()
    per_interval, on_grid = queue_kpis(log, scenario)
    edges = interval_edges_min(scenario)
    for station in ["*", *scenario.stations]:
        sel = [(a, b) for a, b, st_, *_ in spells if station == "*" or st_ == station]
        rows = per_interval[per_interval["station"] == station]
        assert len(rows) == len(edges) - 1
        for (_, row), lo, hi in zip(rows.iterrows(), edges[:-1], edges[1:]):
            expect = sum(max(0.0, _overlap(lo, hi, a, b)) for a, b in sel) / (hi - lo)
            assert abs(row["queue_mean"] - expect) < 1e-6, (
                f"queue_kpis: mean queue at {station} in {row['interval']} is {row['queue_mean']}, the log gives {expect}")
        g = on_grid[on_grid["station"] == station]
        for t, waiting in zip(g["t_min"], g["waiting"]):
            expect = sum(1 for a, b in sel if a <= t < b)
            assert waiting == expect, f"queue_kpis: {waiting} waiting at {station} at {t}, the log gives {expect}"


# --------------------------------------------------------------------------- the tests
SETTINGS = settings(max_examples=40, deadline=None, report_multiple_bugs=False,
                    suppress_health_check=[HealthCheck.too_slow])


def _day(data, seed) -> Day:
    return Day(scenario_from_dict(data, source="<hypothesis>"), seed)


@SETTINGS
@given(data=scenario_dicts(), seed=st.integers(0, 2**31 - 1))
def test_outcomes_and_staff(data, seed):
    """Outcomes add up; staff serve one citizen at a time, with their skills, on duty, at their own window."""
    day = _day(data, seed)
    check_outcomes(day)
    check_staff(day)
    check_duty(day)
    check_windows(day)


@SETTINGS
@given(data=scenario_dicts(), seed=st.integers(0, 2**31 - 1))
def test_citizen_routes(data, seed):
    """Each citizen's steps in order, waits and leave times consistent with the outcome."""
    check_citizens(_day(data, seed))


@SETTINGS
@given(data=scenario_dicts(), seed=st.integers(0, 2**31 - 1))
def test_calling_rules(data, seed):
    """Work conservation, priority classes and the calling rule at every call."""
    day = _day(data, seed)
    check_work_conservation(day)
    check_calling(day)


@SETTINGS
@given(data=scenario_dicts(), seed=st.integers(0, 2**31 - 1))
def test_littles_law_and_queue_kpis(data, seed):
    """L = lambda W on the log over [open, hard stop]; queue_kpis matches the log per station."""
    day = _day(data, seed)
    check_littles_law(day)
    check_queue_kpis(day)


# --------------------------------------------------------------------------- minimal reproductions
# Deterministic small cases of what the properties above found; each states the promise it checks.
def _two_step_desk(arrivals_per_min, mean_work_min, patience_mean_min=None):
    """One desk, one clerk 08:00-10:00 (send home, hard stop at closing), route: S then S2 at the same desk."""
    data = mmc_dict(arrivals_per_min, mean_work_min, 1, open_min=480, close_min=600,
                    patience_mean_min=patience_mean_min)
    data["services"]["S"]["steps"].append({"station": "desk", "skill": "S2",
                                           "work": {"dist": "exponential", "mean_min": 2.0}})
    data["staff_types"]["clerk"]["skills"]["S2"] = 1.0
    return scenario_from_dict(data)


def test_only_the_first_step_can_end_in_abandonment():
    """Model docstring: "Only the wait for the first step can end in abandonment".

    A citizen served at step 0 who then waits at step 1 beyond ticket + patience
    must not be recorded as abandoned (nor get wait_min = patience, nor a
    leave time before the end of the step they were served at).
    """
    scenario = _two_step_desk(0.5, 1.0, patience_mean_min=5.0)
    log = run_replication(scenario, 0, seed=1)
    gone = np.flatnonzero(log.outcome == ABANDONED)
    served_first = gone[np.isin(gone, log.visit_citizen)]
    detail = []
    for cid in served_first[:3]:
        k = np.flatnonzero(log.visit_citizen == cid)
        detail.append(f"citizen {cid}: ticket {log.ticket_min[cid]:.2f}, served step 0 "
                      f"{log.visit_start_min[k[0]]:.2f}-{log.visit_end_min[k[0]]:.2f}, "
                      f"then 'abandoned' at {log.leave_min[cid]:.2f}")
    assert len(served_first) == 0, (f"{len(served_first)} of {len(gone)} abandoned citizens had already been "
                                    f"served at a step: " + "; ".join(detail))


def test_citizen_in_service_at_the_hard_stop_leaves_after_it():
    """A citizen whose step ends after the hard stop, with a step still to do, is unserved:
    they leave at the end of that step (not at the hard stop, before it ends), and
    they never waited in a queue at the hard stop (no negative waiting spell, no -1 on the queue grid)."""
    scenario = _two_step_desk(1.0, 1.0)
    log = run_replication(scenario, 0, seed=0)
    hard_stop = log.hard_stop_min
    problems = []
    for cid, step, join in zip(log.unserved_citizen, log.unserved_step, log.unserved_join_min):
        k = np.flatnonzero(log.visit_citizen == cid)
        if len(k) and log.visit_end_min[k[-1]] > log.leave_min[cid]:
            problems.append(f"citizen {cid}: step {log.visit_step[k[-1]]} ends {log.visit_end_min[k[-1]]:.3f}, "
                            f"leave_min {log.leave_min[cid]:.3f}, unserved join_min {join:.3f} > hard stop {hard_stop}")
    _, grid = queue_kpis(log, scenario)
    assert not problems and grid["waiting"].min() >= 0, (
        "; ".join(problems) + f"; queue_kpis grid minimum 'waiting' = {grid['waiting'].min()}")


def test_abandoned_citizen_counts_in_the_queue_of_the_step_they_waited_at():
    """metrics.queue_kpis puts an abandoned citizen in the queue of their service's step 0, even when that
    step was not needed (probability < 1): here step 0 at 'photo' is never needed (probability 0),
    yet 'photo' shows a queue. The event log does not record the step an abandoned citizen waited at."""
    data = mmc_dict(0.5, 4.0, 1, open_min=480, close_min=600, patience_mean_min=5.0)
    data["stations"]["photo"] = {"windows": 1}
    data["services"]["S"]["steps"].insert(0, {"station": "photo", "skill": "PHOTO", "probability": 0.0,
                                              "work": {"dist": "deterministic", "value_min": 2.0}})
    data["staff_types"]["photographer"] = {"skills": {"PHOTO": 1.0}}
    scenario = scenario_from_dict(data)
    log = run_replication(scenario, 0, seed=1)
    assert log.counts()["abandoned"] > 0
    per_interval, grid = queue_kpis(log, scenario)
    photo = per_interval[per_interval["station"] == "photo"]["queue_mean"].sum()
    desk = per_interval[per_interval["station"] == "desk"]["queue_mean"].sum()
    total = per_interval[per_interval["station"] == "*"]["queue_mean"].sum()
    assert photo == 0.0 and abs(desk - total) < 1e-9, (
        f"nobody ever queues at 'photo', but queue_kpis gives it {photo:.3f} (desk {desk:.3f}, all {total:.3f})")
