"""``study status``: per reader and read, done/total, time spent, when the read opens."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ho_annotate.study.model import Study
from ho_annotate.study.reading import opens_at
from ho_annotate.study.store import load_study
from ho_annotate.study.times import now, stamp

__all__ = ["format_status", "study_status"]


def study_status(study: Study | str | Path, *, at: datetime | None = None) -> dict[str, Any]:
    """The progress of every reader's reads as plain JSON types."""
    s = study if isinstance(study, Study) else load_study(study)
    moment = at or now()
    reads = []
    for reader in [*s.readers, *([s.reference] if s.reference else [])]:
        for read in range(1, s.reads_of(reader) + 1):
            done = s.submitted(reader, read)
            opening = opens_at(s, reader, read)
            reads.append(
                {
                    "reader": reader,
                    "read": read,
                    "reference": reader == s.reference,
                    "done": sum(sub.locked for sub in done.values()),
                    "total": len(s.cases),
                    "amended": sum(bool(sub.amendments) for sub in done.values()),
                    "reading_seconds": round(sum(x.reading_seconds for x in done.values()), 1),
                    "opens_at": stamp(opening) if opening is not None else None,
                    "open": opening is not None and opening <= moment,
                }
            )
    return {
        "cases": len(s.cases),
        "readers": s.readers,
        "reference": s.reference,
        "reads": s.reads,
        "washout_days": s.washout_days,
        "progress": reads,
    }


def format_status(status: dict[str, Any]) -> str:
    """The status as a table for the terminal."""
    lines = [
        f"{status['cases']} cases, readers {', '.join(status['readers'])}"
        + (f", reference {status['reference']}" if status["reference"] else "")
        + f", {status['reads']} reads, washout {status['washout_days']:g} days",
        f"{'reader':<16} {'read':>4} {'done':>9} {'amended':>7} {'minutes':>8}  opens",
    ]
    for r in status["progress"]:
        opens = r["opens_at"] or "after the previous read"
        opens = "open" if r["open"] else opens
        lines.append(
            f"{r['reader']:<16} {r['read']:>4} {r['done']:>4}/{r['total']:<4} {r['amended']:>7}"
            f" {r['reading_seconds'] / 60:>8.1f}  {opens}"
        )
    return "\n".join(lines) + "\n"
