"""A benchmark's child process: its CPU time, and the phases ``phase_driver.py`` reports."""

from __future__ import annotations

import json
import resource
import subprocess


def run_child(cmd: list[str], **kwargs) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``cmd`` (``subprocess.run`` keywords pass through); the finished process and its CPU seconds.

    The CPU is user + system time of the child and of the processes it waited for
    (``resource.getrusage(RUSAGE_CHILDREN)`` before and after).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def phases_of(stderr: str) -> dict | None:
    """The seconds per timed function from ``phase_driver.py``'s ``PHASES {json}`` line, or None without one."""
    line = next((ln for ln in stderr.splitlines() if ln.startswith("PHASES ")), None)
    return None if line is None else json.loads(line[len("PHASES "):])
