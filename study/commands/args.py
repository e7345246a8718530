"""Argument types shared by the ``queueplan`` subcommands (clear messages, exit code 2 from argparse)."""

from __future__ import annotations

import argparse


def _number(text: str, kind, what: str):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not {what}") from None


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    value = _number(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number >= 0."""
    value = _number(text, int, "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def positive_seconds(text: str) -> float:
    """A number of seconds > 0."""
    value = _number(text, float, "a number of seconds")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def futility_share(text: str) -> float:
    """A chance from 0 to 0.5 (the local search's futility threshold)."""
    value = _number(text, float, "a number")
    if not 0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"must be from 0 to 0.5, got {text}")
    return value


DEFAULT_WORKERS = 0  # one default for every subcommand: all cores (results do not depend on it)


def add_workers(parser: argparse.ArgumentParser) -> None:
    """The ``--workers`` option, with the same default and help in every subcommand."""
    parser.add_argument("--workers", type=non_negative_int, default=DEFAULT_WORKERS,
                        help="worker processes (default 0 = all cores; 1 = this process); results do not depend on it")
