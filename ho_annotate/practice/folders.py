"""Score a folder of student sidecars against a folder of reference sidecars."""

from __future__ import annotations

from pathlib import Path

import msgspec

from ho_annotate.annotations.model import AnnotationSet, Spacing
from ho_annotate.annotations.naming import SUFFIX as SIDECAR_SUFFIX
from ho_annotate.annotations.store import load_annotations
from ho_annotate.dicom.radiograph import read_header
from ho_annotate.errors import HoAnnotateError, RadiographError
from ho_annotate.files.walk import walk_files
from ho_annotate.practice.compare import DEFAULT_IOU, CaseComparison, compare_case
from ho_annotate.practice.score import ScoreSummary, summarize
from ho_annotate.practice.sets import find_references


class FolderScore(msgspec.Struct, frozen=True, kw_only=True):
    """Every case compared, the summary, and student files with no reference."""

    scheme: str
    reader: str | None
    cases: list[CaseComparison]
    summary: ScoreSummary
    unmatched: list[str]


def _case_name(path: Path, reader: str) -> str:
    suffix = f".{reader}{SIDECAR_SUFFIX}"
    return path.name[: -len(suffix)] if path.name.endswith(suffix) else path.name


def _header_spacings(images_dir: Path) -> dict[str, Spacing | None]:
    spacings: dict[str, Spacing | None] = {}
    for path in sorted(walk_files(images_dir)):
        if path.name.endswith(".json"):
            continue
        try:
            header = read_header(path)
        except RadiographError:
            continue
        spacings[header.sop_instance_uid] = header.spacing
    return spacings


def _stored_header_spacing(*readings: AnnotationSet | None) -> Spacing | None:
    """The header spacing a sidecar recorded (a manual one says nothing about the header)."""
    for aset in readings:
        if aset is not None and aset.spacing is not None and aset.spacing.kind != "manual":
            return aset.spacing
    return None


def _run_answers(student_dir: Path) -> dict[str, tuple[str, dict[str, str | None]]]:
    """For a practice run's ``cases`` folder (or the run folder): per presented image UID, the
    source image's UID (its reference's key) and the grades the student picked by hand.

    The picks live in the run file, not in the sidecars: without them a grade chosen from the
    practice widget's drop-down would be scored as not read.
    """
    from ho_annotate.practice.run import load_run
    from ho_annotate.practice.sets import RUN_FILE

    for folder in (student_dir, student_dir.parent):
        path = folder / RUN_FILE
        if path.is_file():
            run = load_run(path)
            return {
                c.sop_instance_uid: (c.source_sop_instance_uid or c.sop_instance_uid, c.picked)
                for c in run.cases
                if c.submitted is not None
            }
    return {}


def score_folders(
    student_dir: Path,
    reference_dir: Path,
    *,
    images_dir: Path | None = None,
    reader: str | None = None,
    scheme: str = "brooker",
    iou_threshold: float = DEFAULT_IOU,
) -> FolderScore:
    """Compare each reference case with the student's sidecar of the same image.

    Pairs by SOPInstanceUID. A reference case with no student file counts as not read. The
    header spacing comes from the images in ``images_dir`` when given, else from the spacing
    the sidecars recorded.
    """
    for folder in (student_dir, reference_dir):
        if not folder.is_dir():
            raise HoAnnotateError(
                f"{folder}: not a folder; give the folder holding the *{SIDECAR_SUFFIX} sidecars"
            )
    refs = find_references(reference_dir)
    if not refs:
        raise HoAnnotateError(
            f"{reference_dir}: no reference sidecars (*{SIDECAR_SUFFIX}); give the folder "
            "holding the reference readings"
        )
    ref_paths = {p.resolve() for p in refs.values()}
    answers = _run_answers(student_dir)
    picks: dict[str, dict[str, str | None]] = {}
    students: dict[str, tuple[str, AnnotationSet]] = {}
    unmatched: list[str] = []
    readers: set[str] = set()
    for path in sorted(student_dir.rglob(f"*{SIDECAR_SUFFIX}")):
        if path.resolve() in ref_paths:
            continue
        aset = load_annotations(path)
        if reader is not None and aset.reader != reader:
            continue
        readers.add(aset.reader)
        uid, picked = answers.get(aset.sop_instance_uid, (aset.sop_instance_uid, {}))
        if uid not in refs:
            unmatched.append(str(path))
            continue
        # A presented practice copy has a UID of its own: re-bound to its reference's image.
        students[uid] = (
            _case_name(path, aset.reader),
            msgspec.structs.replace(aset, sop_instance_uid=uid),
        )
        picks[uid] = picked
    if len(readers) > 1:
        raise HoAnnotateError(
            file=student_dir,
            problem=f"sidecars of several readers ({', '.join(sorted(readers))})",
            action="choose one reader",
            option="reader",
        )
    spacings = _header_spacings(images_dir) if images_dir is not None else {}
    cases = []
    for uid, ref_path in sorted(refs.items(), key=lambda kv: kv[1].name):
        reference = load_annotations(ref_path, expected_sop_uid=uid)
        name, student = students.get(uid, (None, None))
        stored = _stored_header_spacing(reference, student)
        header = spacings.get(uid, stored)
        cases.append(
            compare_case(
                student,
                reference,
                header,
                picked=picks.get(uid),  # type: ignore[arg-type]
                scheme=scheme,
                iou_threshold=iou_threshold,
                case=name or _case_name(ref_path, reference.reader),
            )
        )
    cases.sort(key=lambda c: c.case)
    return FolderScore(
        scheme=scheme,
        reader=next(iter(readers), reader),
        cases=cases,
        summary=summarize(cases, scheme),
        unmatched=unmatched,
    )
