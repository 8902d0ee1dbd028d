"""Score a folder of student sidecars against a folder of reference sidecars."""

from __future__ import annotations

from pathlib import Path

import msgspec

from ho_annotate.annotations.model import AnnotationSet, Spacing
from ho_annotate.annotations.store import load_annotations
from ho_annotate.dicom.radiograph import read_header
from ho_annotate.errors import HoAnnotateError, RadiographError
from ho_annotate.practice.compare import DEFAULT_IOU, CaseComparison, compare_case
from ho_annotate.practice.score import ScoreSummary, summarize
from ho_annotate.practice.sets import SIDECAR_SUFFIX, find_references


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
    for path in sorted(p for p in images_dir.rglob("*") if p.is_file()):
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
        if aset.sop_instance_uid not in refs:
            unmatched.append(str(path))
            continue
        students[aset.sop_instance_uid] = (_case_name(path, aset.reader), aset)
    if len(readers) > 1:
        raise HoAnnotateError(
            f"{student_dir}: sidecars of several readers ({', '.join(sorted(readers))}); "
            "choose one with --reader"
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
