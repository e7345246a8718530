"""The optimise page: ``report.html`` of a ``queueplan optimise`` folder, from ``optimise.html.j2``.

It says it is an optimiser result and leads with what a planner acts on:
the verdict, the remedies (what would meet the targets, proven by
simulation), the change from the input roster (paired on the same seeds),
and how sure the optimiser is (the MILP's status with its gap and bound, the
search's status, the lower bound; anything time-limited or stopped on budget
says "not proven"). Then the verified roster as in the run report.

Everything comes from ``plan.json`` (keys agreed between the engineers of the
optimiser: ``verdict``, ``remedies``, ``versus_input``, ``milp``, ``search``,
``cost``, ``currency``); a key that is absent (an older folder, a result
without remedies) is left out with a sentence saying so, never an error.
"""

from __future__ import annotations

import json
import math

from sim.messages import Message, shown, translate

from ..i18n import label
from ..names import cost_unit, target_name, target_specs
from ..runs.load import Run
from .html import num
from .render import cell, table


def _text(d: dict, key: str, lang: str) -> str:
    """``d[key_zh]`` / ``d[key_en]`` (or ``d[key][lang]``) in ``lang``, falling back to the other language."""
    if isinstance(d.get(key), dict):
        v = d[key]
        return str(v.get(lang) or v.get("en") or v.get("zh") or "")
    first, second = (f"{key}_zh", f"{key}_en") if lang == "zh" else (f"{key}_en", f"{key}_zh")
    return str(d.get(first) or d.get(second) or d.get(key) or "")


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _signed(x, digits: int = 1) -> str:
    return "-" if not _finite(x) else f"{x:+.{digits}f}"


def remedies_view(plan: dict, lang: str) -> dict:
    """The ranked remedies as a table, or a sentence when there are none (all met) or none were computed."""
    remedies = plan.get("remedies")
    if remedies is None:
        return {"remedies": None, "remedies_note": label("no_remedies_data", lang), "remedies_cost_note": ""}
    if not remedies:  # none needed, or none found: the optimiser's own note says which
        note = _text(plan, "remedies_note", lang) if plan.get("remedies_note") else label("no_remedies", lang)
        return {"remedies": None, "remedies_note": note, "remedies_cost_note": ""}
    rows = []
    for i, r in enumerate(remedies):
        met = label("remedy_all_met", lang) if r.get("every_target_met") else \
            label("remedy_some_met", lang, met=r.get("targets_met", "?"), total=r.get("targets_total", "?"))
        cost = f"{_signed(r.get('cost_delta_per_day'))}" + (f" ({_signed(r.get('cost_delta_pct'), 0)}%)"
                                                             if _finite(r.get("cost_delta_pct")) else "")
        reps = label("remedy_reps", lang, reps=r.get("verified_replications", "?"))
        kept = "✓" if r.get("kept") else "✗"
        rows.append([cell(f"{i + 1}. {_text(r, 'change', lang) or r.get('lever', '')}", "l",
                          data_key=f"remedy:{i}", data_lever=r.get("lever", "")),
                     cell(met, "ok" if r.get("every_target_met") else "miss"), cost, reps,
                     cell(kept, "l"), _text(r, "reason", lang)])
    headers = [label(k, lang) for k in ("remedy_lever", "remedy_result", "remedy_cost", "remedy_verified",
                                        "remedy_kept", "remedy_reason")]
    return {"remedies": table(headers, rows), "remedies_note": "", "remedies_cost_note": cost_note(remedies, lang)}


def cost_note(remedies: list[dict], lang: str) -> str:
    """What a remedy's cost is (from the repair loop, not searched: an upper bound), once per kind of basis.

    A ``plan.json`` written before the rows said so holds remedies from the repair loop only.
    """
    from optimise import messages  # noqa: F401 (registers the optimiser's codes)

    default = Message("remedy.cost_not_searched")
    notes = [_text(r, "cost_note", lang) or default.text(lang) for r in remedies]
    return label("remedy_cost_basis", lang, note=("；" if lang == "zh" else "; ").join(dict.fromkeys(notes)))


def versus_view(plan: dict, scenario: dict, lang: str) -> dict:
    """The optimised roster against the input roster on the same seeds: cost and service level per target."""
    v = plan.get("versus_input")
    if not v:
        return {"versus": None, "versus_verdict": label("versus_input_missing", lang)}
    spec = target_specs(scenario)
    unit = cost_unit(_unit(plan), lang)
    rows = [[label("cost_per_day_unit", lang, unit=unit), num(v.get("input_cost_per_day"), 1),
             num(v.get("optimised_cost_per_day"), 1),
             _signed((v.get("optimised_cost_per_day") or 0) - (v.get("input_cost_per_day") or 0))
             if _finite(v.get("optimised_cost_per_day")) and _finite(v.get("input_cost_per_day")) else "-"]]
    for r in v.get("per_target") or []:
        tid = r.get("target", "")
        t = spec.get(tid, {})
        minutes = t.get("kind") == "mean_wait" or (t.get("kind") == "time_in_hall" and t.get("fraction") is None)
        scale, unit = (1, " min") if minutes else (100, "%")
        show = lambda x: "-" if not _finite(x) else f"{scale * x:.1f}{unit}"  # noqa: E731
        ci = r.get("difference_ci95") or [None, None]
        diff = f"{scale * r['difference']:+.1f}{' min' if minutes else ' pp'}" if _finite(r.get("difference")) else "-"
        if len(ci) == 2 and _finite(ci[0]) and _finite(ci[1]):
            diff += f" [{scale * ci[0]:+.1f}, {scale * ci[1]:+.1f}]"
        met = lambda k: f" ({r[k]}/{r['intervals']})" if isinstance(r.get(k), int) and r.get("intervals") else ""  # noqa: E731
        rows.append([cell(target_name(t, lang, scenario) if t else tid, "l", data_key=f"vs:{tid}"),
                     show(r.get("input_sl")) + met("input_met"), show(r.get("optimised_sl")) + met("optimised_met"),
                     diff])
    headers = ["", label("input_roster", lang), label("optimised_roster", lang), label("difference", lang)]
    reps = v.get("replications")
    return {"versus": table(headers, rows), "versus_verdict": _text(v, "verdict", lang),
            "versus_reps": label("remedy_reps", lang, reps=reps) if reps else ""}


