"""Load a scenario YAML into a frozen ``Scenario``, or fail with clear messages.

Only safe YAML is read. Every problem is reported as a :class:`Problem` that
names the file, the field path (``services.VIO.steps[0].work.mean_min``) and
the line, whether it comes from YAML syntax, a duplicate key, the schema
(pydantic) or the cross-field checks of :mod:`sim.checks`.

Clock times may be written unquoted (``start: 14:00``): the loader keeps them
as strings instead of YAML 1.1's base-60 integers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from .checks import check_scenario
from .scenario import Scenario


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f", line {self.line}" if self.line else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


class ScenarioError(Exception):
    """A scenario file that cannot be used; ``problems`` lists every finding."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Loader(yaml.SafeLoader):
    """Safe loader without base-60 integers, so 14:00 stays the string "14:00"."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(0|[1-9][0-9_]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$"),
    list("-+0123456789."),
)


def format_path(path: tuple) -> str:
    """``("services", "VIO", "steps", 0)`` -> ``services.VIO.steps[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _index_lines(node, path: tuple, lines: dict, duplicates: list) -> None:
    """Record the 1-based line of every key and item, and any duplicate keys."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                duplicates.append((path + (key,), key_node.start_mark.line + 1))
            seen.add(key)
            _index_lines(value_node, path + (key,), lines, duplicates)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, path + (i,), lines, duplicates)


def _resolve(loc: tuple, lines: dict) -> tuple[tuple, int | None]:
    """Map a pydantic error location onto the YAML document.

    Pydantic inserts the tag of a discriminated union (``'lognormal'``) and
    validator names into locations; parts that are not in the document are
    skipped so the path reads as the planner wrote it.
    """
    path: tuple = ()
    for part in loc:
        if path + (part,) in lines:
            path = path + (part,)
    return path, lines.get(path)


def _clean(message: str) -> str:
    message = re.sub(r"^(Value error|Assertion failed), ", "", message)
    return message.replace("Extra inputs are not permitted", "unknown key (not part of the scenario format)")


def scenario_from_dict(data: dict, source: str = "<scenario>", lines: dict | None = None) -> Scenario:
    """Validate a dictionary (already parsed YAML) into a ``Scenario``; raise ``ScenarioError``."""
    lines = lines or {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(source, lines.get(()), "", "the top level must be a mapping of keys (name:, hours:, ...)")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path, line = _resolve(err["loc"], lines)
            field = format_path(path)
            if err["type"] == "extra_forbidden" and tuple(err["loc"]) != path:
                field = format_path(path + (err["loc"][-1],))
            problems.append(Problem(source, line, field, _clean(err["msg"])))
        raise ScenarioError(problems) from None
    errors, _ = check_scenario(scenario)
    if errors:
        raise ScenarioError([Problem(source, lines.get(p), format_path(p), m) for p, m in errors])
    return scenario


def scenario_warnings(scenario: Scenario) -> list[str]:
    """Human-readable warnings (legal but probably unintended settings)."""
    return [f"{format_path(p)}: {m}" for p, m in check_scenario(scenario)[1]]


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and freeze a scenario YAML file.

    Raises
    ------
    ScenarioError
        With one :class:`Problem` per finding (file, line, field, message).

    Examples
    --------
    >>> from pathlib import Path
    >>> s = load_scenario(Path(__file__).parents[1] / "scenarios" / "county_hall.yaml")
    >>> s.hours.open_min
    510.0
    """
    source = str(path)
    p = Path(path)
    if not p.exists():
        raise ScenarioError([Problem(source, None, "", "no such file")])
    if p.is_dir():
        raise ScenarioError([Problem(source, None, "", "is a folder, not a scenario file")])
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(source, None, "", f"cannot be read: {exc}")]) from None
    if not text.strip():
        raise ScenarioError([Problem(source, None, "", "the file is empty")])
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([Problem(source, mark.line + 1 if mark else None, "", f"invalid YAML: {reason}")]) from None
    lines: dict = {}
    duplicates: list = []
    if node is not None:
        _index_lines(node, (), lines, duplicates)
    if duplicates:
        raise ScenarioError([Problem(source, ln, format_path(pth), "key given twice") for pth, ln in duplicates])
    return scenario_from_dict(data, source, lines)
