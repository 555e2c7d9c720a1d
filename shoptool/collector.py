"""Run a big command's work without Python's cyclic garbage collector.

A sending run or a report builds tens of thousands of rows, drafts and decisions that live until
the run ends. The cyclic collector is triggered by allocations, and each of its full collections
walks every container still alive: on a million-order shop a cron run sending 80,000 reminders
made 13 full collections that cost 2.0 s of its ~7.5 s, and freed nothing (the run's objects are
freed by reference counting when it ends; it makes no cycles worth collecting).

Pausing is scoped and nests: the collector runs again when the outermost pause ends, and its
usual thresholds then collect whatever cycles the work did leave (an exception's traceback, say).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    if not gc.isenabled():  # already paused by a caller (or by the embedding program): leave it so
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
