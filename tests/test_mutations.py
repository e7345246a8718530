"""Mutation test: random realistic mistakes in the shipped scenarios are accepted and run, or refused clearly.

Each mutant (``tests/mutations.py``: a deleted key, an out-of-range or
wrong-typed number, a bad clock string, a renamed reference, a duplicated
key, broken indentation) goes through ``queueplan validate`` in-process and,
if accepted, a one-replication ``queueplan run`` that must write a complete
folder with valid JSON. A refusal must be exit 2 with ``error: FILE, line N:
FIELD: MESSAGE`` (YAML syntax errors: file and line), or the run-size limit.
Never a traceback or another exit code; each mutant has 120 s (a hang fails).
The default run takes 105 mutants; ``-m slow`` takes 600 and prints the
counts (also ``python -m tests.mutations 600``).
"""

from __future__ import annotations

import collections
import signal

import pytest

from study.cli import main

from .mutations import KINDS, mutants, run_mutant


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def _check(n: int, tmp_path, capsys, limit_s: int = 120) -> collections.Counter:
    counts = collections.Counter()
    bad = []
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for kind, name, text in mutants(n):
            signal.alarm(limit_s)
            try:
                verdict, err = run_mutant(text, tmp_path, name, main, lambda: capsys.readouterr())
            except Hang:
                verdict, err = "bad: hang", ""
            finally:
                signal.alarm(0)
            group = verdict.split(":")[0]
            counts[group] += 1
            counts[(kind, group)] += 1
            if group == "bad":
                bad.append(f"{name}: {verdict}: {err[:400]}")
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert not bad, "\n".join(bad)
    for kind in KINDS:
        assert sum(v for k, v in counts.items() if isinstance(k, tuple) and k[0] == kind) > 0
    return counts


def _report(n: int, counts: collections.Counter) -> str:
    lines = [f"{n} mutants: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if isinstance(k, str))]
    for kind in KINDS:
        lines.append(f"  {kind:<18} " + ", ".join(f"{g} {v}" for (kk, g), v in sorted(
            ((k, v) for k, v in counts.items() if isinstance(k, tuple))) if kk == kind))
    return "\n".join(lines)


def test_mutants_are_accepted_or_refused_clearly(tmp_path, capsys):
    counts = _check(105, tmp_path, capsys)
    assert counts["refused"] > 0 and counts["refused_yaml"] > 0


@pytest.mark.slow
def test_six_hundred_mutants(tmp_path, capsys):
    counts = _check(600, tmp_path, capsys)
    with capsys.disabled():
        print("\n" + _report(600, counts))
