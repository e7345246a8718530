"""Clock strings ("08:30") <-> minutes since midnight.

Inside ``sim`` time is a float number of minutes since midnight of the
simulated day. Clock strings appear only in YAML files and in reports.
"""

from __future__ import annotations

import re

_CLOCK = re.compile(r"^(?P<h>\d{1,2}):(?P<m>\d{2})$")

CLOCK_PATTERN = r"^([01]?\d|2[0-3]):[0-5]\d$|^24:00$"


def parse_clock(text: object) -> float:
    """Return minutes since midnight for a clock string "HH:MM" (00:00 to 24:00).

    Examples
    --------
    >>> parse_clock("08:30")
    510.0
    >>> parse_clock("24:00")
    1440.0
    """
    if not isinstance(text, str):
        raise ValueError(f'a clock time must be a string "HH:MM", got {text!r}')
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f'"{text}" is not a clock time "HH:MM" (for example "08:30")')
    hours, minutes = int(match["h"]), int(match["m"])
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes > 0):
        raise ValueError(f'"{text}" is not a clock time between 00:00 and 24:00')
    return float(hours * 60 + minutes)


def format_clock(minutes: float) -> str:
    """Format minutes since midnight as "HH:MM" (rounded to the minute).

    Examples
    --------
    >>> format_clock(510)
    '08:30'
    >>> format_clock(1170.4)
    '19:30'
    """
    total = int(round(minutes))
    return f"{total // 60:02d}:{total % 60:02d}"
