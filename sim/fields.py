"""Field types shared by every part of the scenario schema.

``Frozen`` is the base of every scenario model: immutable, unknown keys
rejected, strict types (YAML already gives real numbers and booleans, so
``windows: true`` is a mistake, not 1), no infinities. ``Clock`` turns a
clock string "HH:MM" into minutes since midnight and back.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from .clock import CLOCK_PATTERN, format_clock, parse_clock

Clock = Annotated[
    float,
    BeforeValidator(parse_clock),
    PlainSerializer(format_clock, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": CLOCK_PATTERN, "description": 'clock time "HH:MM"'}),
]
Share = Annotated[float, Field(ge=0, le=1)]
Probability = Annotated[float, Field(ge=0, le=1)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$")]


class Frozen(BaseModel):
    # strict: YAML already gives real types, so `windows: true` or `count: "3"` are mistakes, not 1 and 3.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class TimeSpan(Frozen):
    """A span of the day [start, end)."""

    start: Clock
    end: Clock
