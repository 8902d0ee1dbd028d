"""A practice run: the student's copy of a set, their answers and the running score.

A run lives in its own folder::

    RUN/practice-run.json            the run file (resume it; an instructor collects it)
    RUN/cases/case_001.dcm           the presented radiographs (neutral names, stripped)
    RUN/cases/case_001.<reader>.ho.json   the student's annotations (ordinary sidecars)

The run file names no source file: a case points to its reference only through the image's
SOPInstanceUID, looked up in the set's references folder when the student submits.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import msgspec

from ho_annotate.annotations.model import AnnotationSet, Side, utc_now
from ho_annotate.annotations.naming import check_reader, sidecar_path
from ho_annotate.annotations.store import load_annotations
from ho_annotate.dicom.deidentify import UidMap
from ho_annotate.dicom.radiograph import read_header
from ho_annotate.errors import HoAnnotateError, SidecarError
from ho_annotate.files.atomic import atomic_write
from ho_annotate.practice.compare import DEFAULT_IOU, CaseComparison, compare_case
from ho_annotate.practice.present import present_case
from ho_annotate.practice.score import ScoreSummary, summarize
from ho_annotate.practice.sets import (
    RUN_FILE,
    default_references,
    find_references,
    find_set_cases,
)

CASES_DIR: Final = "cases"
__all__ = [
    "CASES_DIR",
    "RUN_FILE",
    "PracticeRun",
    "PracticeSession",
    "RunCase",
    "create_run",
    "load_run",
    "prepare_run",
    "run_order",
    "save_run",
]

RUN_KIND: Final = "ho-annotate practice run"
RUN_FORMAT_VERSION: Final = 1


class RunCase(msgspec.Struct, kw_only=True):
    """One presented case and, once submitted, the student's answer and its comparison."""

    name: str
    #: The presented image, relative to the run folder.
    image: str
    sop_instance_uid: str
    #: The source image's SOPInstanceUID: the key of its reference sidecar ("" in runs made
    #: before presented copies got new UIDs; then it equals ``sop_instance_uid``).
    source_sop_instance_uid: str = ""
    submitted: str | None = None
    #: Grades the student picked by hand per side (``None``: from their annotations).
    picked: dict[str, str | None] = msgspec.field(default_factory=dict)
    comparison: CaseComparison | None = None


class PracticeRun(msgspec.Struct, kw_only=True):
    """The practice-run file."""

    reader: str
    set_dir: str
    references_dir: str
    cases: list[RunCase]
    kind: str = RUN_KIND
    format_version: int = RUN_FORMAT_VERSION
    scheme: str = "brooker"
    iou_threshold: float = DEFAULT_IOU
    created: str = msgspec.field(default_factory=utc_now)
    modified: str = msgspec.field(default_factory=utc_now)
    #: Refreshed on every save so the file alone tells an instructor the score.
    summary: ScoreSummary | None = None


def save_run(run: PracticeRun, path: Path) -> None:
    """Write the run file atomically, with a fresh summary and modification time."""
    comparisons = [c.comparison for c in run.cases if c.comparison is not None]
    run.summary = summarize(comparisons, run.scheme)
    run.modified = utc_now()
    atomic_write(path, msgspec.json.format(msgspec.json.encode(run), indent=2) + b"\n")


def load_run(path: Path) -> PracticeRun:
    """Read a run file; a clear :class:`SidecarError` when it is not one."""
    try:
        run = msgspec.json.decode(path.read_bytes(), type=PracticeRun)
    except OSError as exc:
        raise SidecarError(f"{path}: cannot read the practice-run file ({exc})") from exc
    except msgspec.ValidationError as exc:
        raise SidecarError(f"{path}: not a valid practice-run file ({exc})") from exc
    except msgspec.DecodeError as exc:
        raise SidecarError(f"{path}: not JSON ({exc})") from exc
    if run.kind != RUN_KIND or run.format_version != RUN_FORMAT_VERSION:
        raise SidecarError(
            f"{path}: not a practice-run file of version {RUN_FORMAT_VERSION} "
            f"(kind {run.kind!r}, version {run.format_version}); start a new run in another "
            "folder"
        )
    return run


