"""Row and column names of the project's MILPs: readable, and never the same for two rows or two columns.

Names are joined from scenario codes (``windows_{station}_{group}_{HHMM}``, ``cover_{station}_{skill}_{HHMM}``,
``x_{staff type}_{pattern}_{station}``), and codes may contain ``_`` and ``-``, which PuLP writes as ``_`` (with
``+[] >/``). So two different rows can read alike: the seats of station ``counter``'s window group ``green`` and
the ordinary seats of a station ``counter_green``; skill ``b_c`` at station ``a`` and skill ``c`` at station
``a_b``; stations ``a-b`` and ``a_b``. PuLP refuses a second row of a name ("overlapping constraint names"),
and an LP file a second column of a name. :class:`NamedProblem` keeps the first of each name as it is and
gives a later one that would read the same a suffix ``~2``, ``~3`` ... (no code contains ``~``, and PuLP and
the solvers take it), in the order the model adds them, so the same model always gets the same names. Code
that looks a row up later keeps the row (or the name PuLP gave it, ``row.name``), not a name rebuilt from codes.
"""

from __future__ import annotations

import pulp

# the characters PuLP writes as "_" in a name (pulp.LpElement.illegal_chars)
_AS_PULP_WRITES = str.maketrans({c: "_" for c in getattr(pulp.LpElement, "illegal_chars", "-+[] ->/")})


class UniqueNames:
    """``name`` the first time it (as PuLP writes it) is asked for, then ``name~2``, ``name~3`` ..."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, name: str) -> str:
        key = name.translate(_AS_PULP_WRITES)
        n = self._seen.get(key, 0) + 1
        self._seen[key] = n
        return name if n == 1 else f"{name}~{n}"


class NamedProblem(pulp.LpProblem):
    """A :class:`pulp.LpProblem` whose named rows and columns get unique names (module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unique_name = UniqueNames()

    def addConstraint(self, constraint, name=None):   # noqa: N802 (PuLP's name)
        return super().addConstraint(constraint, None if name is None else self.unique_name(name))

    if hasattr(pulp.LpProblem, "add_variable"):      # PuLP 3.3; older PuLP makes variables apart from problems
        def add_variable(self, name, *args, **kwargs):
            return super().add_variable(self.unique_name(name), *args, **kwargs)


def new_column(prob: pulp.LpProblem, name: str, cat: str = "Continuous", up: float | None = None) -> pulp.LpVariable:
    """A column >= 0 of ``prob`` (PuLP 3.3 attaches it; older PuLP makes a plain ``LpVariable``), named uniquely
    in a :class:`NamedProblem`."""
    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, lowBound=0, upBound=up, cat=cat)
    unique = getattr(prob, "unique_name", None)
    return pulp.LpVariable(name if unique is None else unique(name), lowBound=0, upBound=up, cat=cat)
