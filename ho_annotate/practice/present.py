"""Present a radiograph to a student under a neutral name, de-identified, telling attributes
removed.

The copy keeps the pixels, spacing, laterality and orientation. It is de-identified by the
DICOM Basic Application Level Confidentiality Profile (``deidentify``: every attribute of
PS3.15 Annex E at every depth, private attributes removed, UIDs replaced consistently within
the run), and drops everything a description, comment or file name could give away. A source
whose BurnedInAnnotation is YES is refused: header de-identification cannot remove text in
the pixels; one that does not say NO is presented with a ``BurnedInTextWarning``. The
source file is only read.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Final

import pydicom
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from ho_annotate.dicom.deidentify import DX_TYPE2, UidMap, deidentify
from ho_annotate.errors import RadiographError
from ho_annotate.files.atomic import atomic_path

#: Attributes removed wherever they occur: free-text descriptions of the study, series, image,
#: procedure or patient, and who/where it was made.
TELLING_KEYWORDS: Final[frozenset[str]] = frozenset(
    {
        "AccessionNumber",
        "AcquisitionDeviceProcessingDescription",
        "AdditionalPatientHistory",
        "AdmittingDiagnosesDescription",
        "ContentDescription",
        "ContentLabel",
        "ContributingEquipmentSequence",
        "DerivationCodeSequence",
        "DerivationDescription",
        "FrameComments",
        "ImageComments",
        "InstitutionName",
        "InstitutionAddress",
        "InstitutionalDepartmentName",
        "OperatorsName",
        "OtherPatientIDs",
        "OtherPatientIDsSequence",
        "OtherPatientNames",
        "PatientBirthDate",
        "PatientComments",
        "PerformedProcedureStepDescription",
        "PerformedProtocolCodeSequence",
        "PerformingPhysicianName",
        "ProcedureCodeSequence",
        "ProtocolName",
        "ReasonForStudy",
        "ReasonForTheRequestedProcedure",
        "ReferencedImageSequence",
        "ReferringPhysicianName",
        "RequestAttributesSequence",
        "RequestedProcedureDescription",
        "SeriesDescription",
        "SeriesDescriptionCodeSequence",
        "SourceImageSequence",
        "StationName",
        "StudyComments",
        "StudyDescription",
        "StudyID",
    }
)
#: Kept although their keyword looks telling: they describe the calibration, not the content.
_KEEP: Final = frozenset({"PixelSpacingCalibrationDescription"})
#: Any attribute whose keyword ends like this is free text about the content.
_TELLING_SUFFIXES: Final = ("Description", "Comments", "Comment", "Label")
#: Free-text value representations: nothing a viewer needs is stored in them.
_FREE_TEXT_VRS: Final = frozenset({"LT", "ST", "UT"})
#: Value representations searched for the source file name (not code strings such as "AP").
_TEXT_VRS: Final = frozenset({"LO", "LT", "PN", "SH", "ST", "UC", "UT"})
#: File meta attributes that name the sending application or station.
_TELLING_META: Final = ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle")


def _is_telling(elem: DataElement) -> bool:
    keyword = elem.keyword or ""
    if keyword in _KEEP:
        return False
    return (
        keyword in TELLING_KEYWORDS
        or keyword.endswith(_TELLING_SUFFIXES)
        or elem.VR in _FREE_TEXT_VRS
    )


def _mentions(elem: DataElement, needles: tuple[str, ...]) -> bool:
    if elem.VR not in _TEXT_VRS or elem.value is None:
        return False
    text = str(elem.value).lower()
    return any(n in text for n in needles)


def strip_telling(ds: Dataset, case_name: str, *, also: tuple[str, ...] = ()) -> None:
    """Remove telling attributes from ``ds`` in place (recursively into sequences).

    Patient name and ID become ``case_name``; any text attribute that mentions one of ``also``
    (for example the source file's stem) is removed too. Type 2 attributes of the main dataset
    (AccessionNumber, StudyID...) are emptied rather than removed, so the copy stays valid.
    """
    ds.remove_private_tags()
    # Very short names would match ordinary values by chance.
    needles = tuple(n.lower() for n in also if len(n) >= 4)

    def visit(dataset: Dataset, elem: DataElement) -> None:
        if _is_telling(elem) or (needles and _mentions(elem, needles)):
            if dataset is ds and elem.keyword in DX_TYPE2:
                elem.value = [] if elem.VR == "SQ" else None
            else:
                del dataset[elem.tag]

    ds.walk(visit)
    ds.PatientName = person_name(case_name)
    ds.PatientID = case_name
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        for keyword in _TELLING_META:
            if keyword in meta:
                delattr(meta, keyword)


def person_name(case_name: str) -> str:
    """``case_name`` as a PN family name (``case_001^``: a bare name is the retired PN form)."""
    return f"{case_name}^"


class BurnedInTextWarning(UserWarning):
    """A presented image does not state that its pixels are free of burned-in text."""


def present_case(
    source: Path, dest: Path, case_name: str, uids: UidMap | None = None
) -> tuple[str, str]:
    """Write the student's de-identified copy of ``source`` to ``dest``.

    Returns ``(new SOPInstanceUID, source SOPInstanceUID)``; ``uids`` maps old UIDs to new
    ones consistently across the cases of one run. Raises :class:`RadiographError` when
    ``source`` is not a readable DICOM image or declares burned-in annotation.
    """
    try:
        ds = pydicom.dcmread(source)
    except (InvalidDicomError, OSError) as exc:
        raise RadiographError(f"{source}: cannot read it as DICOM ({exc})") from exc
    if "PixelData" not in ds or "SOPInstanceUID" not in ds:
        raise RadiographError(f"{source}: no pixel data or SOPInstanceUID; not a radiograph")
    burned = str(ds.get("BurnedInAnnotation", "") or "").strip().upper()
    if burned == "YES":
        raise RadiographError(
            f"{source}: BurnedInAnnotation is YES: names or dates may be burned into the "
            "pixels, which de-identifying the header cannot remove; leave it out of the set"
        )
    if burned != "NO":
        warnings.warn(
            f"{case_name}: the source does not state BurnedInAnnotation NO; check its pixels "
            "for burned-in names before sharing the run",
            BurnedInTextWarning,
            stacklevel=2,
        )
    original = str(ds.SOPInstanceUID)
    strip_telling(ds, case_name, also=(source.stem, source.name))
    deidentify(ds, uids or UidMap())
    ds.PatientName = person_name(case_name)
    ds.PatientID = case_name
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest) as tmp:
        ds.save_as(tmp, enforce_file_format=True)
    return str(ds.SOPInstanceUID), original
