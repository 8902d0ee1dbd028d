"""``study.json``: one reading study's design and progress (msgspec structs).

Images are named by SOP Instance UID and by path relative to the study folder (they stay where
they are, read-only); readers see only the neutral case labels. Each reader has, per read, a
seeded random case order. ``submissions[reader][read][case]`` records when a case was
submitted, the active reading time, and any amendments (each with its time and reason).
"""

from __future__ import annotations

import msgspec

__all__ = ["FORMAT", "VERSION", "Amendment", "Case", "Study", "Submission"]

FORMAT = "ho-annotate-study"
VERSION = 1


class Case(msgspec.Struct, frozen=True, kw_only=True):
    """One image of the study under its neutral label."""

    case: str
    sop_instance_uid: str
    path: str


class Amendment(msgspec.Struct, kw_only=True):
    """A reopened case: when and why."""

    at: str
    reason: str


class Submission(msgspec.Struct, kw_only=True):
    """A submitted (locked) case of one read."""

    submitted_at: str
    reading_seconds: float
    amendments: list[Amendment] = msgspec.field(default_factory=list)

    @property
    def locked(self) -> bool:
        """Locked unless reopened by an amendment since it was last submitted."""
        return not self.amendments or self.amendments[-1].at <= self.submitted_at


class Study(msgspec.Struct, kw_only=True):
    """The whole ``study.json``."""

    format: str = FORMAT
    version: int = VERSION
    created: str
    seed: int
    reads: int
    washout_days: float
    readers: list[str]
    reference: str | None = None
    cases: list[Case]
    #: ``orders[reader][read - 1]``: that read's case labels in reading order.
    orders: dict[str, list[list[str]]]
    #: ``submissions[reader][str(read)][case]``.
    submissions: dict[str, dict[str, dict[str, Submission]]] = msgspec.field(default_factory=dict)

    def reads_of(self, reader: str) -> int:
        """How many reads ``reader`` makes (the reference reads once)."""
        return len(self.orders[reader])

    def submitted(self, reader: str, read: int) -> dict[str, Submission]:
        return self.submissions.get(reader, {}).get(str(read), {})
