"""A reader's reads: where their sidecars go, when a read opens, submitting and amending.

Each read keeps its sidecars in ``STUDY/reads/<reader>/<read>/``, so a re-read never
overwrites or shows the first. Read ``n`` > 1 opens once every case of read ``n - 1`` is
submitted and the washout has passed since the last of them. A submitted case is locked; an
amendment (with a reason, recorded with its time) reopens it until it is submitted again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from ho_annotate.errors import HoAnnotateError
from ho_annotate.study.model import Amendment, Case, Study, Submission
from ho_annotate.study.store import load_study, update_study
from ho_annotate.study.times import now, parse, stamp

__all__ = [
    "amend_case",
    "case_image",
    "current_read",
    "opens_at",
    "read_folder",
    "sidecar_for",
    "submit_case",
    "worklist",
]


def _reads(study: Study, reader: str) -> int:
    if reader not in study.orders:
        known = ", ".join(study.orders)
        raise HoAnnotateError(f"no reader {reader!r} in this study; its readers: {known}")
    return study.reads_of(reader)


def _check_read(study: Study, reader: str, read: int) -> None:
    if not 1 <= read <= _reads(study, reader):
        raise HoAnnotateError(f"{reader} has reads 1 to {study.reads_of(reader)}, not {read}")


def read_folder(study_dir: str | Path, reader: str, read: int) -> Path:
    """``STUDY/reads/<reader>/<read>/`` (made when missing)."""
    _check_read(load_study(study_dir), reader, read)
    folder = Path(study_dir) / "reads" / reader / str(read)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _case(study: Study, label: str) -> Case:
    found = next((c for c in study.cases if c.case == label), None)
    if found is None:
        raise HoAnnotateError(f"no case {label!r} in this study")
    return found


def case_image(study_dir: str | Path, label: str) -> Path:
    """The image file of a case."""
    return (Path(study_dir) / _case(load_study(study_dir), label).path).resolve()


def sidecar_for(study_dir: str | Path, reader: str, read: int, label: str) -> Path:
    """Where ``reader``'s sidecar of a case goes in that read."""
    from ho_annotate.annotations.naming import sidecar_path

    image = case_image(study_dir, label)
    return read_folder(study_dir, reader, read) / sidecar_path(image, reader).name


def worklist(study: Study, reader: str, read: int) -> list[str]:
    """The case labels of one read in that reader's order."""
    _check_read(study, reader, read)
    return list(study.orders[reader][read - 1])


def opens_at(study: Study, reader: str, read: int) -> datetime | None:
    """When ``read`` opens: the study's creation for the first read; for a re-read the last
    submission of the previous read plus the washout; ``None`` while that read is unfinished."""
    _check_read(study, reader, read)
    if read == 1:
        return parse(study.created)
    previous = study.submitted(reader, read - 1)
    if len(previous) < len(study.cases):
        return None
    last = max(parse(s.submitted_at) for s in previous.values())
    return last + timedelta(days=study.washout_days)


def current_read(study: Study, reader: str, *, at: datetime | None = None) -> int:
    """The read ``reader`` works on now: the earliest not finished (a case not submitted, or
    reopened by an amendment) whose washout has passed. Raises when none is open, saying when
    the next one opens."""
    moment = at or now()
    for read in range(1, _reads(study, reader) + 1):
        done = study.submitted(reader, read)
        if len(done) == len(study.cases) and all(s.locked for s in done.values()):
            continue
        opening = opens_at(study, reader, read)
        if opening is None:
            raise HoAnnotateError(
                f"{reader}'s read {read} opens after read {read - 1} is submitted in full"
            )
        if opening > moment:
            raise HoAnnotateError(
                f"{reader}'s read {read} is not open yet: it opens {stamp(opening)} (after the "
                f"{study.washout_days:g}-day washout)"
            )
        return read
    raise HoAnnotateError(f"{reader} has submitted every case of every read; nothing to read")


def submit_case(
    study_dir: str | Path,
    reader: str,
    read: int,
    label: str,
    *,
    reading_seconds: float,
    when: datetime | None = None,
) -> Submission:
    """Lock a case of a read: its sidecar must exist; a locked case must be amended first."""
    at = when or now()
    sidecar = sidecar_for(study_dir, reader, read, label)
    if not sidecar.is_file():
        raise HoAnnotateError(f"{sidecar}: no annotations to submit for {label}")
    if not reading_seconds >= 0:
        raise HoAnnotateError("the reading time must be zero seconds or more")

    def change(study: Study) -> Submission:
        opening = opens_at(study, reader, read)
        if opening is None or at < opening:
            when_text = "after the previous read" if opening is None else stamp(opening)
            raise HoAnnotateError(f"{reader}'s read {read} is not open yet (opens {when_text})")
        cases = study.submissions.setdefault(reader, {}).setdefault(str(read), {})
        old = cases.get(label)
        if old is not None and old.locked:
            raise HoAnnotateError(
                f"{label} of {reader}'s read {read} is submitted and locked; amend it first"
            )
        seconds = reading_seconds + (old.reading_seconds if old is not None else 0.0)
        amendments = old.amendments if old is not None else []
        cases[label] = Submission(
            submitted_at=stamp(at), reading_seconds=seconds, amendments=amendments
        )
        return cases[label]

    return update_study(study_dir, change)


def amend_case(
    study_dir: str | Path,
    reader: str,
    read: int,
    label: str,
    *,
    reason: str,
    when: datetime | None = None,
) -> Amendment:
    """Reopen a submitted case for an amendment, recording the reason and the time."""
    at = when or now()
    if not reason.strip():
        raise HoAnnotateError("an amendment needs a reason")

    def change(study: Study) -> Amendment:
        _case(study, label)
        old = study.submitted(reader, read).get(label)
        if old is None:
            raise HoAnnotateError(f"{label} of {reader}'s read {read} is not submitted")
        amendment = Amendment(at=stamp(at), reason=reason.strip())
        old.amendments.append(amendment)
        return amendment

    return update_study(study_dir, change)
