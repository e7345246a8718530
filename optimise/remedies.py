"""Remedies, proven: what would meet the missed targets, re-optimised and verified out of sample.

Logic
-----
1. The short stations: those the missed targets point to
   (:func:`optimise.causes.short_stations`, on the verification when there is
   one, else in sample).
2. The levers of the limits that bind there (:mod:`optimise.levers`): one
   more window, one more person of a type whose headcount is used up, shift
   templates starting 30 minutes earlier, one person of the cheapest other
   type cross-trained in a skill that one type alone holds there.
3. Screen: each changed hall is re-optimised by the simulate-and-repair loop
   (:func:`optimise.loop.plan_staffing`: the MILP and the repairs, no local
   search) on the optimisation seed with ``screen_replications`` and at most
   ``max_iterations`` simulations. The control is the unchanged hall
   re-optimised the same way; a lever *gains* when the summed distance of the
   target rows' 95% bounds from their goals (:func:`shortfall`) is below the
   control's. Cross-training of one person that gains but does not hold every
   target is retried with two.
4. Confirm and verify: the screened rosters that hold every target in
   sample (and, when none does, the one with the fewest misses) are
   re-optimised with as many replications as the verification uses (as the
   search accepts a move) and the optimiser's iteration limit,
   then simulated on the fresh verification seed (``seed +
   verify_seed_offset``, never used while optimising) with
   ``verify_replications``. A remedy is *kept* when every target holds there
   on its 95% bound.
5. The next limit: when no single lever is kept, a lever that relieved its
   own station (it is no longer short) or gained may have moved the
   bottleneck; for the two best of them, the levers of the stations short in
   the changed hall are added to it (screened, confirmed and verified the
   same way).
6. Ranked: every target met first, then more target-intervals met, then the
   smaller cost change per day (planned cost of the re-optimised roster plus
   the training spread per day, minus the planned cost of the optimised
   roster).

Everything runs within ``budget_s`` of wall time, checked before each
screen and each verification (one in progress is finished); a lever left
when the budget runs out is listed as not tried, and nothing is claimed of
it.
The numbers of a remedy are those of one re-optimisation with few
replications: it proves that the change can meet the targets (verified),
not that its roster is the cheapest one the changed hall allows. Each row
says so (``cost_basis`` ``repair_loop``, ``cost_note_en`` / ``cost_note_zh``:
"cost from the repair loop; not searched: an upper bound on the changed
hall's cheapest roster").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.loading import ScenarioError, scenario_from_dict
from sim.optimise_settings import OptimiseSettings
from sim.scenario import Scenario

from .causes import short_stations
from .levers import Lever, binding_levers, combine
from .loop import StaffingPlan, missed, plan_staffing
from .messages import Message
from .shifts import InfeasiblePlan

COLUMNS = ["rank", "lever", "limit", "change_en", "change_zh", "station", "staff_type", "skill", "people",
           "targets_met", "targets_total", "every_target_met", "cost_per_day", "cost_delta_per_day",
           "cost_delta_pct", "training_one_off", "training_per_day", "screen_replications", "screen_misses",
           "screen_targets_met", "screen_shortfall", "confirm_replications", "confirm_misses",
           "missed_out_of_sample",
           "verified_replications", "kept", "reason_en", "reason_zh", "assumption_en", "assumption_zh",
           "cost_basis", "cost_note_en", "cost_note_zh"]
COST_NOT_SEARCHED = Message("remedy.cost_not_searched")


@dataclass
class Remedies:
    """The ranked remedies (one row per lever tried, :data:`COLUMNS`) and the limits not tried."""

    table: pd.DataFrame
    not_tried: list[dict] = field(default_factory=list)
    stations: list[str] = field(default_factory=list)
    wall_time_s: float = 0.0
    budget_s: float = 0.0
    scenarios: dict[str, dict] = field(default_factory=dict)    # lever change_en -> changed scenario with its roster

    @property
    def kept(self) -> pd.DataFrame:
        return self.table[self.table["kept"]] if not self.table.empty else self.table


def shortfall(res) -> float:
    """How far the target rows' 95% bounds are from their goals, summed (0: every target held on its bound).

    Each row's gap is a share of its goal (service levels and shares: the gap
    itself), the measure by which levers are compared in sample: the count of
    misses alone does not move when a lever moves the misses elsewhere.
    """
    t = res.summary()["targets"]
    if t.empty:
        return 0.0
    higher = t["higher_is_better"].astype(bool)
    gap = np.where(higher, t["goal"] - t["lo"], t["hi"] - t["goal"])
    scale = np.where(higher | (t["kind"].isin(["max_abandonment", "max_unserved"])), 1.0,
                     np.maximum(t["goal"].to_numpy(float), 1e-9))
    return float(np.clip(gap / scale, 0.0, None).sum())


def _counts(res) -> tuple[int, int]:
    t = res.summary()["targets"]
    return int(t["met_confident"].sum()), len(t)


def find_remedies(scenario: Scenario, settings: OptimiseSettings, plan: StaffingPlan, *, seed: int | None = None,
                  workers: int = 1, budget_s: float = 300.0, screen_replications: int | None = None,
                  verify_replications: int | None = None, max_iterations: int = 6, force: bool = False,
                  progress=None) -> Remedies:
    """Remedies for the targets ``plan`` misses (module docstring); none when it misses nothing, unless ``force``.

    ``scenario`` is the planner's hall (with its own roster), ``settings`` the resolved optimiser settings.
    """
    started = time.perf_counter()
    judged = plan.verification if plan.verification is not None else plan.evaluation
    if judged is None or (missed(judged).empty and not force):
        return Remedies(pd.DataFrame(columns=COLUMNS), budget_s=budget_s)
    seed = scenario.experiment.seed if seed is None else seed
    screen = screen_replications or min(settings.replications, 20)
    v_reps = verify_replications or settings.verify_replications or scenario.experiment.replications
    v_seed = seed + settings.verify_seed_offset
    confirm_reps = max(settings.replications, v_reps)     # as the search accepts: the verification's precision
    stations = short_stations(judged, scenario)
    if not stations and force:
        stations = sorted(set(plan.shortfalls["station"])) if not plan.shortfalls.empty else list(scenario.stations)
    levers, skipped = binding_levers(scenario, settings, plan.roster, stations, plan.shortfalls)
    total = _counts(judged)[1]
    base_cost = plan.cost
    rows: list[dict] = []
    scenarios: dict[str, dict] = {}
    not_tried = [{"limit": a, "reason_en": b, "reason_zh": c} for a, b, c in skipped]

    def left() -> float:
        return budget_s - (time.perf_counter() - started)

    def say(text: str) -> None:
        if progress:
            progress(text)

    def screen_one(lever: Lever) -> dict:
        row = {"lever": lever.kind, "limit": lever.limit, "change_en": lever.change_en, "change_zh": lever.change_zh,
               "station": lever.station, "staff_type": lever.staff_type, "skill": lever.skill, "people": lever.people,
               "training_one_off": lever.one_off_cost, "training_per_day": lever.cost_per_day,
               "assumption_en": lever.assumption_en, "assumption_zh": lever.assumption_zh,
               "screen_replications": screen, "verified_replications": 0, "kept": False, "_lever": lever,
               "cost_basis": "repair_loop", "cost_note_en": str(COST_NOT_SEARCHED),
               "cost_note_zh": COST_NOT_SEARCHED.text("zh")}
        data = lever.apply(scenario, settings)
        try:
            hall = scenario_from_dict(data, source=f"<{scenario.name}: {lever.change_en}>")
            p = plan_staffing(hall, hall.optimise, replications=screen, max_iterations=max_iterations, seed=seed,
                              workers=workers, verify=False)
        except (ScenarioError, InfeasiblePlan, RuntimeError) as exc:   # RuntimeError: the solver found no roster
            why = exc.problems[0] if isinstance(exc, ScenarioError) and exc.problems else exc
            return {**row, "screen_misses": None, "reason_en": f"dropped: the changed hall is refused ({why})",
                    "reason_zh": f"舍弃：调整后的大厅不成立（{why}）"}
        misses = None if p.evaluation is None else len(missed(p.evaluation))
        cost = p.cost + lever.cost_per_day
        row.update({"screen_misses": misses, "screen_targets_met": None if p.evaluation is None
                    else _counts(p.evaluation)[0], "screen_shortfall": None if p.evaluation is None
                    else round(shortfall(p.evaluation), 6), "cost_per_day": cost, "cost_delta_per_day": cost - base_cost,
                    "cost_delta_pct": 100.0 * (cost - base_cost) / base_cost if base_cost > 0 else float("nan"),
                    "_plan": p, "_hall": hall, "_data": data})
        if misses:
            row.update({"reason_en": f"dropped: re-optimised, it still misses {misses} target-intervals in sample "
                                     f"({screen} replications); not verified",
                        "reason_zh": f"舍弃：重新优化后样本内仍有{misses}个目标时段未达标（{screen}次重复），未做验证"})
        say(f"remedy screened: {lever.change_en}: {'holds every target' if misses == 0 else f'{misses} misses'} "
            f"in sample (shortfall {row['screen_shortfall']}), cost {cost:.2f}")
        return row

    def confirm(row: dict) -> None:
        """Re-optimise with the optimiser's own replications and iterations before verifying."""
        hall = row["_hall"]
        if confirm_reps <= screen:
            return
        p = plan_staffing(hall, hall.optimise, replications=confirm_reps, max_iterations=settings.max_iterations,
                          seed=seed, workers=workers, verify=False)
        cost = p.cost + row["_lever"].cost_per_day
        row.update({"_plan": p, "cost_per_day": cost, "cost_delta_per_day": cost - base_cost,
                    "cost_delta_pct": 100.0 * (cost - base_cost) / base_cost if base_cost > 0 else float("nan"),
                    "confirm_replications": confirm_reps,
                    "confirm_misses": None if p.evaluation is None else len(missed(p.evaluation))})

    def verify(row: dict) -> None:
        confirm(row)
        p, hall = row["_plan"], row["_hall"]
        experiment = {**hall.experiment.model_dump(mode="json"), "seed": v_seed, "replications": v_reps}
        from sim.experiment import run_experiment
        res = run_experiment(p.roster.apply(hall, experiment=experiment), workers=workers)
        met, n = _counts(res)
        left = missed(res)
        row.update({"targets_met": met, "targets_total": n, "every_target_met": met == n,
                    "missed_out_of_sample": "; ".join(f"{m.target}@{m.interval} {m.estimate:.3f}"
                                                      for m in left.itertuples()),
                    "verified_replications": v_reps, "kept": met == n})
        if met == n:
            row.update({"reason_en": f"kept: every target met out of sample (seed {v_seed}, {v_reps} replications)",
                        "reason_zh": f"保留：样本外验证全部达标（种子{v_seed}，{v_reps}次重复）"})
        else:
            row.update({"reason_en": f"dropped: {n - met} of {n} target-intervals missed out of sample "
                                     f"(seed {v_seed}, {v_reps} replications)",
                        "reason_zh": f"舍弃：样本外验证{n}个目标时段中{n - met}个未达标（种子{v_seed}，{v_reps}次重复）"})
        say(f"remedy verified: {row['change_en']}: {met}/{n} target-intervals out of sample")

    control_gap: float | None = None

    def run_all(batch: list[Lever]) -> list[dict]:
        out = []
        for lever in batch:
            if left() <= 0:
                not_tried.append({"limit": lever.limit, "reason_en": f"not tried: the remedies' time budget "
                                  f"({budget_s:g} s) was used up", "reason_zh": f"未尝试：补救措施的时间预算"
                                  f"（{budget_s:g}秒）已用完", "change_en": lever.change_en,
                                  "change_zh": lever.change_zh})
                continue
            r = screen_one(lever)
            if r["lever"] == "cross_train" and r.get("screen_misses") and lever.people < 2 and left() > 0:
                if control_gap is None or r["screen_shortfall"] < control_gap:   # it gains: try two trainees
                    more, _ = binding_levers(scenario, settings, plan.roster, [lever.station], plan.shortfalls,
                                             trainees=2)
                    more = [m for m in more if m.kind == "cross_train" and m.skill == lever.skill]
                    if more:
                        out.append(r)
                        r = screen_one(more[0])
            out.append(r)
        held = sorted((r for r in out if r.get("screen_misses") == 0), key=lambda r: r["cost_per_day"])
        if not held:
            near = [r for r in out if r.get("screen_misses") is not None]
            held = sorted(near, key=lambda r: (r["screen_misses"], r["cost_per_day"]))[:1]
        for r in held:
            if left() <= 0:
                r.setdefault("reason_en", "not verified: the remedies' time budget was used up")
                r.setdefault("reason_zh", "未验证：补救措施的时间预算已用完")
                continue
            verify(r)
        return out

    # the control: the unchanged hall re-optimised the same way (same seed, replications and iterations)
    control = plan_staffing(scenario, settings, replications=screen, max_iterations=max_iterations, seed=seed,
                            workers=workers, verify=False)
    control_misses = len(missed(control.evaluation)) if control.evaluation is not None else None
    control_gap = shortfall(control.evaluation) if control.evaluation is not None else None
    say(f"remedies: short stations {', '.join(stations) or 'none'}; the unchanged hall re-optimised the same way "
        f"misses {control_misses} target-intervals in sample ({screen} replications, shortfall {control_gap:.3f})")
    rows = run_all(levers)
    if not any(r["kept"] for r in rows):
        # The next limit: a lever that relieved its own station (no longer short) may only have moved the
        # bottleneck; in its changed hall, the levers of the stations short now are added to it.
        expand = []
        for r in rows:
            if r.get("screen_shortfall") is None:
                continue
            p, hall = r["_plan"], r["_hall"]
            now_short = short_stations(p.evaluation, hall) if p.evaluation is not None else []
            relieved = r["station"] not in now_short
            if relieved or (control_gap is not None and r["screen_shortfall"] < control_gap):
                expand.append((r["screen_shortfall"], r.get("cost_per_day", 0.0), len(expand), r, now_short))
        for _, _, _, r, now_short in sorted(expand)[:2]:
            second, _ = binding_levers(r["_hall"], r["_hall"].optimise, r["_plan"].roster, now_short,
                                       r["_plan"].shortfalls)
            say(f"remedies: after '{r['change_en']}' the short stations are {', '.join(now_short) or 'none'}")
            rows += run_all([combine(r["_lever"], x) for x in second if x.kind != "earlier_shift"])
    for r in rows:
        r.setdefault("targets_met", None)
        r.setdefault("targets_total", total)
        r.setdefault("every_target_met", False)
        if r["kept"]:
            scenarios[r["change_en"]] = r["_plan"].roster.apply(r["_hall"]).model_dump(mode="json")
    table = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows], columns=COLUMNS)
    if not table.empty:
        table["_met"] = table["targets_met"].fillna(-1)
        table = table.sort_values(["kept", "_met", "cost_delta_per_day"], ascending=[False, False, True],
                                  na_position="last").drop(columns="_met").reset_index(drop=True)
        table["rank"] = range(1, len(table) + 1)
    return Remedies(table, not_tried, stations, time.perf_counter() - started, budget_s, scenarios)


def baseline_counts(plan: StaffingPlan) -> tuple[int, int]:
    """Target-intervals met (95% bound) and in total for the optimised roster (verification, else in sample)."""
    judged = plan.verification if plan.verification is not None else plan.evaluation
    return _counts(judged) if judged is not None else (0, 0)
