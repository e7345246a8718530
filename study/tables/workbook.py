"""One Excel workbook (``results.xlsx``) of a results folder's key tables, for people who open tables in Excel or WPS.

Sheets, each a copy of one CSV file of the folder (when the folder has it):

=================  ======================  =====================================
sheet (en / zh)    file                    rows
=================  ======================  =====================================
targets / 目标      ``targets.csv``          every target in every interval
roster / 排班       ``roster.csv``           an optimiser's roster; for a run, the
                                           scenario's roster (``manifest.json``)
staff / 人员        ``staff.csv``            staff results by type and station
comparison / 方案对比 ``comparison.csv``      options side by side (compare, sweep)
remedies / 调整方案  ``remedies.csv``         ranked remedies (optimise)
versus input       ``versus_input.csv``     optimised against the input roster
=================  ======================  =====================================

Every sheet has the file name in row 1, the CSV's column names in row 2,
their Chinese display names in row 3 (so the sheet reads in Chinese in
Excel/WPS and still names the column a script knows) and the rows from row 4,
with the same numbers as the CSV (read back from the file, so rounding is
the file's). An ``about`` sheet lists the sheets and their files. Text is
stored as text (openpyxl writes shared strings in UTF-8, which Excel and WPS
read whatever the system's code page).

The CSV files themselves are UTF-8 without a byte-order mark, for scripts
(pandas, R, the ``csv`` module); the ticket-system export of ``queueplan
run --ticket-log`` is UTF-8 with a BOM, for Excel.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from ..i18n import label

FILE = "results.xlsx"
SHEETS = (("sheet_targets", "targets.csv"), ("sheet_roster", "roster.csv"), ("sheet_staff", "staff.csv"),
          ("sheet_comparison", "comparison.csv"), ("sheet_remedies", "remedies.csv"),
          ("sheet_versus_input", "versus_input.csv"))
COLUMN_ZH = {
    "target": "目标", "kind": "类型", "interval": "时段", "interval_start_min": "时段开始（分钟）", "goal": "目标值",
    "estimate": "估计值", "lo": "95%下限", "hi": "95%上限", "met": "达标", "met_confident": "95%置信达标",
    "scope": "范围", "description": "说明", "staff_type": "人员类型", "station": "工作站", "window_group": "窗口组",
    "shift": "班次", "start": "上班", "breaks": "休息", "end": "下班", "count": "人数", "paid_hours": "计薪小时",
    "cost": "成本", "cost_lo": "成本95%下限", "cost_hi": "成本95%上限", "staff": "人数（平均在岗）",
    "utilisation": "利用率", "utilisation_lo": "利用率95%下限", "utilisation_hi": "利用率95%上限",
    "overtime_min": "加班（分钟）", "option": "方案", "run_dir": "运行目录", "scenario": "场景", "seed": "随机种子",
    "replications": "重复次数", "tickets": "取号人数", "served": "办结人数", "abandoned": "放弃人数",
    "unserved": "未办结人数", "turned_away": "未取到号人数", "wait_mean_min": "平均等待（分钟）",
    "wait_p90_min": "90%分位等待（分钟）", "abandon_fraction": "放弃率", "summary": "结论",
    "lever": "调整类别", "change_en": "调整（英文）", "change_zh": "调整", "targets_met": "达标目标数",
    "targets_total": "目标总数", "every_target_met": "全部达标", "cost_delta_per_day": "每天成本变化",
    "cost_delta_pct": "成本变化（%）", "verified_replications": "检验重复次数", "kept": "采纳",
    "reason_en": "原因（英文）", "reason_zh": "原因", "input_sl": "原排班服务水平", "optimised_sl": "优化后服务水平",
    "difference": "差值", "difference_lo": "差值95%下限", "difference_hi": "差值95%上限",
    "cost_basis": "成本依据", "cost_note_en": "成本说明（英文）", "cost_note_zh": "成本说明",
}


def column_zh(name: str) -> str:
    """The Chinese display name of a CSV column (``_lo``/``_hi`` intervals included), else the name itself."""
    if name in COLUMN_ZH:
        return COLUMN_ZH[name]
    for suffix, zh in (("_lo", "95%下限"), ("_hi", "95%上限")):
        if name.endswith(suffix) and name[: -len(suffix)] in COLUMN_ZH:
            return COLUMN_ZH[name[: -len(suffix)]] + zh
    return name


def _scenario_roster(folder: Path) -> pd.DataFrame | None:
    try:
        sc = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("scenario") or {}
    except (OSError, ValueError):
        return None
    shifts = sc.get("shift_patterns") or {}
    rows = [{"staff_type": e.get("staff_type"), "station": e.get("station"), "window_group": e.get("window_group") or "",
             "shift": e.get("shift"), "start": (shifts.get(e.get("shift")) or {}).get("start"),
             "breaks": " ".join(f"{b['start']}-{b['end']}" for b in (shifts.get(e.get("shift")) or {}).get("breaks", [])),
             "end": (shifts.get(e.get("shift")) or {}).get("end"), "count": e.get("count")}
            for e in sc.get("roster") or []]
    return pd.DataFrame(rows) if rows else None


def tables_of(folder) -> list[tuple[str, str, pd.DataFrame]]:
    """``[(sheet key, source, frame)]`` of the key tables ``folder`` holds, in sheet order."""
    folder = Path(folder)
    out = []
    for key, name in SHEETS:
        path = folder / name
        if path.is_file():
            out.append((key, name, pd.read_csv(path, keep_default_na=False, na_values=[""])))
        elif name == "roster.csv":
            roster = _scenario_roster(folder)
            if roster is not None:
                out.append((key, "manifest.json (scenario roster)", roster))
    return out


def _cell(v):
    if isinstance(v, float) and v != v:
        return None
    return v.item() if hasattr(v, "item") else v


def write_workbook(folder, lang: str = "en", name: str = "") -> Path | None:
    """Write ``folder/results.xlsx`` from the folder's key tables (module docstring); None if it holds none.

    The sheet names are in ``lang``; row 3 always carries the Chinese column
    names. Written to a temporary file and renamed, so it is complete or absent.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    folder = Path(folder)
    tables = tables_of(folder)
    if not tables:
        return None
    wb = Workbook()
    about = wb.active
    about.title = label("sheet_readme", lang)
    about.append([label("wb_title", lang, name=name or folder.name)])
    about["A1"].font = Font(bold=True)
    about.append([label("wb_source", lang)])
    about.append([])
    about.append(["sheet", "工作表", label("wb_file", lang)])
    for key, source, frame in tables:
        title = label(key, lang)[:31]
        about.append([label(key, "en"), label(key, "zh"), source])
        ws = wb.create_sheet(title)
        ws.append([f"{label('wb_file', lang)}: {source}"])
        ws.append(list(frame.columns))
        ws.append([column_zh(c) for c in frame.columns])
        for cell in ws[2] + ws[3]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        ws.freeze_panes = "A4"
        for i, c in enumerate(frame.columns, start=1):
            width = max(len(str(c)), 2 * len(column_zh(c)), 8)
            ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = min(width + 2, 40)
    path = folder / FILE
    tmp = folder / f".{FILE}.tmp"
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
