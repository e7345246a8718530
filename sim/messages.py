"""Messages in two languages: a code, its parameters and one template per language.

A :class:`Message` is a ``str``, its English text, so that scripts, logs and
old callers read it as before; it also carries ``code`` and ``params``, and
``message.text("zh")`` renders the Chinese template with the same
parameters. Parameters are plain values (numbers already formatted as the
message shows them, ids, clock times), other messages (rendered in the same
language) or lists of messages (joined with "; " or "；").

Catalogues map a code to ``(English, Chinese)`` templates with ``{name}``
fields and no format specs, so that a parameter read back from JSON or from
an English text renders the same. This module holds the simulator's
messages; other packages add theirs with :func:`register` when imported
(``optimise.messages``).

For JSON, :meth:`Message.as_dict` gives ``{"code", "params", "text",
"text_zh"}``. A message that passed through a table column as English text
(the MILP's binding reasons) is read back by :func:`parse`; :func:`translate`
renders any English text in the language asked, part by part (``"; "``),
leaving what no template matches as it is.

Examples
--------
>>> m = Message("hall.station_unstaffed", station="inspection")
>>> m
'nobody is rostered at inspection'
>>> m.text("zh")
'inspection 没有排班人员'
>>> parse("nobody is rostered at inspection").text("zh")
'inspection 没有排班人员'
"""

from __future__ import annotations

import re
import string

LANGUAGES = ("en", "zh")
JOIN = {"en": "; ", "zh": "；"}

CATALOGUE: dict[str, tuple[str, str]] = {
    # why a hall (or part of it) serves nobody (sim.plausibility)
    "hall.roster_empty": ("nobody is rostered (the roster is empty)", "没有排班人员（排班表为空）"),
    "hall.roster_zero": ("nobody is rostered (every roster count is zero)", "没有排班人员（所有排班人数均为零）"),
    "hall.all_absent": ("everyone is absent (every rostered staff type has absence_probability 1)",
                        "所有人都缺勤（每个排班人员类型的 absence_probability 均为 1）"),
    "hall.station_unstaffed": ("nobody is rostered at {station}", "{station} 没有排班人员"),
    "hall.no_tickets_possible": ("no walk-in arrives while tickets are issued", "取号时段内没有现场到达的群众"),
    # plausibility warnings (sim.plausibility, sim.checks)
    "warn.nobody_served": ("{reason}, so no citizen will be served", "{reason}，因此不会有群众得到服务"),
    "warn.station_unserved": ("{reason}: citizens who need it will not be served",
                              "{reason}：需要该站点的群众将得不到服务"),
    "warn.no_tickets": ("{reason}: the day has no tickets", "{reason}：当天没有人取号"),
    "warn.percent_multiplier": ("{factor} multiplies the day's volume by {factor}; if a percentage was meant, "
                                "write {fraction}",
                                "{factor} 会把当天的业务量乘以 {factor}；如果本意是百分比，请写 {fraction}"),
    "warn.volume_factor": ("together the multipliers scale the volume by {factor}",
                           "各乘数合计把业务量放大为原来的 {factor} 倍"),
    "warn.work_far": ("the day brings about {offered} minutes of work, {ratio} times the {staffed} staffed "
                      "minutes of the roster",
                      "当天约有 {offered} 分钟的工作量，是排班在岗时间（{staffed} 分钟）的 {ratio} 倍"),
    "warn.station_gap": ("nobody is scheduled at {station} during part of the ticket hours ({spans})",
                         "取号时段内有部分时间 {station} 无人在岗（{spans}）"),
    "warn.shifts_end_early": ("every rostered shift ends by {end}, before the last ticket at {last_ticket}",
                              "所有排班的班次都在 {end} 前结束，早于最后取号时间 {last_ticket}"),
    "warn.step_unrostered": ("nobody on the roster can do this step at '{station}'",
                             "排班中没有人能在“{station}”办理这一步"),
    "warn.at_field": ("{field}: {message}", "{field}：{message}"),
    # notes of a run (study.analysis.summary)
    "run.no_ticket": ("no citizen got a ticket", "没有群众取到号"),
    "run.no_ticket_because": ("no citizen got a ticket: {reasons}", "没有群众取到号：{reasons}"),
    "run.none_served": ("no citizen was served", "没有群众得到服务"),
    "run.none_served_because": ("no citizen was served: {reasons}", "没有群众得到服务：{reasons}"),
    "run.note": ("note: {reason}", "注意：{reason}"),
}


def register(catalogue: dict[str, tuple[str, str]]) -> None:
    """Add a package's messages; a code given twice with other templates is a programming error."""
    for code, templates in catalogue.items():
        if CATALOGUE.get(code, templates) != templates:
            raise ValueError(f"message code {code!r} is already registered with other templates")
        CATALOGUE[code] = templates
    _PATTERNS.clear()


