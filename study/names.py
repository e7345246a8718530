"""Human names of targets and scenario items, in English or Chinese.

A target reads as what it asks for, e.g. ``80% called within 20 min`` /
``20分钟内叫号率≥80%``, generated from its definition (kind, fraction,
wait, station, step); a scenario may override it with ``label`` (English)
and ``label_zh`` (Chinese). Stations, service types, staff types, classes,
window groups and shift patterns carry an optional ``label`` and
``label_zh``; :func:`item_label` picks the one for the language asked for,
falling back to the other language and then to the code.

Everything here works on the scenario as stored in a run folder
(``manifest.json``: plain mappings), so pages and tables of old runs, whose
targets have no ``label``, still get names.

Examples
--------
>>> target_name({"id": "sl20", "kind": "service_level", "fraction": 0.8, "wait_min": 20}, "en")
'80% called within 20 min'
>>> target_name({"id": "sl20", "kind": "service_level", "fraction": 0.8, "wait_min": 20}, "zh")
'20分钟内叫号率≥80%'
>>> target_name({"id": "w", "kind": "mean_wait", "max_min": 15, "label_zh": "平均等待短"}, "zh")
'平均等待短'
"""

from __future__ import annotations

from sim.costs import DEFAULT_CURRENCY
from sim.scenario import IMPLICIT_UNSERVED_ID

from .i18n import check_lang

DEFAULT_UNSERVED_LIMIT = 0.005  # sim.scenario.Scenario.unserved_limit's default, for folders whose scenario omits it


def share_text(fraction) -> str:
    """A share as a percentage with no needless decimals: 0.8 -> ``80%``, 0.005 -> ``0.5%``."""
    value = 100 * float(fraction)
    return f"{value:.0f}%" if abs(value - round(value)) < 1e-9 else f"{value:.3g}%"


def _minutes(value) -> str:
    return f"{float(value):g}"


def item_label(item: dict | None, lang: str, code: str = "") -> str:
    """The label of a scenario item (station, service type ...) in ``lang``: ``label_zh`` or ``label``, else ``code``."""
    check_lang(lang)
    item = item if isinstance(item, dict) else {}
    first, second = ("label_zh", "label") if lang == "zh" else ("label", "label_zh")
    return str(item.get(first) or item.get(second) or code)


def scenario_text(scenario: dict, key: str, lang: str) -> str:
    """A free-text field of the scenario (``description``) in ``lang``: ``description_zh`` or ``description``."""
    check_lang(lang)
    first, second = (f"{key}_zh", key) if lang == "zh" else (key, f"{key}_zh")
    return str(scenario.get(first) or scenario.get(second) or "")


def _station(scenario: dict | None, code: str | None, lang: str) -> str:
    stations = (scenario or {}).get("stations") or {}
    return item_label(stations.get(code), lang, code or "")


def target_name(t: dict, lang: str, scenario: dict | None = None) -> str:
    """The human name of target ``t`` (a mapping as in a scenario) in ``lang``; its ``label``/``label_zh`` if given.

    ``scenario`` (optional) supplies station labels for targets judged at a
    station. Returns the target's id for a kind this module does not know.
    """
    check_lang(lang)
    override = t.get("label_zh") if lang == "zh" else t.get("label")
    return str(override) if override else target_definition(t, lang, scenario)


def target_definition(t: dict, lang: str, scenario: dict | None = None) -> str:
    """What target ``t`` asks for, in ``lang``, whatever its label says (e.g. "80% called within 20 min")."""
    check_lang(lang)
    kind = t.get("kind", "service_level")
    station = _station(scenario, t.get("station"), lang) if t.get("station") else ""
    every_step = t.get("step") == "any"
    zh = lang == "zh"
    if kind == "service_level":
        share, wait = share_text(t.get("fraction", 0)), _minutes(t.get("wait_min", 0))
        if zh:
            where = f"{station}" if station else ("每个环节" if every_step else "")
            return f"{where}{wait}分钟内叫号率≥{share}"
        where = f" at {station}" if station else (" at every step" if every_step else "")
        return f"{share} called{where} within {wait} min"
    if kind == "mean_wait":
        wait = _minutes(t.get("max_min", 0))
        if zh:
            where = f"{station}" if station else ("全程" if every_step else "")
            return f"{where}平均等待≤{wait}分钟"
        where = f" at {station}" if station else (" (all steps)" if every_step else "")
        return f"mean wait{where} ≤ {wait} min"
    if kind == "time_in_hall":
        limit = _minutes(t.get("max_min", 0))
        if t.get("fraction") is not None:
            share = share_text(t["fraction"])
            return f"{limit}分钟内办结率≥{share}" if zh else f"{share} done within {limit} min in the hall"
        return f"平均在厅时间≤{limit}分钟" if zh else f"mean time in the hall ≤ {limit} min"
    if kind == "max_abandonment":
        share = share_text(t.get("fraction", 0))
        return f"放弃率≤{share}" if zh else f"at most {share} give up waiting"
    if kind == "max_unserved":
        share = share_text(t.get("fraction", 0))
        return f"闭厅时未办结≤{share}" if zh else f"at most {share} still waiting at closing"
    return str(t.get("id", ""))


def target_scope(t: dict, lang: str) -> str:
    """``in every interval`` / ``over the day`` (``每个时段`` / ``全天``)."""
    day = t.get("scope") == "day"
    if lang == "zh":
        return "全天" if day else "每个时段"
    return "over the day" if day else "in every interval"


def target_names(scenario: dict, lang: str) -> dict[str, str]:
    """``{target id: human name}`` for every target of ``scenario`` (mappings as in ``manifest.json``)."""
    return {t["id"]: target_name(t, lang, scenario) for t in scenario.get("targets", []) or []
            if isinstance(t, dict) and "id" in t}


def target_specs(scenario: dict) -> dict[str, dict]:
    """``{target id: target mapping}`` of ``scenario`` (as in ``manifest.json``), the implicit unserved limit included.

    The limit (``unserved_limit``, default 0.005) is judged like a target when the scenario has targets and
    states no ``max_unserved`` target of its own (:attr:`sim.scenario.Scenario.checked_targets`).
    """
    specs = {t["id"]: t for t in scenario.get("targets", []) or [] if isinstance(t, dict) and "id" in t}
    limit = scenario.get("unserved_limit", DEFAULT_UNSERVED_LIMIT)
    if specs and limit is not None and IMPLICIT_UNSERVED_ID not in specs \
            and not any(t.get("kind") == "max_unserved" for t in specs.values()):
        specs[IMPLICIT_UNSERVED_ID] = {"id": IMPLICIT_UNSERVED_ID, "kind": "max_unserved", "fraction": limit,
                                       "scope": "day"}
    return specs


def cost_unit(unit: str, lang: str) -> str:
    """A cost unit as the page's language writes it: ``cost units/day`` -> ``成本单位/日`` in Chinese."""
    check_lang(lang)
    if lang != "zh":
        return unit
    return unit.replace(DEFAULT_CURRENCY, "成本单位").replace("/day", "/日")

