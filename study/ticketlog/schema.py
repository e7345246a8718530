"""The ticket-log layout: canonical columns, header names and status words.

One row per call of a ticket at a window (a ticket routed through several
windows has several rows: one per step), plus one row per ticket that was
never called (left, cancelled, unserved) and one per booked appointment
nobody came for.

Canonical columns (``required`` must be present, after the column map):

=============  ========  =====================================================
column         required  meaning
=============  ========  =====================================================
ticket         yes       ticket number (unique within a day)
service        yes       service type code (``MV_NEW`` ...), or its Chinese name
issue_time     yes       ticket issued (date and time); empty only for a
                         booked appointment nobody came for
call_time      yes       called at the window (empty if never called); for a
                         ticket that left (过号/取消) the time it was dropped
finish_time    yes       work finished (empty unless served)
window         yes       window id (``counter-3``; a prefix before the last
                         ``-`` names the station)
status         yes       served / no_show / cancelled / unserved (see STATUS)
staff          no        staff id at the window
step           no        step number of the ticket's route (default: order of
                         the ticket's calls)
station        no        station of the window (default: window prefix)
klass          no        priority class (normal, green ...)
slot           no        appointment slot start (HH:MM); empty: walk-in
date           no        date, when issue_time holds only a time
=============  ========  =====================================================
"""

from __future__ import annotations

COLUMNS = ("date", "ticket", "service", "klass", "slot", "issue_time", "call_time", "finish_time",
           "window", "station", "staff", "step", "status")
REQUIRED = ("ticket", "service", "issue_time", "call_time", "finish_time", "window", "status")

# Header names seen in exports of ticket-calling systems, mapped to canonical columns.
HEADERS: dict[str, str] = {
    "日期": "date", "业务日期": "date",
    "票号": "ticket", "排队号": "ticket", "号码": "ticket", "取号号码": "ticket",
    "业务类型": "service", "业务类别": "service", "业务名称": "service",
    "优先级": "klass", "客户类别": "klass", "类别": "klass",
    "预约时段": "slot", "预约时间": "slot",
    "取号时间": "issue_time", "叫号时间": "call_time", "办结时间": "finish_time", "完成时间": "finish_time",
    "窗口号": "window", "窗口": "window", "区域": "station", "工作站": "station",
    "工号": "staff", "受理人": "staff", "环节": "step", "状态": "status", "办理状态": "status",
}
for _c in COLUMNS:
    HEADERS[_c] = _c

# The Chinese-header layout written by ``queueplan run --ticket-log`` (canonical -> header).
ZH_HEADERS = {"date": "日期", "ticket": "票号", "service": "业务类型", "klass": "优先级", "slot": "预约时段",
              "issue_time": "取号时间", "call_time": "叫号时间", "finish_time": "办结时间", "window": "窗口号",
              "station": "区域", "staff": "工号", "step": "环节", "status": "状态"}

SERVED, NO_SHOW, CANCELLED, UNSERVED = "served", "no_show", "cancelled", "unserved"
STATUS: dict[str, str] = {
    "served": SERVED, "done": SERVED, "已办结": SERVED, "办结": SERVED, "完成": SERVED, "已完成": SERVED,
    "no_show": NO_SHOW, "no-show": NO_SHOW, "过号": NO_SHOW, "爽约": NO_SHOW, "弃号": NO_SHOW,
    "cancelled": CANCELLED, "canceled": CANCELLED, "取消": CANCELLED, "已取消": CANCELLED,
    "unserved": UNSERVED, "未办理": UNSERVED, "未叫号": UNSERVED,
}
ZH_STATUS = {SERVED: "已办结", NO_SHOW: "过号", CANCELLED: "取消", UNSERVED: "未办理"}
