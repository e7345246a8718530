"""The fewest staff meeting a target: the smallest integer at which a monotone test first holds.

Staffing tests are monotone in the number of staff (more staff never serve
worse), so the answer is bracketed and bisected. From a ``start`` (the
previous period's answer, a square-root staffing guess) the bracket is found
by galloping, steps 1, 2, 4, ..., down while the test holds or up while it
fails; without one, the whole range is bisected. The answer does not depend
on the start, only the number of tests run does.
"""

from __future__ import annotations

from typing import Callable


def fewest_meeting(meets: Callable[[int], bool], lowest: int, highest: int, start: int | None = None) -> int | None:
    """Smallest ``c`` in ``lowest .. highest`` with ``meets(c)`` (``meets`` monotone), or None if even ``highest`` fails.

    Examples
    --------
    >>> fewest_meeting(lambda c: c * c >= 50, 0, 100, start=3)
    8
    >>> fewest_meeting(lambda c: c * c >= 50, 0, 100) == fewest_meeting(lambda c: c * c >= 50, 0, 100, start=90)
    True
    >>> fewest_meeting(lambda c: False, 1, 5) is None
    True
    """
    if start is None:
        if not meets(highest):
            return None
        lo, hi = lowest, highest                     # the answer lies in lo .. hi; hi meets
    else:
        start = min(max(start, lowest), highest)
        step = 1
        if meets(start):                             # gallop down while it holds
            hi = start
            while hi - step >= lowest and meets(hi - step):
                hi, step = hi - step, 2 * step
            lo = max(lowest, hi - step + 1)          # hi - step fails (or lies below the range)
        else:                                        # gallop up while it fails
            lo = start + 1
            while True:
                hi = min(highest, lo - 1 + step)
                if meets(hi):
                    break
                if hi == highest:
                    return None
                lo, step = hi + 1, 2 * step
    while lo < hi:
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi
