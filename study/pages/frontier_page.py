"""The frontier page (``frontier.html``): cost against a service-level target's level, from ``frontier.html.j2``.

One row per level: the cheapest roster the optimiser found at that level and
whether its verification on fresh seeds meets every target (a level whose
verification misses a target says so, in the table and on the figure; the
page never calls such a roster one that meets every target).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..names import item_label, target_name
from .render import cell, coded, image_uri, render, table

TEXT = {
    "en": {"title": "Cost against the service-level target", "level": "target level ({target}: share called "
           "within {wait:g} min)", "cost": "cost per day", "share": "hourly targets met (verified)",
           "ok": "verified: every target met", "fail": "verification misses a target",
           "fig": "Cheapest roster found at each target level", "table": "Levels",
           "h_level": "level", "h_cost": "cost", "h_paid": "paid hours", "h_staff": "staff",
           "h_share": "hourly targets met (verified)", "h_conf": "with 95% confidence",
           "h_held": "held in sample", "h_ok": "verification", "yes": "yes", "no": "no",
           "notes": "Notes", "rosters": "Rosters",
           "about": "Each level: the cheapest roster the optimiser found while simulating ({reps}), then verified on "
                    "fresh seeds; the verification column says whether it meets every target. Same seeds at every "
                    "level.",
           "met_levels": "{ok} of {n} levels verified to meet every target.",
           "dip": "the cost falls from level {a:g} to {b:g}: the optimiser is a heuristic (simulate, repair, trim) "
                  "and stopped at different places; read the frontier as its trend.",
           "roster_headers": ["level", "staff type", "station", "window group", "start", "breaks", "end", "count"]},
    "zh": {"title": "成本与服务水平目标", "level": "目标水平（{target}：{wait:g} 分钟内叫号的比例）", "cost": "每日成本",
           "share": "达标的小时目标（验证）", "ok": "验证：全部目标达标", "fail": "验证：有目标未达标",
           "fig": "各目标水平下找到的最低成本排班", "table": "各水平", "h_level": "水平", "h_cost": "成本",
           "h_paid": "计薪小时", "h_staff": "人数", "h_share": "小时目标达标（验证）", "h_conf": "95% 置信达标",
           "h_held": "样本内达标", "h_ok": "验证", "yes": "是", "no": "否", "notes": "说明", "rosters": "排班",
           "about": "每个水平：优化器在仿真（{reps}）中找到的最低成本排班，再用新的随机种子验证；“验证”一列说明它是否满足全部目标。"
                    "各水平使用相同种子。",
           "met_levels": "{n}个水平中有{ok}个经验证满足全部目标。",
           "dip": "成本从水平 {a:g} 到 {b:g} 下降：优化器为启发式（仿真、修补、削减），停在不同位置；请看整体趋势。",
           "roster_headers": ["水平", "人员类型", "工作站", "窗口组", "上班", "休息", "下班", "人数"]},
}


def frontier_html(table_: pd.DataFrame, rosters: pd.DataFrame, png: Path, scenario, lang: str, reps_text: str,
                  notes: list[str], messages: list[str]) -> str:
    """The page's HTML (the figure ``png`` embedded)."""
    tx = TEXT[lang]
    yes = lambda b: tx["yes"] if b else tx["no"]  # noqa: E731
    rows = []
    for _, r in table_.sort_values("level").iterrows():
        rows.append([f"{100 * r['level']:.0f}%", f"{r['cost']:.2f}", f"{r['paid_hours']:.1f}", int(r["staff"]),
                     f"{r['verified_met']}/{r['verified_intervals']} ({100 * r['verified_share_met']:.0f}%)",
                     f"{100 * r['verified_share_met_confident']:.0f}%", yes(r["targets_held_in_sample"]),
                     cell(tx["ok"] if r["verification_ok"] else tx["fail"], "ok" if r["verification_ok"] else "miss",
                          data_level=f"{r['level']:g}")])
    sc = scenario.model_dump(mode="json")

    def named(kind: str, code) -> object:
        """The code of a staff type or station in ``<code>``, its label in the page's language beside it."""
        if not isinstance(code, str) or not code:
            return code
        return coded(code, item_label(sc.get(kind, {}).get(code), lang, ""))
    roster_rows = [[f"{r['level']:g}", named("staff_types", r["staff_type"]), named("stations", r["station"]),
                    r["window_group"], r["start"], r["breaks"], r["end"], int(r["count"])]
                   for _, r in rosters.iterrows()]
    target = table_["target"].iloc[0]
    spec = next((t for t in scenario.targets if t.id == target), None)
    name = target_name(spec.model_dump(), lang) if spec is not None else target
    ok = int(table_["verification_ok"].astype(bool).sum())
    return render("frontier.html.j2", lang=lang, title=f"{tx['title']}: {scenario.name}", target_name=name,
                  verdict=tx["met_levels"].format(ok=ok, n=len(table_)), verdict_cls="ok" if ok == len(table_) else
                  ("close" if ok else "miss"), about=tx["about"].format(reps=reps_text),
                  font_warnings=messages, figure={"id": "", "uri": image_uri(png), "title": tx["fig"],
                                                  "caption": tx["fig"], "files": []},
                  levels_word=tx["table"], levels=table([tx[k] for k in ("h_level", "h_cost", "h_paid", "h_staff",
                                                                          "h_share", "h_conf", "h_held", "h_ok")],
                                                        rows),
                  notes_word=tx["notes"], notes=notes, rosters_word=tx["rosters"],
                  rosters=table(tx["roster_headers"], roster_rows))