def _unit(plan: dict) -> str:
    cost = plan.get("cost")
    if isinstance(cost, dict) and cost.get("unit"):
        return str(cost["unit"])
    return f"{plan['currency']}/day" if plan.get("currency") else "/day"


def status_view(plan: dict, lang: str) -> dict:
    """How sure the optimiser is: MILP status (gap, bound), search status, lower bound; flags what is not proven."""
    rows, unproven = [], False
    milp = plan.get("milp")
    if isinstance(milp, dict):
        status = milp.get("status")
        if status == "optimal":
            text = label("milp_optimal", lang)
        elif status == "time_limited":
            unproven = True
            gap = milp.get("gap")
            text = label("milp_time_limited", lang, gap=f"{100 * gap:.1f}%" if _finite(gap) else "?",
                         bound=num(milp.get("best_bound"), 2) if _finite(milp.get("best_bound")) else "?")
        elif status == "infeasible":
            text = label("milp_infeasible", lang)
        else:
            text = label("milp_unknown", lang)
        size = label("milp_size", lang, variables=milp.get("variables"), constraints=milp.get("constraints")) \
            if milp.get("variables") and milp.get("constraints") else ""
        extra = ", ".join(x for x in (f"{milp['time_s']:.1f} s" if _finite(milp.get("time_s")) else "", size) if x)
        rows.append([label("milp_status", lang), cell(text + (f" ({extra})" if extra else ""),
                                                      "l notproven" if status == "time_limited" else "l",
                                                      data_key="milp_status", data_value=status or "")])
    else:
        rows.append([label("milp_status", lang), cell(label("milp_unknown", lang), "l", data_key="milp_status",
                                                      data_value="")])
    search = plan.get("search")
    if isinstance(search, dict):
        status = search.get("status")
        if status == "budget":
            unproven, text = True, label("search_budget", lang)
        elif status == "walked back":
            unproven, text = True, label("search_walked_back", lang)
        elif status == "no start holds":
            text = label("search_no_start", lang)
        else:
            text = label("search_done", lang, moves=search.get("moves_tried", 0),
                         kept=search.get("moves_keeping_every_target", 0))
            if search.get("moves_curtailed"):
                text += label("search_curtailed", lang, k=search["moves_curtailed"],
                              chance=f"{search.get('futility', 0):.0%}", n=search.get("accept_replications", 0))
        rows.append([label("search_status", lang), cell(text, "l notproven" if status in ("budget", "walked back")
                                                        else "l", data_key="search_status",
                                                        data_value=status or "")])
        lb = search.get("lower_bound")
        if lb is None:
            lb_text = label("lower_bound_none", lang) + (f" ({translate(search['lower_bound_method'], lang)})"
                                                         if search.get("lower_bound_method") else "")
        elif search.get("lower_bound_optimal", True):
            lb_text = num(lb, 2) + (f" ({translate(search['lower_bound_method'], lang)})"
                                    if search.get("lower_bound_method") else "")
        else:
            unproven = True
            lb_text = label("lower_bound_not_proven", lang, bound=num(lb, 2))
        rows.append([label("lower_bound", lang), cell(lb_text, "l", data_key="lower_bound")])
    return {"status": table(None, rows), "not_proven": unproven}


def _verification(plan: dict, lang: str) -> str:
    v = plan.get("verification")
    if not v:
        return label("not_verified", lang)
    return label("verified_on", lang, seed=v.get("seed"), reps=v.get("replications"), total=v.get("target_intervals"),
                 met=v.get("met"), met_confident=v.get("met_confident"))


def cost_cards(plan: dict, lang: str) -> list[dict]:
    """Planned cost and cost with overtime, labelled with the unit (``元/day``), when ``plan.json`` has them."""
    cost = plan.get("cost")
    if not isinstance(cost, dict):
        return []
    unit = cost_unit(cost.get("unit") or _unit(plan), lang)
    return [{"key": k, "title": label(word, lang), "text": f"{num(cost.get(k), 1)} {unit}", "value": cost.get(k),
             "sub": ""} for k, word in (("planned_per_day", "planned_cost"),
                                        ("with_overtime_per_day", "cost_with_overtime")) if _finite(cost.get(k))]


def optimise_context(run: Run, lang: str) -> dict:
    """What ``optimise.html.j2`` adds to the run report's context, from the folder's ``plan.json``."""
    from optimise import messages  # noqa: F401 (registers the optimiser's codes, to read older notes back)

    plan = json.loads((run.path / "plan.json").read_text(encoding="utf-8"))
    sc = run.scenario
    verdict = _text(plan, "verdict", lang)
    notes = shown(plan, "notes", lang)       # notes_zh as written; an older plan.json's English read back
    return {"title": f"{label('optimise_title', lang)}: {sc.get('name', '')}",
            "kind_word": label("optimiser_result", lang), "optimiser_says": label("optimiser_says", lang),
            "optimiser_verdict": verdict, "verification": _verification(plan, lang),
            **remedies_view(plan, lang), **versus_view(plan, sc, lang), **status_view(plan, lang),
            "cost_cards": cost_cards(plan, lang), "optimiser_notes": notes}
