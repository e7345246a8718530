"""The local search on the top remedy (``queueplan optimise --remedies-search``): a cheaper roster for the changed hall.

A remedy's cost comes from one run of the repair loop
(:mod:`optimise.remedies`): an upper bound on the cheapest roster of the
changed hall, not searched. Here the top kept remedy's hall is given to
:func:`optimise.search.find_roster` (its starts, then removals and moves,
within ``budget_s``), and the roster found is verified on the fresh seeds as
every remedy is. The row then says honestly what its cost is:

==========================  ====================================================================
``cost_basis``              meaning
==========================  ====================================================================
``search``                  the search ended at a local optimum (no single removal or move keeps
                            every target) and its roster holds every target out of sample; the
                            cost is that roster's (still an upper bound: a local optimum)
``search_budget``           the search stopped on its budget: its verified roster's cost, not a
                            local optimum
``repair_loop``             unchanged: the search's roster missed a target out of sample, or cost
                            more (its starts differ); the repair loop's cost stands (the note
                            says which)
==========================  ====================================================================

The search's roster is used when it is verified and costs no more; the top
remedy's scenario (``remedy_1_scenario.yaml``) holds the roster whose cost is
shown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sim.loading import scenario_from_dict

from .loop import missed
from .messages import Message
from .remedies import Remedies
from .search import find_roster


@dataclass
class RemedySearch:
    """What the search on the top remedy found (``plan.json`` ``remedies_search``)."""

    change_en: str
    status: str                   # the search's: "local optimum", "budget", "walked back", "no start holds"
    cost_basis: str               # "search", "search_budget" or "repair_loop" (module docstring)
    cost_before: float            # the repair loop's cost per day (with training)
    cost_after: float             # the cost per day shown now
    search_cost: float            # the search's own roster's cost per day (with training), verified or not
    verified: bool
    moves_tried: int
    budget_s: float
    wall_time_s: float
    note: Message

    def as_dict(self) -> dict:
        return {"remedy": self.change_en, "status": self.status, "cost_basis": self.cost_basis,
                "cost_per_day_before": round(self.cost_before, 4), "cost_per_day_after": round(self.cost_after, 4),
                "search_cost_per_day": round(self.search_cost, 4),
                "verified": self.verified, "moves_tried": self.moves_tried, "budget_s": self.budget_s,
                "wall_time_s": round(self.wall_time_s, 2), "note_en": str(self.note), "note_zh": self.note.text("zh")}


def search_top_remedy(remedies: Remedies, *, budget_s: float = 120.0, workers: int = 1,
                      progress=None) -> RemedySearch | None:
    """Run the local search on the top kept remedy and relabel its cost (module docstring); None if none is kept.

    ``remedies`` is updated in place: the top row's cost, ``cost_basis`` and
    ``cost_note_en`` / ``cost_note_zh``, and its scenario.
    """
    kept = remedies.kept
    if kept.empty or kept.iloc[0]["change_en"] not in remedies.scenarios:
        return None
    started = time.perf_counter()
    i = kept.index[0]
    top = remedies.table.loc[i]
    hall = scenario_from_dict(remedies.scenarios[top["change_en"]], source=f"<remedy: {top['change_en']}>")
    if progress:
        progress(f"remedies: local search on '{top['change_en']}' ({budget_s:g} s)")
    plan, search = find_roster(hall, hall.optimise, budget_s=budget_s, workers=workers)
    training = float(top["training_per_day"] or 0.0)
    before = float(top["cost_per_day"])
    after = plan.cost + training
    verified = plan.verification is not None and missed(plan.verification).empty
    moves = len(search.moves)
    if not verified:
        basis, note = "repair_loop", Message("remedy.cost_search_missed")
    elif after > before + 1e-9:
        basis, note = "repair_loop", Message("remedy.cost_search_not_cheaper", cost=f"{after:.2f}")
    elif search.status == "local optimum":
        basis, note = "search", Message("remedy.cost_searched", moves=moves)
    else:
        basis, note = "search_budget", Message("remedy.cost_search_budget", budget_s=f"{budget_s:g}")
    if basis != "repair_loop":
        base = before - float(top["cost_delta_per_day"])
        remedies.table.loc[i, ["cost_per_day", "cost_delta_per_day"]] = [after, after - base]
        remedies.table.loc[i, "cost_delta_pct"] = 100.0 * (after - base) / base if base > 0 else float("nan")
        remedies.scenarios[top["change_en"]] = plan.roster.apply(hall).model_dump(mode="json")
    remedies.table.loc[i, ["cost_basis", "cost_note_en", "cost_note_zh"]] = [basis, str(note), note.text("zh")]
    return RemedySearch(top["change_en"], search.status, basis, before, after if basis != "repair_loop" else before,
                        after, verified, moves, budget_s, time.perf_counter() - started, note)
