"""What is wrong with a scenario file: one ``Problem`` per finding, all of them in a ``ScenarioError``."""

from __future__ import annotations

from dataclasses import dataclass


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
