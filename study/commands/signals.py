"""SIGTERM handled like Ctrl-C: the command stops, temporary folders are removed, nothing half-written stays.

``terminate_as_interrupt()`` turns SIGTERM (``kill PID``, a container or
batch system stopping the job) into :class:`Terminated`, a
``KeyboardInterrupt``, for the duration of a command, so every ``finally``
and ``except BaseException`` cleanup (``study.runs.folders.run_folder``) runs as
it does for Ctrl-C. The previous handler is restored afterwards (commands
run in-process in tests). Outside the main thread it does nothing (Python
only lets the main thread set handlers).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM."""


def _raise(signum, frame):  # noqa: ARG001
    raise Terminated()


@contextmanager
def terminate_as_interrupt():
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
