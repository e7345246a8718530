"""The changes of a sweep: ``--vary`` options parsed, and applied to a scenario document.

Grammar of a change (``queueplan sweep --vary ...``)
-----------------------------------------------------
``PATH=V1,V2,...``       set the value at ``PATH`` to each value in turn
``PATH*=F1,F2,...``      multiply the number at ``PATH`` by each factor
``scenario=F1,F2,...``   use each scenario file in turn (e.g. skill structures); the
                         other changes are applied on top of it

``PATH`` is a dotted path into the scenario document: mapping keys, list
items by position (``targets.0.fraction``, ``roster.2.count``) or, in a list
of items with an ``id``, by id (``targets.sl20.fraction``). The document is
the *resolved* scenario (every default filled in, as stored in
``manifest.json``), so a path may reach a default the file does not spell
out. A new key can only be added at the end of a path into an existing
mapping (``staff_types.police.skills.PLATE=1.0``); the scenario's own
validation then judges it. Values are YAML scalars read as in scenario files
(``0.05``, ``fcfs``, ``"14:00"``, ``[1, 2]``); commas inside brackets or
quotes do not split values.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import yaml

from sim.loading import ScenarioLoader

SCENARIO_KEY = "scenario"


class SweepError(Exception):
    """A sweep that cannot run (bad path, value or scenario); ``problems`` names each one."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Vary:
    """One ``--vary`` option: a path, its values (or factors), and the text as given."""

    path: str
    values: tuple
    multiply: bool = False
    text: str = ""

    @property
    def column(self) -> str:
        """The ``sweep.csv`` column of the values given (``path*`` for factors)."""
        return self.path + ("*" if self.multiply else "")


# ---------------------------------------------------------------- parsing


def split_values(text: str) -> list[str]:
    """Split at commas outside brackets, braces and quotes.

    Examples
    --------
    >>> split_values("0.8,1, 1.2")
    ['0.8', '1', '1.2']
    >>> split_values("[1, 2],'a,b'")
    ['[1, 2]', "'a,b'"]
    """
    out, depth, quote, cur = [], 0, None, ""
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        cur += ch
    out.append(cur.strip())
    return out


def parse_value(text: str):
    """A YAML scalar as scenario files read it (``14:00`` stays a string)."""
    return yaml.load(text, Loader=ScenarioLoader)


def parse_vary(text: str) -> Vary:
    """Parse ``PATH=V1,V2``, ``PATH*=F1,F2`` or ``scenario=F1,F2``; raise :class:`SweepError` naming the mistake.

    Examples
    --------
    >>> parse_vary("arrivals.daily_volume*=0.8,1")
    Vary(path='arrivals.daily_volume', values=(0.8, 1), multiply=True, text='arrivals.daily_volume*=0.8,1')
    """
    head, sep, rest = text.partition("=")
    if not sep or not head.strip():
        raise SweepError([f"--vary {text}: give PATH=V1,V2,... (or PATH*=F1,F2,... or scenario=FILE1,FILE2,...)"])
    multiply = head.endswith("*")
    path = head[:-1].strip() if multiply else head.strip()
    raw = split_values(rest)
    if any(v == "" for v in raw):
        raise SweepError([f"--vary {text}: an empty value (two commas in a row, or nothing after '=')"])
    if path == SCENARIO_KEY:
        if multiply:
            raise SweepError([f"--vary {text}: scenario files cannot be multiplied (use scenario=FILE1,FILE2)"])
        values = tuple(raw)
    else:
        if any(p == "" for p in path.split(".")):
            raise SweepError([f"--vary {text}: '{path}' is not a dotted path (e.g. arrivals.daily_volume)"])
        values = []
        for v in raw:
            try:
                values.append(parse_value(v))
            except yaml.YAMLError as exc:
                raise SweepError([f"--vary {text}: value '{v}' is not valid YAML ({getattr(exc, 'problem', exc)})"])
        if multiply:
            bad = [r for r, v in zip(raw, values) if isinstance(v, bool) or not isinstance(v, (int, float))]
            if bad:
                raise SweepError([f"--vary {text}: factors must be numbers, not {', '.join(bad)}"])
        values = tuple(values)
    if len(set(map(repr, values))) < len(values):
        raise SweepError([f"--vary {text}: a value is given twice"])
    return Vary(path, values, multiply, text)


# ---------------------------------------------------------------- the document


def _known(node) -> str:
    keys = list(node) if isinstance(node, dict) else []
    return ", ".join(map(str, keys[:15])) + (" ..." if len(keys) > 15 else "")


def locate(doc: dict, path: str, create: bool = True) -> tuple[Any, Any]:
    """``(container, key)`` of ``path`` in ``doc``; ``ValueError`` with a planner's message if it is not there.

    Examples
    --------
    >>> doc = {"targets": [{"id": "sl20", "fraction": 0.8}]}
    >>> locate(doc, "targets.sl20.fraction") == (doc["targets"][0], "fraction")
    True
    """
    parts = path.split(".")
    node: Any = doc
    for i, part in enumerate(parts):
        where = ".".join(parts[:i]) or "the scenario"
        last = i == len(parts) - 1
        if node is None:
            raise ValueError(f"{where} is not set in this scenario (null); set it in the file first")
        if isinstance(node, dict):
            if part not in node and not (last and create):
                raise ValueError(f"'{part}' is not in {where} (it has: {_known(node) or 'nothing'})")
            key = part
        elif isinstance(node, list):
            if re.fullmatch(r"\d+", part):
                key = int(part)
                if key >= len(node):
                    raise ValueError(f"{where} has {len(node)} item{'s' if len(node) != 1 else ''} "
                                     f"(0 .. {len(node) - 1}), not item {key}")
            else:
                ids = [item.get("id") for item in node if isinstance(item, dict)]
                if part not in ids:
                    known = ", ".join(str(x) for x in ids if x is not None)
                    raise ValueError(f"{where} has no item with id '{part}'"
                                     + (f" (ids: {known}; or give a position 0 .. {len(node) - 1})" if known
                                        else f" (give a position 0 .. {len(node) - 1})"))
                key = ids.index(part)
        else:
            raise ValueError(f"{where} is a single value ({node!r}); it has no '{part}'")
        if last:
            return node, key
        node = node[key]
    raise ValueError("empty path")


def apply_change(doc: dict, vary: Vary, value) -> Any:
    """Set (or multiply) ``vary.path`` in ``doc`` in place; return the value now there."""
    container, key = locate(doc, vary.path, create=not vary.multiply)
    if vary.multiply:
        base = container[key]
        if isinstance(base, bool) or not isinstance(base, (int, float)):
            shown = repr(base) if len(repr(base)) <= 40 else f"a {type(base).__name__}"
            raise ValueError(f"{vary.path} is {shown}, not a number, so it cannot be multiplied")
        new = base * value
        value = int(round(new)) if isinstance(base, int) and float(new).is_integer() else new
    container[key] = copy.deepcopy(value)
    return value
