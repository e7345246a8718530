"""The week's report page: the weekly grid, cover per day against the requirement, targets per day, fairness.

Rendered with Jinja2 with autoescape on: every name and label from the
scenario is escaped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


def cover_rows(cover: pd.DataFrame) -> list[dict]:
    rows = []
    for (day, station), g in cover.groupby(["day", "station"], sort=False):
        k = g["required"].idxmax()
        rows.append({"day": day, "station": station, "required": f"{g.loc[k, 'required']:g}",
                     "on_duty": int(g.loc[k, "on_duty"]), "short": int((g["shortfall"] > 1e-6).sum())})
    return rows


def target_rows(targets: pd.DataFrame) -> list[dict]:
    rows = []
    for (day, target), g in targets.groupby(["day", "target"], sort=False):
        worst = g["estimate"].min() if g["higher_is_better"].iloc[0] else g["estimate"].max()
        rows.append({"day": day, "target": target, "intervals": len(g), "met": f"{int(g['met'].sum())}/{len(g)}",
                     "confident": f"{int(g['met_confident'].sum())}/{len(g)}", "worst": f"{worst:.3g}"})
    return rows


def render_page(*, name: str, grid: pd.DataFrame, cover: pd.DataFrame, targets: pd.DataFrame, fairness: dict,
                plan: dict, shortfall_lines: list[str], reps: int, seed: int, days: list[str], people: int,
                limit_lines: list[str] = ()) -> str:
    stages = plan["milp"]
    return _env().get_template("roster_week.html").render(
        name=name, days=days, people=people, working=plan["people_rostered"], cost=plan["cost"],
        paid_hours=plan["paid_hours"], stage1=stages["cost"], stage2=stages["fairness"],
        shortfall_lines=shortfall_lines, grid_columns=list(grid.columns),
        grid_rows=[list(r) for r in grid.itertuples(index=False)], cover=cover_rows(cover),
        targets=target_rows(targets) if len(targets) else [], reps=reps, seed=seed,
        fairness_rows=[(k, v) for k, v in fairness.items() if isinstance(v, dict)],
        non_preferred=fairness.get("non_preferred_shifts", 0), limit_lines=list(limit_lines))