def create_run(
    set_dir: Path,
    run_dir: Path,
    *,
    reader: str,
    references_dir: Path | None = None,
    scheme: str = "brooker",
    iou_threshold: float = DEFAULT_IOU,
) -> PracticeSession:
    """Write a run file with no case yet (:meth:`PracticeSession.add_cases` presents them).

    Refuses a ``run_dir`` that already holds a run (resume it with :class:`PracticeSession`).
    """
    check_reader(reader)
    run_file = run_dir / RUN_FILE
    if run_file.exists():
        raise HoAnnotateError(f"{run_file}: a practice run already exists here; resume it")
    refs = references_dir or default_references(set_dir)
    run = PracticeRun(
        reader=reader,
        set_dir=str(set_dir.resolve()),
        references_dir=str(refs.resolve()),
        cases=[],
        scheme=scheme,
        iou_threshold=iou_threshold,
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    save_run(run, run_file)
    return PracticeSession(run_dir)


def run_order(count: int, seed: int) -> list[int]:
    """The order (indices into the set's cases sorted by path) a run of ``seed`` presents."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return order


def prepare_run(
    set_dir: Path,
    run_dir: Path,
    *,
    reader: str,
    references_dir: Path | None = None,
    scheme: str = "brooker",
    iou_threshold: float = DEFAULT_IOU,
    seed: int = 0,
) -> PracticeSession:
    """Present every case of a set in ``run_dir``, shuffled, and write a fresh run file.

    Refuses a ``run_dir`` that already holds a run (resume it with :class:`PracticeSession`).
    """
    check_reader(reader)
    if (run_dir / RUN_FILE).exists():  # refused before the set is read
        create_run(set_dir, run_dir, reader=reader)
    refs = references_dir or default_references(set_dir)
    sources = find_set_cases(set_dir, refs)
    session = create_run(
        set_dir,
        run_dir,
        reader=reader,
        references_dir=refs,
        scheme=scheme,
        iou_threshold=iou_threshold,
    )
    try:
        session.add_cases([sources[k].image for k in run_order(len(sources), seed)])
    except BaseException:
        session.path.unlink(missing_ok=True)  # no half-made run to resume
        raise
    return session


class PracticeSession:
    """A practice run opened from its folder: present, submit, compare, score, resume."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.path = run_dir / RUN_FILE
        self.run = load_run(self.path)
        self._uids = UidMap()  # one map per run: images of one study keep one (new) study UID

    def add_cases(self, images: list[Path], *, planned: int = 0) -> list[RunCase]:
        """Present ``images`` (a set's radiographs) as the next cases and save the run.

        ``planned`` (the number of cases the run will have) widens the names to fit it.
        """
        width = max(3, len(str(max(planned, len(self.run.cases) + len(images)))))
        added = []
        for image in images:
            name = f"case_{len(self.run.cases) + 1:0{width}d}"
            rel = f"{CASES_DIR}/{name}.dcm"
            uid, original = present_case(image, self.run_dir / rel, name, self._uids)
            case = RunCase(
                name=name, image=rel, sop_instance_uid=uid, source_sop_instance_uid=original
            )
            self.run.cases.append(case)
            added.append(case)
        if added:
            save_run(self.run, self.path)
        return added

    def case(self, name: str) -> RunCase:
        for c in self.run.cases:
            if c.name == name:
                return c
        raise HoAnnotateError(f"{self.path}: no case named {name!r}")

    def next_case(self) -> RunCase | None:
        """The first case not yet submitted, or ``None`` when the run is complete."""
        return next((c for c in self.run.cases if c.submitted is None), None)

    def image_path(self, case: RunCase) -> Path:
        return self.run_dir / case.image

    def answer_path(self, case: RunCase) -> Path:
        """Where the student's annotations of ``case`` are saved (an ordinary sidecar)."""
        return sidecar_path(self.image_path(case), self.run.reader)

    def load_answer(self, case: RunCase) -> AnnotationSet | None:
        path = self.answer_path(case)
        if not path.exists():
            return None
        return load_annotations(path, expected_sop_uid=case.sop_instance_uid)

    def reference(self, case: RunCase) -> AnnotationSet:
        """The reference reading, available only once the case is submitted."""
        if case.submitted is None:
            raise HoAnnotateError(f"{case.name}: the reference opens after you submit")
        source_uid = case.source_sop_instance_uid or case.sop_instance_uid
        found = find_references(Path(self.run.references_dir)).get(source_uid)
        if found is None:
            raise SidecarError(
                f"{self.run.references_dir}: no reference sidecar for {case.name} any more; "
                "put the set's reference sidecars back there"
            )
        reference = load_annotations(found, expected_sop_uid=source_uid)
        # Re-bound to the presented copy's new UID, which the student's answer carries.
        return msgspec.structs.replace(reference, sop_instance_uid=case.sop_instance_uid)

    def submit(
        self,
        case: RunCase,
        student: AnnotationSet | None,
        picked: Mapping[Side, str | None] | None = None,
    ) -> CaseComparison:
        """Record the student's answer, compare it with the reference and save the run.

        ``student`` defaults to nothing drawn; pass what the student annotated (also saved in
        :meth:`answer_path` by the caller). Submitting again replaces the earlier answer.
        """
        picked = dict(picked or {})
        header = read_header(self.image_path(case))
        case.submitted = utc_now()
        try:
            reference = self.reference(case)
        except HoAnnotateError:
            case.submitted = None
            raise
        case.picked = {side: grade for side, grade in picked.items()}
        case.comparison = compare_case(
            student,
            reference,
            header.spacing,
            picked=picked,
            scheme=self.run.scheme,
            iou_threshold=self.run.iou_threshold,
            case=case.name,
        )
        save_run(self.run, self.path)
        return case.comparison

    def summary(self) -> ScoreSummary:
        comparisons = [c.comparison for c in self.run.cases if c.comparison is not None]
        return summarize(comparisons, self.run.scheme)
