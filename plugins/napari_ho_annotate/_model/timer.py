"""Active reading time: the time between a reader's actions, idle stretches left out."""

from __future__ import annotations

import time
from collections.abc import Callable

#: A pause longer than this (seconds) between two actions counts as idle, not reading.
IDLE_S = 60.0


class ActiveTimer:
    """Sum of the intervals between consecutive actions that are no longer than ``idle_s``.

    Call ``activity()`` on every action of the reader (an edit, a key, a click). ``clock`` is
    injectable so tests need no waiting.
    """

    def __init__(self, idle_s: float = IDLE_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_s = idle_s
        self._clock = clock
        self._last: float | None = None
        self._total = 0.0
        self.running = True

    def activity(self) -> None:
        """The reader did something now."""
        if not self.running:
            return
        now = self._clock()
        if self._last is not None and now - self._last <= self.idle_s:
            self._total += now - self._last
        self._last = now

    def stop(self) -> None:
        """Stop counting (e.g. the case was submitted); a later ``start`` begins afresh."""
        self.activity()
        self.running = False
        self._last = None

    def start(self) -> None:
        self.running = True

    @property
    def active_s(self) -> float:
        """Seconds of active reading so far."""
        return self._total
