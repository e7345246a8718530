"""What ``queueplan optimise`` adds for a leader: cost with its unit, the input roster side by side, remedies.

Computed after the optimiser (:func:`advise`), printed (:func:`format_advice`),
written into the results folder (:func:`write_advice`: ``versus_input.csv``,
``remedies.csv``, ``remedy_1_scenario.yaml`` for the top kept remedy) and
into ``plan.json`` (:func:`advice_json`: ``currency``, ``cost``, ``verdict``,
``remedies``, ``remedies_not_tried``, ``versus_input``, ``binding_limits``).

Cost: planned = paid hours x rate (a roster's own number); with overtime =
the mean over the verification replications of planned + overtime hours x
rate x overtime factor (:mod:`sim.costs`). Both per day, in the scenario's
``costs.currency``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.messages import Message, translate

ALL = "*"
COST_BASIS = {"repair_loop": ("not searched", "未经局部搜索"),          # how far a remedy's cost was searched
              "search": ("searched to a local optimum", "局部搜索至局部最优"),
              "search_budget": ("search stopped on its budget", "局部搜索因预算用尽而停止")}


@dataclass
class Advice:
    currency: str
    unit: str
    planned_per_day: float
    with_overtime_per_day: float | None
    with_overtime_ci95: tuple[float, float] | None
    versus: object = None                  # optimise.versus_input.VersusInput, or None
    remedies: object = None                # optimise.remedies.Remedies, or None
    remedies_note: str = ""                # why there are no remedies (all met, switched off ...)
    binding: list[str] = field(default_factory=list)
    verdict_en: str = ""
    verdict_zh: str = ""
    remedy_search: object = None           # optimise.remedy_search.RemedySearch (--remedies-search), or None


def _staff_cost(result) -> tuple[float, tuple[float, float]] | tuple[None, None]:
    st = result.summary()["staff"]
    row = st[(st["staff_type"] == ALL) & (st["station"] == ALL)]
    if row.empty:
        return None, None
    r = row.iloc[0]
    return float(r["cost"]), (float(r["cost_lo"]), float(r["cost_hi"]))


def advise(scenario, settings, plan, *, workers: int = 1, remedies: str = "auto", remedies_budget_s: float = 300.0,
           remedies_search_budget_s: float | None = None, progress=None) -> Advice:
    """Costs, the comparison with ``scenario``'s own roster and (``remedies``: auto, on, off) the remedies.

    ``auto`` runs the remedies only when the optimised roster misses a target on the fresh seeds.
    ``remedies_search_budget_s``: run the local search on the top kept remedy within this budget
    (:mod:`optimise.remedy_search`); None: the remedies' costs stay those of the repair loop.
    """
    from optimise import messages  # noqa: F401 (registers the optimiser's message codes)
    from optimise.causes import binding_lines
    from optimise.loop import missed
    from optimise.remedies import find_remedies
    from optimise.versus_input import compare_with_input

    judged = plan.verification if plan.verification is not None else plan.evaluation
    c = scenario.costs
    with_ot, ci = _staff_cost(plan.verification) if plan.verification is not None else (None, None)
    advice = Advice(c.currency, c.unit_per_day, plan.cost, with_ot, ci,
                    binding=binding_lines(plan.shortfalls, scenario, settings))
    if plan.verification is not None:
        advice.versus = compare_with_input(scenario, plan.verification, plan.cost, workers=workers)
    misses = judged is not None and not missed(judged).empty
    if remedies == "off":
        advice.remedies_note = Message("remedies.switched_off")
    elif not misses and remedies == "auto":
        advice.remedies_note = Message("remedies.none_needed")
    else:
        advice.remedies = find_remedies(scenario, settings, plan, workers=workers, budget_s=remedies_budget_s,
                                        force=remedies == "on", progress=progress)
        if remedies_search_budget_s is not None:
            from optimise.remedy_search import search_top_remedy
            advice.remedy_search = search_top_remedy(advice.remedies, budget_s=remedies_search_budget_s,
                                                     workers=workers, progress=progress)
    advice.verdict_en, advice.verdict_zh = _verdict(advice, plan)
    return advice


def _verdict(advice: Advice, plan) -> tuple[str, str]:
    parts_en, parts_zh = [], []
    if advice.versus is not None:
        parts_en.append(advice.versus.verdict_en[0].upper() + advice.versus.verdict_en[1:])
        parts_zh.append(advice.versus.verdict_zh)
    else:
        t = plan.verified_targets()
        if not t.empty:
            met, n = int(t["met_confident"].sum()), len(t)
            parts_en.append(f"The optimised roster costs {plan.cost:.2f} {advice.unit} and meets {met} of {n} targets")
            parts_zh.append(f"优化排班每日成本{plan.cost:.2f} {advice.currency}，{n}项中达标{met}项")
    r = advice.remedies
    if r is not None and not r.table.empty:
        kept = r.kept
        if not kept.empty:
            top = kept.iloc[0]
            basis_en, basis_zh = COST_BASIS[top["cost_basis"]]
            parts_en.append(f"to meet every target: {top['change_en']} (cost {top['cost_delta_per_day']:+.2f} "
                            f"{advice.unit}, {top['cost_delta_pct']:+.0f}%, at most: {basis_en})")
            parts_zh.append(f"全部达标的办法：{top['change_zh']}（每日成本{top['cost_delta_per_day']:+.2f}，"
                            f"{top['cost_delta_pct']:+.0f}%，为上界：{basis_zh}）")
        else:
            parts_en.append(f"no remedy tried meets every target ({len(r.table)} tried)")
            parts_zh.append(f"已试的{len(r.table)}项补救措施均不能全部达标")
    return "; ".join(parts_en) + ".", "；".join(parts_zh) + "。"


def _num(x, digits: int = 4):
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if not math.isfinite(v) else round(v, digits)


def _met(row: dict) -> int | None:
    """Target-intervals met out of sample, else (not verified) in sample on the screen."""
    for key in ("targets_met", "screen_targets_met"):
        v = _num(row.get(key))
        if v is not None:
            return int(v)
    return None


def advice_json(advice: Advice) -> dict:
    """The ``plan.json`` keys of the contract between the engineers (see the module docstring)."""
    out = {"currency": advice.currency,
           "cost": {"planned_per_day": _num(advice.planned_per_day), "with_overtime_per_day":
                    _num(advice.with_overtime_per_day), "with_overtime_ci95": None if advice.with_overtime_ci95 is None
                    else [_num(v) for v in advice.with_overtime_ci95], "unit": advice.unit},
           "cost_per_day": _num(advice.planned_per_day),
           "verdict": {"en": advice.verdict_en, "zh": advice.verdict_zh},
           "binding_limits": [str(b) for b in advice.binding],
           "binding_limits_zh": [translate(b, "zh") for b in advice.binding], "remedies": None if advice.remedies is None and
           getattr(advice.remedies_note, "code", "") == "remedies.switched_off" else [], "remedies_not_tried": [],
           "remedies_note": str(advice.remedies_note), "remedies_note_zh": translate(advice.remedies_note, "zh"),
           "versus_input": None}
    r = advice.remedies
    if r is not None:
        for row in r.table.to_dict("records"):
            out["remedies"].append({
                "rank": int(row["rank"]), "lever": row["lever"], "limit": row["limit"], "change_en": row["change_en"],
                "change_zh": row["change_zh"], "station": row["station"], "staff_type": row["staff_type"],
                "skill": row["skill"], "people": int(row["people"] or 0),
                "targets_met": _met(row), "targets_met_where": "out of sample" if row["verified_replications"]
                else "in sample (not verified)", "targets_total": int(row["targets_total"]),
                "every_target_met": bool(row["every_target_met"]), "cost_per_day": _num(row["cost_per_day"]),
                "cost_delta_per_day": _num(row["cost_delta_per_day"]), "cost_delta_pct": _num(row["cost_delta_pct"], 2),
                "training_one_off": _num(row["training_one_off"]), "training_per_day": _num(row["training_per_day"]),
                "verified_replications": int(row["verified_replications"] or 0), "kept": bool(row["kept"]),
                "reason_en": row["reason_en"], "reason_zh": row["reason_zh"],
                "assumption_en": row["assumption_en"] or "", "assumption_zh": row["assumption_zh"] or "",
                "cost_basis": row["cost_basis"], "cost_note_en": row["cost_note_en"],
                "cost_note_zh": row["cost_note_zh"]})
        out["remedies_not_tried"] = r.not_tried
        out["remedies_search"] = None if advice.remedy_search is None else advice.remedy_search.as_dict()
        out["remedies_wall_time_s"] = round(r.wall_time_s, 2)
        out["remedies_budget_s"] = r.budget_s
    v = advice.versus
    if v is not None:
        t = v.table
        per = t[t["kind"].isin(["service_level", "mean_wait", "max_abandonment", "time_in_hall", "max_unserved"])]
        out["versus_input"] = {
            "input_cost_per_day": _num(v.input_cost_per_day), "optimised_cost_per_day": _num(v.optimised_cost_per_day),
            "input_cost_with_overtime_per_day": _num(v.input_cost_with_overtime),
            "optimised_cost_with_overtime_per_day": _num(v.optimised_cost_with_overtime),
            "cost_with_overtime_difference_ci95": [_num(x) for x in v.overtime_difference_ci95],
            "input_targets_met": v.input_met, "optimised_targets_met": v.optimised_met,
            "targets_total": v.targets_total, "replications": v.replications, "seed": v.seed,
            "verdict_en": v.verdict_en, "verdict_zh": v.verdict_zh,
            "per_target": [{"target": r.target, "metric": r.metric, "input_sl": _num(r.input),
                            "optimised_sl": _num(r.optimised), "difference": _num(r.difference),
                            "difference_ci95": [_num(r.difference_lo), _num(r.difference_hi)],
                            "input_met": int(r.input_met), "optimised_met": int(r.optimised_met),
                            "intervals": int(r.intervals)} for r in per.itertuples()],
            "wait_mean_min": next(({"input": _num(r.input), "optimised": _num(r.optimised),
                                    "difference": _num(r.difference),
                                    "difference_ci95": [_num(r.difference_lo), _num(r.difference_hi)]}
                                   for r in t.itertuples() if r.metric == "wait_mean_min"), None)}
    return out


def _f(x, digits: int = 2) -> str:
    return "-" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.{digits}f}"


def format_advice(advice: Advice, lang: str = "en") -> str:
    """The terminal text: cost with its unit, against the input roster, remedies, verdict (``lang``: en, zh).

    The limits that bind are printed with the roster (one line per station and limit) and kept in
    ``plan.json`` as ``binding_limits``; in Chinese the remedies and the verdict are printed in both languages.
    """
    u = advice.unit
    lines = ["", f"Cost: planned {_f(advice.planned_per_day)} {u}"
             + ("" if advice.with_overtime_per_day is None else
                f"; with overtime {_f(advice.with_overtime_per_day)} {u} (mean over the verification days, 95% CI "
                f"{_f(advice.with_overtime_ci95[0])}-{_f(advice.with_overtime_ci95[1])})")]
    v = advice.versus
    if v is not None:
        lines += ["", f"Against the input roster (same {v.replications} verification days, seed {v.seed}; "
                      "differences optimised - input, paired 95% CI):"]
        for r in v.table.itertuples():
            name = r.target or r.metric
            unit = f" {u}" if r.kind == "cost" else (" min" if "wait" in r.metric or "mean" in r.metric else "")
            met = "" if not r.target else f"  intervals met {int(r.input_met)} -> {int(r.optimised_met)} of {int(r.intervals)}"
            label = {"cost_with_overtime_per_day": "cost with overtime", "planned_cost_per_day": "planned cost",
                     "wait_mean_min": "mean wait"}.get(r.metric, f"{name} ({r.metric})")
            ci = "" if r.metric == "planned_cost_per_day" else f" [{_f(r.difference_lo, 3)}, {_f(r.difference_hi, 3)}]"
            lines.append(f"  {label:<28} input {_f(r.input, 3)}{unit}, optimised {_f(r.optimised, 3)}{unit}, "
                         f"difference {_f(r.difference, 3)}{ci}{met}")
    r = advice.remedies
    if r is None:
        lines += ["", f"Remedies: {advice.remedies_note}"]
    else:
        lines += ["", f"Remedies (short stations: {', '.join(r.stations) or 'none'}; each re-optimised and verified on "
                      f"fresh seeds; {r.wall_time_s:.0f} s of a {r.budget_s:g} s budget):"]
        if r.table.empty:
            lines.append("  no lever applies to the limits that bind")
        else:
            notes = list(dict.fromkeys(r.table["cost_note_en"]))
            lines.append(f"  costs: {'; '.join(notes)}")
            if lang == "zh":
                lines.append(f"  成本：{'；'.join(dict.fromkeys(r.table['cost_note_zh']))}")
        for row in r.table.itertuples():
            verified = row.targets_met is not None and np.isfinite(float(row.targets_met))
            met = f"{int(row.targets_met)}" if verified else (
                f"in sample {int(row.screen_targets_met)}" if row.screen_targets_met is not None
                and np.isfinite(float(row.screen_targets_met)) else "-")
            lines.append(f"  {row.rank}. {row.change_en}: targets met {met}/{row.targets_total}, cost "
                         f"{row.cost_delta_per_day:+.2f} {u} ({row.cost_delta_pct:+.0f}%) -- {row.reason_en}"
                         if row.cost_delta_per_day == row.cost_delta_per_day else
                         f"  {row.rank}. {row.change_en}: {row.reason_en}")
            if lang == "zh":
                lines.append(f"     {row.change_zh}：{row.reason_zh}")
            if row.assumption_en:
                lines.append(f"     assumed: {row.assumption_en}")
                if lang == "zh":
                    lines.append(f"     假设：{row.assumption_zh}")
        for nt in r.not_tried:
            lines.append(f"  not tried: {nt.get('change_en') or nt['limit']}: {nt['reason_en']}")
        rs = advice.remedy_search
        if rs is not None:
            lines.append(f"  local search on '{rs.change_en}' ({rs.wall_time_s:.0f} s of {rs.budget_s:g} s, search "
                         f"{rs.status}, its roster {rs.search_cost:.2f}{'' if rs.verified else ', missed out of sample'}): "
                         f"cost {rs.cost_before:.2f} -> {rs.cost_after:.2f} {u}; {rs.note}")
            if lang == "zh":
                lines.append(f"     {rs.note.text('zh')}")
    lines += ["", f"Verdict: {advice.verdict_en}"]
    if lang == "zh":
        lines.append(f"结论：{advice.verdict_zh}")
    return "\n".join(lines)


def write_advice(tmp: Path, advice: Advice) -> None:
    """``versus_input.csv``, ``remedies.csv`` and the top kept remedy's scenario into the folder being written."""
    import yaml

    if advice.versus is not None:
        advice.versus.table.to_csv(tmp / "versus_input.csv", index=False, float_format="%.6g")
    r = advice.remedies
    if r is not None:
        r.table.to_csv(tmp / "remedies.csv", index=False, float_format="%.6g")
        kept = r.kept
        if not kept.empty and kept.iloc[0]["change_en"] in r.scenarios:
            top = kept.iloc[0]
            header = (f"# The hall with the top remedy applied: {top['change_en']}\n"
                      f"# and its re-optimised roster ({top['reason_en']}).\n")
            text = yaml.safe_dump(r.scenarios[top["change_en"]], sort_keys=False, allow_unicode=True)
            (tmp / "remedy_1_scenario.yaml").write_text(header + text, encoding="utf-8")
