"""The week's roster for people: the wall grid (CSV, XLSX), one calendar per person, hours and duties.

* ``roster_week.csv``: one row per person, one column per day ("CONT 08:30-17:30 counter", "休 rest",
  "假 leave: reason", "闭馆 closed"), then hours and duty counts. UTF-8 with a byte-order mark, so
  Excel and WPS show Chinese names correctly when the file is opened by double click.
* ``roster_week.xlsx``: the same grid as a workbook (header row frozen, columns sized) for printing.
* ``calendars/<person id>.ics``: each person's duties as calendar events (icalendar library).
* ``person_hours.csv``: per person: contract hours, paid hours, days worked, early, late and
  Saturday duties, non-preferred shifts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from optimise.week.solve import WeekRoster

REST, LEAVE, CLOSED = "休 rest", "假 leave", "闭馆 closed"


def _cell(a) -> str:
    return f"{a.template or a.shift} {a.times} {a.seat}"


def roster_grid(roster: WeekRoster) -> pd.DataFrame:
    """One row per person, one column per day (the layout a hall pins on the wall)."""
    s = roster.scenario
    by = {(a.person_id, a.day_index): a for a in roster.assignments}
    hours = person_hours(roster).set_index("id")
    rows = []
    for p in s.staff_list.people:
        row = {"id": p.id, "name": p.name, "staff_type": p.staff_type}
        off = p.absences()
        for pl in roster.plans:
            a = by.get((p.id, pl.day.index))
            if pl.day.closed:
                row[pl.code] = CLOSED
            elif a is not None:
                row[pl.code] = _cell(a)
            elif pl.code in off:
                row[pl.code] = f"{LEAVE}: {off[pl.code]}"
            else:
                row[pl.code] = REST
        row["paid_hours"] = hours.loc[p.id, "paid_hours"]
        row["days"] = hours.loc[p.id, "days"]
        rows.append(row)
    return pd.DataFrame(rows)


def person_hours(roster: WeekRoster) -> pd.DataFrame:
    """Per person: hours and duty counts (the fairness figures)."""
    s = roster.scenario
    kinds = s.staff_list.duty_kinds
    sats = {pl.day.index for pl in roster.plans if pl.day.day.is_saturday}
    weeks = s.horizon.weeks() if s.horizon else 1.0
    rows = []
    for p in s.staff_list.people:
        mine = [a for a in roster.assignments if a.person_id == p.id]
        rows.append({"id": p.id, "name": p.name, "staff_type": p.staff_type,
                     "contract_hours": p.contract.weekly_hours * weeks,
                     "paid_hours": sum(a.paid_hours for a in mine), "days": len(mine),
                     "early": sum(a.start_min < kinds.early_start_before - 1e-9 for a in mine),
                     "late": sum(a.end_min > kinds.late_end_after + 1e-9 for a in mine),
                     "saturday": sum(a.day_index in sats for a in mine),
                     "non_preferred": sum(bool(p.preferred_shifts) and a.template not in p.preferred_shifts
                                          for a in mine),
                     "cost": sum(a.cost for a in mine)})
    return pd.DataFrame(rows)


def fairness_figures(hours: pd.DataFrame) -> dict:
    """Spread (max - min) of each duty kind over the people who work at all, and non-preferred shifts."""
    working = hours[hours["days"] > 0]
    out = {}
    for kind in ("early", "late", "saturday", "days", "paid_hours"):
        col = working[kind] if len(working) else pd.Series([0])
        out[kind] = {"min": float(col.min()), "max": float(col.max()), "spread": float(col.max() - col.min()),
                     "mean": float(col.mean())}
    out["non_preferred_shifts"] = int(hours["non_preferred"].sum())
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV in UTF-8 with a byte-order mark (Excel/WPS read Chinese text correctly)."""
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def write_xlsx(grid: pd.DataFrame, path: Path, title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "排班表 roster"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(grid.columns))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in grid.itertuples(index=False):
        ws.append([v.item() if hasattr(v, "item") else v for v in row])
    for k, col in enumerate(grid.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in grid[col]]) + 2
        ws.column_dimensions[ws.cell(row=2, column=k).column_letter].width = min(max(width, 8), 40)
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(vertical="center")
            if cell.value == REST or (isinstance(cell.value, str) and cell.value.startswith(LEAVE)):
                cell.fill = PatternFill("solid", fgColor="F2F2F2")
    ws.freeze_panes = "D3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    wb.save(path)


def write_calendars(roster: WeekRoster, folder: Path, dates: list[dt.date], hall: str) -> int:
    """One ``.ics`` per person with a duty; returns the number of files written."""
    from icalendar import Calendar, Event

    folder.mkdir()
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    n = 0
    for p in roster.scenario.staff_list.people:
        mine = [a for a in roster.assignments if a.person_id == p.id]
        if not mine:
            continue
        cal = Calendar()
        cal.add("prodid", "-//queueplan//roster//EN")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", f"{p.name} {hall}")
        for a in mine:
            day = dates[a.day_index]

            def at(minutes: float) -> dt.datetime:
                return dt.datetime.combine(day, dt.time(int(minutes // 60), int(minutes % 60)))

            ev = Event()
            ev.add("uid", f"{hall}-{p.id}-{day.isoformat()}@queueplan")
            ev.add("dtstamp", stamp)
            ev.add("dtstart", at(a.start_min))
            ev.add("dtend", at(a.end_min))
            ev.add("summary", f"{a.template or a.shift} {a.seat}")
            breaks = ", ".join(f"{int(b0 // 60):02d}:{int(b0 % 60):02d}-{int(b1 // 60):02d}:{int(b1 % 60):02d}"
                               for b0, b1 in a.breaks)
            ev.add("description", f"{p.name} ({p.id}): {a.shift} at {a.seat}; {a.paid_hours:g} paid hours"
                                  + (f"; breaks {breaks}" if breaks else ""))
            ev.add("location", a.station)
            cal.add_component(ev)
        (folder / f"{p.id}.ics").write_bytes(cal.to_ical())
        n += 1
    return n
