"""Reading ticket logs (CSV or .xlsx) into one checked table.

Every problem names the file, the line (the header is line 1; for .xlsx the
spreadsheet row) and the column: ``FILE, line N: COLUMN: MESSAGE``. Rows
that cannot be read are never dropped silently: :func:`read_logs` raises
:class:`LogError` with all of them, or, with ``skip_bad_rows``, drops them
and returns their count.

Times: each file's date-time columns must use one format, detected from the
first value among ``DATETIME_FORMATS`` (a time of day alone needs a ``date``
column); a value in another format is a *mixed date formats* error, never
guessed (03/04 is not ambiguous silently). One timezone is assumed.

A column map (``--map FILE``, YAML) handles other layouts::

    columns: {Ticket No: ticket, Biz: service, 取票时刻: issue_time}
    services: {驾驶证换证: DL_RENEW, 违法处理: VIO}
    statuses: {离开: no_show}
    known_services: [VIO, DL_RENEW]     # optional: reject any other code
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .schema import COLUMNS, HEADERS, NO_SHOW, REQUIRED, SERVED, STATUS

DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y%m%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
TIME_FORMATS = ("%H:%M:%S", "%H:%M")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d")
CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")
TIME_COLUMNS = ("issue_time", "call_time", "finish_time")
MAX_SHOWN = 50


@dataclass(frozen=True)
class LogProblem:
    file: str
    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class LogError(Exception):
    """Problems found in ticket logs or in the column map."""

    def __init__(self, problems: list[LogProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems[:MAX_SHOWN]))


@dataclass
class ColumnMap:
    columns: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    known_services: set[str] | None = None


def load_map(path: str | Path | None) -> ColumnMap:
    """Read a column map file (see the module docstring); ``None`` gives the built-in headers only."""
    if path is None:
        return ColumnMap()
    name = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise LogError([LogProblem(name, None, "", f"cannot read the map: {exc.strerror}")]) from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise LogError([LogProblem(name, None if line is None else line + 1, "", "not valid YAML")]) from None
    if not isinstance(data, dict):
        raise LogError([LogProblem(name, 1, "", "a map is a mapping with columns:, services:, statuses:")])
    problems = [LogProblem(name, None, key, "unknown key (columns, services, statuses, known_services)")
                for key in data if key not in ("columns", "services", "statuses", "known_services")]
    columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
    problems += [LogProblem(name, None, f"columns.{k}", f"'{v}' is not a ticket-log column ({', '.join(COLUMNS)})")
                 for k, v in columns.items() if v not in COLUMNS]
    statuses = {str(k): str(v) for k, v in (data.get("statuses") or {}).items()}
    problems += [LogProblem(name, None, f"statuses.{k}", f"'{v}' is not a status (served, no_show, cancelled, unserved)")
                 for k, v in statuses.items() if v not in set(STATUS.values())]
    services = {str(k): str(v) for k, v in (data.get("services") or {}).items()}
    problems += [LogProblem(name, None, f"services.{k}", f"'{v}' is not a service code (like MV_NEW)")
                 for k, v in services.items() if not CODE.match(v)]
    if problems:
        raise LogError(problems)
    known = data.get("known_services")
    return ColumnMap(columns, services, statuses, None if known is None else {str(k) for k in known})


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=object, engine="openpyxl")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True)


def _detect(values: pd.Series, formats) -> str | None:
    for v in values:
        for fmt in formats:
            try:
                dt.datetime.strptime(v, fmt)
                return fmt
            except ValueError:
                pass
        return None
    return None


def _as_text(col: pd.Series) -> pd.Series:
    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            return ""
        if isinstance(v, (pd.Timestamp, dt.datetime)):
            return v.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(v, dt.time):
            return v.strftime("%H:%M:%S")
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()
    return col.map(one)


def _parse_times(raw: pd.Series, date: pd.Series | None, column: str, file: str, lines: np.ndarray,
                 bad: dict) -> pd.Series:
    """Datetimes of one column, NaT where empty; records unreadable values in ``bad``."""
    filled = raw[raw != ""]
    fmt = _detect(filled, DATETIME_FORMATS)
    if fmt is None and date is not None:
        fmt = _detect(filled, TIME_FORMATS)
        if fmt is not None:
            raw = (date.dt.strftime("%Y-%m-%d") + " " + raw).where(raw != "", "")
            fmt = "%Y-%m-%d " + fmt
    if fmt is None:
        if len(filled):
            i = filled.index[0]
            bad.setdefault(i, []).append((column, f"cannot read '{filled.iloc[0]}' as a date and time "
                                                  "(e.g. 2026-01-05 08:31:12)"))
        return pd.Series(pd.NaT, index=raw.index)
    parsed = pd.to_datetime(raw, format=fmt, errors="coerce")
    for i in raw.index[(raw != "") & parsed.isna()]:
        bad.setdefault(i, []).append((column, f"mixed date formats: '{raw[i]}' is not in this file's format "
                                              f"{fmt} (first value: '{filled.iloc[0]}')"))
    return parsed


def read_log(path: str | Path, cmap: ColumnMap | None = None) -> tuple[pd.DataFrame, list[LogProblem]]:
    """One file: the checked rows (canonical columns, times as minutes since midnight) and its bad rows.

    Returned columns: file, line, date (datetime64), ticket, service, klass,
    slot_min, issue_min, call_min, finish_min, window, station, staff, step,
    status. File-level problems (unreadable, empty, missing columns, a map
    naming a column the file lacks) raise :class:`LogError` at once.
    """
    cmap = cmap or ColumnMap()
    path = Path(path)
    name = str(path)
    try:
        table = _read_table(path)
    except FileNotFoundError:
        raise LogError([LogProblem(name, None, "", "no such file")]) from None
    except pd.errors.EmptyDataError:
        raise LogError([LogProblem(name, None, "", "the file is empty (no header line, no rows)")]) from None
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError, OSError) as exc:
        raise LogError([LogProblem(name, None, "", f"cannot read as CSV (UTF-8) or .xlsx: {exc}")]) from None
    headers = [str(h).strip() for h in table.columns]
    table.columns = headers
    missing_mapped = [h for h in cmap.columns if h not in headers]
    if missing_mapped:
        raise LogError([LogProblem(name, 1, h, f"the column map names this header but the file has none such "
                                               f"(headers: {', '.join(headers)})") for h in missing_mapped])
    rename = {}
    for h in headers:
        target = cmap.columns.get(h) or HEADERS.get(h) or HEADERS.get(h.lower())
        if target and target not in rename.values():
            rename[h] = target
    table = table.rename(columns=rename)[list(rename.values())]
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise LogError([LogProblem(name, 1, c, "required column missing (headers found: "
                                               f"{', '.join(headers)}; use --map FILE for other layouts)")
                        for c in missing])
    if table.empty:
        raise LogError([LogProblem(name, None, "", "the file has a header but no rows")])
    for c in COLUMNS:
        table[c] = _as_text(table[c]) if c in table.columns else ""
    lines = np.arange(len(table)) + 2
    bad: dict[int, list] = {}
    date = None
    if (table["date"] != "").any():
        fmt = _detect(table["date"][table["date"] != ""].str.slice(0, 10), DATE_FORMATS) or DATE_FORMATS[0]
        date = pd.to_datetime(table["date"].str.slice(0, 10), format=fmt, errors="coerce")
        for i in table.index[(table["date"] != "") & date.isna()]:
            bad.setdefault(i, []).append(("date", f"mixed date formats: '{table['date'][i]}' is not {fmt}"))
    times = {c: _parse_times(table[c], date, c, name, lines, bad) for c in TIME_COLUMNS}
    day = times["issue_time"].dt.normalize()
    if date is not None:
        day = day.fillna(date)
    minutes = {c: (times[c] - day).dt.total_seconds() / 60.0 for c in TIME_COLUMNS}
    status = table["status"].map(lambda v: cmap.statuses.get(v) or STATUS.get(v) or STATUS.get(v.lower()))
    service = table["service"].map(lambda v: cmap.services.get(v, v))
    known = cmap.known_services

    def flag(mask, column, message):
        for i in table.index[np.asarray(mask, dtype=bool)]:
            bad.setdefault(i, []).append((column, message(i)))

    st = status
    flag(st.isna(), "status", lambda i: f"unknown status '{table['status'][i]}' (served/已办结, no_show/过号, "
                                        "cancelled/取消, unserved/未办理; or add it to the map's statuses:)")
    flag(service == "", "service", lambda i: "empty")
    bad_code = (service != "") & (~service.str.match(CODE.pattern) | (service.isin(known) == False  # noqa: E712
                                                                       if known is not None else False))
    flag(bad_code, "service", lambda i: f"unknown service type '{service[i]}' (add it to the map's services: as a "
                                        "code like MV_NEW)")
    missed_booking = (st == NO_SHOW) & (table["issue_time"] == "") & (table["slot"] != "")
    told = np.array([any(c in ("issue_time", "date") for c, _ in bad.get(i, [])) for i in table.index], dtype=bool)
    no_day = day.isna().to_numpy()
    flag(no_day & ~told, "issue_time", lambda i: "empty (a date column or an issue time is needed)")
    ok = ~no_day
    flag(ok & ~missed_booking & (table["issue_time"] == ""), "issue_time", lambda i: "empty")
    flag(ok & ~missed_booking & (table["ticket"] == ""), "ticket", lambda i: "empty")
    call, finish, issue = minutes["call_time"], minutes["finish_time"], minutes["issue_time"]
    flag(ok & (call < issue), "call_time", lambda i: f"called at {table['call_time'][i]}, before the ticket was "
                                                     f"issued ({table['issue_time'][i]})")
    flag(ok & (finish < call), "finish_time", lambda i: f"finished at {table['finish_time'][i]}, before the call "
                                                        f"({table['call_time'][i]})")
    served_row = ok & (st == SERVED)
    flag(served_row & call.isna(), "call_time", lambda i: "empty on a served row")
    flag(served_row & call.notna() & finish.isna(), "finish_time", lambda i: "empty on a served row")
    flag((table["step"] != "") & ~table["step"].str.isdigit(), "step",
         lambda i: f"'{table['step'][i]}' is not a step number (1, 2, ...)")
    slot = pd.to_datetime(table["slot"].str.slice(-8).str.strip(), format="mixed", errors="coerce")
    for i in table.index[(table["slot"] != "") & slot.isna()]:
        bad.setdefault(i, []).append(("slot", f"cannot read '{table['slot'][i]}' as a time of day"))
    out = pd.DataFrame({
        "file": name, "line": lines, "date": day, "ticket": table["ticket"], "service": service,
        "klass": table["klass"].replace("", "normal"),
        "slot_min": (slot.dt.hour * 60 + slot.dt.minute).astype(float),
        "issue_min": minutes["issue_time"], "call_min": minutes["call_time"], "finish_min": minutes["finish_time"],
        "window": table["window"], "staff": table["staff"],
        "station": table["station"].where(table["station"] != "", table["window"].str.rsplit("-", n=1).str[0]),
        "step": pd.to_numeric(table["step"], errors="coerce"), "status": status,
    })
    # duplicates: the same ticket called twice at the same step (or at the same time when steps are not logged)
    key = ["date", "ticket", "step"] if (table["step"] != "").any() else ["date", "ticket", "call_min"]
    has_ticket = out["ticket"] != ""
    dup = out[has_ticket].duplicated(key, keep=False)
    for _, group in out[has_ticket][dup].groupby(key, dropna=False):
        first = int(group["line"].iloc[0])
        for i in group.index[1:]:
            bad.setdefault(i, []).append(("ticket", f"duplicate ticket {out['ticket'][i]} on {out['date'][i]:%Y-%m-%d} "
                                     f"(first at line {first})"))
    problems = [LogProblem(name, int(lines[i]), c, m) for i in sorted(bad) for c, m in bad[i]]
    keep = np.array([not bad.get(i) for i in table.index], dtype=bool)
    return out[keep].reset_index(drop=True), problems


def read_logs(paths, map_path: str | Path | None = None, skip_bad_rows: bool = False
              ) -> tuple[pd.DataFrame, int]:
    """All files as one table, and the number of bad rows skipped (0 unless ``skip_bad_rows``).

    Steps are numbered by call order within a ticket where the file has none.
    Raises :class:`LogError` on any bad row unless ``skip_bad_rows``.
    """
    cmap = load_map(map_path)
    frames, problems = [], []
    for p in paths:
        frame, bad = read_log(p, cmap)
        frames.append(frame)
        problems += bad
    if problems and not skip_bad_rows:
        raise LogError(problems)
    rows = pd.concat(frames, ignore_index=True)
    if rows.empty:
        raise LogError([LogProblem(", ".join(map(str, paths)), None, "", "no readable rows")])
    no_step = rows["step"].isna()
    if no_step.any():
        order = rows[no_step].sort_values("call_min").groupby(["date", "ticket"]).cumcount() + 1
        rows.loc[order.index, "step"] = order
    rows["step"] = rows["step"].astype(int)
    skipped = len({(p.file, p.line) for p in problems})
    return rows, skipped
