"""What every export starts from: the source image's header, the sidecar and the grades."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pydicom.dataset import Dataset

from ho_annotate.annotations.model import AnnotationSet, Spacing
from ho_annotate.annotations.store import load_annotations
from ho_annotate.dicom.radiograph import RadiographHeader, read_header
from ho_annotate.dicom.reading import open_dataset
from ho_annotate.errors import HoAnnotateError
from ho_annotate.grading.engine import Grader
from ho_annotate.grading.results import GradeReport

#: The schemes an export reports (their codes are in ``codes.SCHEME_CODES``).
EXPORT_SCHEMES: Final = ("brooker", "della-valle")
#: Type 2 attributes of the Patient and General Study modules: an export copies them, so an
#: image without them gets them empty (as Type 2 allows) in the export's copy of its header.
_TYPE2: Final = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyDate",
    "StudyTime",
    "ReferringPhysicianName",
    "StudyID",
    "AccessionNumber",
)
#: Attributes an export copies from the source image and cannot do without.
_REQUIRED: Final = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID")
#: High bits of a tracking UUID that carries a 12-hex-digit item id in its low 48 bits.
_ID_PREFIX: Final = 0x6C0B3E5A2F3D4D0E9A53


class ExportError(HoAnnotateError):
    """An annotation set cannot be exported as DICOM (or an export cannot be read back)."""


@dataclass(frozen=True)
class ExportInput:
    """One reader's annotations of one radiograph, ready to be written as DICOM."""

    image: Path
    #: The source image's header (no pixel data): identity, study and references.
    dataset: Dataset
    header: RadiographHeader
    annotations: AnnotationSet
    #: The grade reports by scheme name (``EXPORT_SCHEMES``).
    reports: dict[str, GradeReport]

    @property
    def spacing(self) -> Spacing | None:
        """The spacing the measurements rest on (a manual calibration overrides the header)."""
        return self.annotations.effective_spacing(self.header.spacing)


def source_dataset(image: str | os.PathLike[str]) -> Dataset:
    """The source image's header, checked for what every export must reference."""
    path = Path(image)
    ds = open_dataset(path, header_only=True)
    missing = [k for k in _REQUIRED if not str(ds.get(k, "") or "").strip()]
    if missing:
        raise ExportError(
            file=path,
            problem=f"the image has no {', '.join(missing)}, so no DICOM object can refer to it",
            action="export it again from the archive with its UIDs",
        )
    for keyword in _TYPE2:
        if keyword not in ds:
            setattr(ds, keyword, "")
    return ds


def prepare(image: str | os.PathLike[str], sidecar: str | os.PathLike[str]) -> ExportInput:
    """Read the image header and the sidecar bound to it, and grade both hips."""
    path = Path(image)
    ds = source_dataset(path)
    aset = load_annotations(sidecar, expected_sop_uid=str(ds.SOPInstanceUID))
    return from_annotations(path, aset, ds)


def from_annotations(
    image: str | os.PathLike[str], aset: AnnotationSet, dataset: Dataset | None = None
) -> ExportInput:
    """An export of annotations held in memory (e.g. napari layers) of ``image``."""
    path = Path(image)
    ds = dataset if dataset is not None else source_dataset(path)
    if str(ds.SOPInstanceUID) != aset.sop_instance_uid:
        raise ExportError(
            file=path,
            problem="is not the image these annotations were made on (SOP Instance UID differs)",
        )
    header = read_header(path, display=False)
    grader = Grader()
    reports = grader.grade_many(aset, header.spacing, EXPORT_SCHEMES)
    return ExportInput(
        image=path,
        dataset=ds,
        header=header,
        annotations=aset,
        reports={r.scheme: r for r in reports},
    )


def tracking_uid(item_id: str, scope: str = "") -> str:
    """A stable tracking UID for an item id (``2.25`` form).

    Our own ids (12 hex digits) are carried in the UID so an import gets them back
    (``item_id_from_uid``); other ids hash with ``scope`` (e.g. the image's SOP Instance UID).
    """
    if len(item_id) == 12 and all(c in "0123456789abcdef" for c in item_id):
        return f"2.25.{(_ID_PREFIX << 48) | int(item_id, 16)}"
    digest = hashlib.sha256(f"{scope}/{item_id}".encode()).digest()[:16]
    return f"2.25.{uuid.UUID(bytes=digest, version=5).int}"


def item_id_from_uid(uid: str) -> str | None:
    """The item id a ``tracking_uid`` carries, or ``None`` for any other UID."""
    if not uid.startswith("2.25."):
        return None
    try:
        value = int(uid[5:])
    except ValueError:
        return None
    if value >> 48 != _ID_PREFIX:
        return None
    return f"{value & 0xFFFFFFFFFFFF:012x}"


def copy_deidentification(source: Dataset, out: Dataset) -> None:
    """Keep the output's patient module valid when the source says it was de-identified.

    PatientIdentityRemoved YES needs DeidentificationMethod or its code sequence (Type 1C);
    images that lack both get a method that says so, rather than an invalid export.
    """
    if str(out.get("PatientIdentityRemoved", "")).upper() != "YES":
        return
    for keyword in ("DeidentificationMethod", "DeidentificationMethodCodeSequence"):
        if keyword in source and keyword not in out:
            out[keyword] = source[keyword]
    if "DeidentificationMethod" not in out and "DeidentificationMethodCodeSequence" not in out:
        out.DeidentificationMethod = "de-identified before ho-annotate (method not recorded)"