def fields(template: str) -> list[str]:
    """The ``{name}`` fields of ``template``, in order."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _render_value(value, lang: str) -> str:
    if isinstance(value, Message):
        return value.text(lang)
    if isinstance(value, (list, tuple)):
        return JOIN[lang].join(_render_value(v, lang) for v in value)
    if lang != "en" and isinstance(value, str):
        return translate(value, lang)
    return str(value)


def render(code: str, params: dict, lang: str = "en") -> str:
    """The text of message ``code`` with ``params`` in ``lang`` (``en`` or ``zh``)."""
    template = CATALOGUE[code][LANGUAGES.index(lang)]
    return template.format(**{k: _render_value(v, lang) for k, v in params.items()})


def _plain(value):
    """A parameter as JSON: messages as ``{"code", "params"}``, lists element-wise."""
    if isinstance(value, Message):
        return {"code": value.code, "params": {k: _plain(v) for k, v in value.params.items()}}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class Message(str):
    """A catalogued message: its English text as a ``str``, with ``code`` and ``params`` (module docstring)."""

    code: str
    params: dict

    def __new__(cls, code: str, **params):
        if code not in CATALOGUE:
            raise KeyError(f"no message {code!r} in the catalogue")
        obj = super().__new__(cls, render(code, params, "en"))
        obj.code, obj.params = code, params
        return obj

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (``en`` or ``zh``)."""
        return str(self) if lang == "en" else render(self.code, self.params, lang)

    def as_dict(self) -> dict:
        """``{"code", "params", "text", "text_zh"}`` for JSON."""
        return {"code": self.code, "params": _plain(self.params), "text": str(self), "text_zh": self.text("zh")}

    def __reduce__(self):        # pickled (worker processes) and copied by code and parameters, not by text
        return (_restore, (self.code, self.params))


def _restore(code: str, params: dict) -> Message:
    return Message(code, **params)


_PATTERNS: list[tuple[str, re.Pattern]] = []


def _patterns() -> list[tuple[str, re.Pattern]]:
    if not _PATTERNS:
        for code, (en, _) in CATALOGUE.items():
            regex = "".join(re.escape(lit) + (f"(?P<{name}>.+?)" if name is not None else "")
                            for lit, name, _, _ in string.Formatter().parse(en))
            if regex.count("(?P<") == len(set(fields(en))):      # a field used twice: not read back
                _PATTERNS.append((code, re.compile(regex + r"\Z", re.S)))
        literal = {code: sum(len(lit) for lit, *_ in string.Formatter().parse(CATALOGUE[code][0]))
                   for code, _ in _PATTERNS}
        _PATTERNS.sort(key=lambda cp: -literal[cp[0]])          # the most specific template first
    return _PATTERNS


def parse(text: str) -> Message | None:
    """The message whose English template produces ``text`` (parameters as strings), or None."""
    if isinstance(text, Message):
        return text
    for code, pattern in _patterns():
        m = pattern.match(str(text))
        if m:
            return Message(code, **m.groupdict())
    return None


def translate(text, lang: str) -> str:
    """``text`` in ``lang``: a message as such, a known English text through :func:`parse` (part by part)."""
    if isinstance(text, Message):
        return text.text(lang)
    text = str(text)
    if lang == "en":
        return text
    m = parse(text)
    if m is not None:
        return m.text(lang)
    if JOIN["en"] in text:
        parts = text.split(JOIN["en"])
        translated = [translate(p, lang) for p in parts]
        if translated != parts:
            return JOIN[lang].join(translated)
    return text


def from_dict(d: dict) -> Message:
    """The message of an ``as_dict()`` (or ``{"code", "params"}``) read back from JSON."""
    def value(v):
        if isinstance(v, dict) and "code" in v:
            return from_dict(v)
        if isinstance(v, list):
            return [value(x) for x in v]
        return v
    return Message(d["code"], **{k: value(v) for k, v in d.get("params", {}).items()})


def shown(d: dict, key: str, lang: str) -> list[str]:
    """The texts under ``key`` of a JSON dict in ``lang``: ``key_zh`` when written, else ``key`` translated."""
    if lang != "en" and isinstance(d.get(f"{key}_{lang}"), list):
        return [str(x) for x in d[f"{key}_{lang}"]]
    return [translate(x, lang) for x in d.get(key) or []]


def bilingual(key: str, messages) -> dict:
    """``{key: English texts, key_zh: Chinese texts, key_messages: codes and parameters}`` for a JSON file."""
    messages = list(messages)
    return {key: [str(m) for m in messages], f"{key}_zh": [translate(m, "zh") for m in messages],
            f"{key}_messages": [m.as_dict() if isinstance(m, Message) else {"text": str(m)} for m in messages]}
