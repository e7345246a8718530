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
from pathlib import Path

import yaml
from pydantic import ValidationError

from .bounds import MAX_FILE_BYTES
from .checks import check_scenario
from .messages import Message
from .problems import Problem, ScenarioError
from .scenario import Scenario
from .week_days import check_week


class ScenarioLoader(yaml.SafeLoader):
    """Safe loader without base-60 integers, so 14:00 stays the string "14:00"."""


ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(0|[1-9][0-9_]*)$"), list("-+0123456789")
)
ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$"),
    list("-+0123456789."),
)


def _construct_mapping(loader, node, deep=False):
    """Mapping keys are kept as written: ``2:`` is the key "2" and ``NO:`` the key "NO", not 2 or False."""
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
    out = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else loader.construct_object(key_node, deep=deep)
        try:
            out[key] = loader.construct_object(value_node, deep=deep)
        except TypeError:  # an unhashable (sequence or mapping) key
            raise yaml.constructor.ConstructorError(None, None, "a key must be a plain name", key_node.start_mark)
    return out


ScenarioLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def format_path(path: tuple) -> str:
    """``("services", "VIO", "steps", 0)`` -> ``services.VIO.steps[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _index_lines(node, path: tuple, lines: dict, duplicates: list, seen_nodes: set | None = None) -> None:
    """Record the 1-based line of every key and item, and any duplicate keys.

    A node reached again through an alias is not walked again (that would
    loop forever on a self-referring alias and blow up on alias bombs).
    """
    seen_nodes = set() if seen_nodes is None else seen_nodes
    lines[path] = node.start_mark.line + 1
    if id(node) in seen_nodes:
        return
    seen_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                duplicates.append((path + (key,), key_node.start_mark.line + 1))
            seen.add(key)
            _index_lines(value_node, path + (key,), lines, duplicates, seen_nodes)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, path + (i,), lines, duplicates, seen_nodes)


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


_MESSAGES = {
    "extra_forbidden": "unknown key (not part of the scenario format)",
    "string_pattern_mismatch": "must start with a letter and use only letters, digits, '_' and '-'",
    "finite_number": "must be a finite number",
}


def _clean(err: dict) -> str:
    if err["type"] == "missing":
        return f"'{err['loc'][-1]}' is missing (this key is required)"
    if err["type"] in _MESSAGES:
        return _MESSAGES[err["type"]]
    return re.sub(r"^(Value error|Assertion failed), ", "", err["msg"])


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
            loc = tuple(err["loc"])
            if err["type"] in ("extra_forbidden", "missing") and loc and (not path or path[-1] != loc[-1]):
                path = path + (loc[-1],)  # name the key itself, which is not (or not validly) in the file
            problems.append(Problem(source, line, format_path(path), _clean(err)))
        raise ScenarioError(problems) from None
    errors, _ = check_scenario(scenario)
    if not errors and (scenario.horizon is not None or scenario.staff_list is not None):
        errors = check_week(scenario, build=scenario_from_dict)  # the days are built and checked by this function
    if errors:
        raise ScenarioError([Problem(source, _line(lines, p), format_path(p), m) for p, m in errors])
    return scenario


def _line(lines: dict, path: tuple) -> int | None:
    """The line of ``path``, or of its nearest ancestor in the document (a key the planner left out)."""
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path)


def scenario_warnings(scenario: Scenario) -> list[Message]:
    """Human-readable warnings (legal but probably unintended settings), "field: message".

    Each is a :class:`sim.messages.Message`: its English text, and ``.text("zh")``.
    """
    from .plausibility import plausibility_warnings

    findings = check_scenario(scenario)[1] + plausibility_warnings(scenario)
    return [Message("warn.at_field", field=format_path(p), message=m) if p else m for p, m in findings]


def _yaml_problem(source: str, exc: yaml.YAMLError) -> Problem:
    """A YAML syntax error, placed where the planner has to look."""
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context", None) or ""
    context_mark = getattr(exc, "context_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    if context_mark is not None and context.startswith("while parsing a flow"):
        opener = "{" if "mapping" in context else "["
        return Problem(source, context_mark.line + 1, "",
                       f"invalid YAML: the '{opener}' opened here is not closed properly ({reason})")
    if "found character '\\t'" in reason:
        reason = "a tab is used for indentation (use spaces)"
    return Problem(source, mark.line + 1 if mark else None, "", f"invalid YAML: {reason}")


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
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError([Problem(source, None, "", f"is {size / 1e6:.1f} MB; a scenario file is at most "
                                                           f"{MAX_FILE_BYTES / 1e6:.0f} MB (not read)")])
        raw = p.read_bytes()
    except OSError as exc:
        raise ScenarioError([Problem(source, None, "", f"cannot be read: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ScenarioError([Problem(source, line, "", f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} in this "
                                                       "line); save the file as UTF-8")]) from None
    if not text.strip():
        raise ScenarioError([Problem(source, None, "", "the file is empty")])
    try:
        node = yaml.compose(text, Loader=ScenarioLoader)
        data = yaml.load(text, Loader=ScenarioLoader)
    except yaml.YAMLError as exc:
        raise ScenarioError([_yaml_problem(source, exc)]) from None
    except RecursionError:
        raise ScenarioError([Problem(source, None, "", "invalid YAML: an alias refers to itself")]) from None
    if data is None:
        raise ScenarioError([Problem(source, None, "", "the file is empty (it holds only comments)")])
    lines: dict = {}
    duplicates: list = []
    _index_lines(node, (), lines, duplicates)
    if duplicates:
        raise ScenarioError([Problem(source, ln, format_path(pth), "key given twice") for pth, ln in duplicates])
    return scenario_from_dict(data, source, lines)
