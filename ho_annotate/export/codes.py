"""The coded concepts of our DICOM exports, and the private coding scheme ``99HOANN``.

Brooker and Della Valle grades, reading statuses and our finding types have no standard codes,
so they live in a private scheme (designators starting with ``99`` are private by PS3.16 8.2).
Every code here is listed in docs/dicom-export.md; keep the two in step.
"""

from __future__ import annotations

from typing import Final

from highdicom.sr import CodedConcept
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes

from ho_annotate.annotations.model import ReadingStatus, Side, SpacingKind

SCHEME: Final = "99HOANN"
SCHEME_NAME: Final = "ho-annotate private codes"
SCHEME_VERSION: Final = "1"


def hoann(value: str, meaning: str) -> CodedConcept:
    """A code of our private scheme."""
    return CodedConcept(value, SCHEME, meaning)


# Finding types, one per annotation kind.
FINDING: Final[dict[str, CodedConcept]] = {
    "island": hoann("HO-ISLAND", "Heterotopic ossification island"),
    "spur": hoann("HO-SPUR", "Heterotopic ossification spur"),
    "bridge": hoann("HO-BRIDGE", "Heterotopic ossification bridge"),
    "bone": hoann("BONE-OUTLINE", "Bone outline"),
    "gap": hoann("HO-GAP", "Gap between opposing bone surfaces"),
    "calibration_line": hoann("CAL-LINE", "Calibration line of known length"),
    "calibration_circle": hoann("CAL-CIRCLE", "Calibration circle of known diameter"),
}
HIP_ASSESSMENT: Final = hoann("HIP-HO", "Heterotopic ossification assessment of the hip")
CALIBRATION_GROUP: Final = hoann("CALIBRATION", "Manual calibration of the image")

# Concept names of qualitative evaluations and measurements.
ORIGIN: Final = hoann("ORIGIN", "Bone of origin")
BROOKER: Final = hoann("BROOKER", "Brooker class")
DELLA_VALLE: Final = hoann("DELLA-VALLE", "Della Valle grade")
STATUS: Final = hoann("STATUS", "Reading status")
BORDERLINE: Final = hoann("BORDERLINE", "Borderline grade")
REASON: Final = hoann("REASON", "Reason for the grade")
NOT_ASSESSABLE_REASON: Final = hoann("NA-REASON", "Reason the hip is not assessable")
CALIBRATION_KIND: Final = hoann("CAL-KIND", "Calibration kind")
CALIBRATION_METHOD: Final = hoann("CAL-METHOD", "Manual calibration method")
KNOWN_SIZE: Final = hoann("KNOWN-SIZE", "Known size of the calibration object")
ROW_SPACING: Final = hoann("ROW-SPACING", "Pixel spacing between rows")
COLUMN_SPACING: Final = hoann("COL-SPACING", "Pixel spacing between columns")
SPACING_UNCERTAINTY: Final = hoann("SPACING-UNCERT", "Relative uncertainty of the spacing")
SIDE_BASIS: Final = hoann("SIDE-BASIS", "How the sides were decided")

NO_GRADE: Final = hoann("NO-GRADE", "No grade")
BROOKER_GRADES: Final[dict[str, CodedConcept]] = {
    g: hoann(f"BROOKER-{g}", f"Brooker class {g}") for g in ("0", "I", "II", "III", "IV")
}
DELLA_VALLE_GRADES: Final[dict[str, CodedConcept]] = {
    g: hoann(f"DV-{g}", f"Della Valle grade {g}") for g in ("A", "B", "C")
}
SCHEME_CODES: Final[dict[str, tuple[CodedConcept, dict[str, CodedConcept]]]] = {
    "brooker": (BROOKER, BROOKER_GRADES),
    "della-valle": (DELLA_VALLE, DELLA_VALLE_GRADES),
}
STATUSES: Final[dict[ReadingStatus, CodedConcept]] = {
    "not read": hoann("NOT-READ", "Not read"),
    "no HO": hoann("NO-HO", "No heterotopic ossification confirmed"),
    "annotated": hoann("ANNOTATED", "Annotated"),
    "not assessable": hoann("NOT-ASSESSABLE", "Not assessable"),
}
SPACING_KINDS: Final[dict[SpacingKind | None, CodedConcept]] = {
    "calibrated": hoann("SP-CALIBRATED", "Calibrated against a fiducial"),
    "estimated": hoann("SP-ESTIMATED", "Corrected for estimated magnification"),
    "detector": hoann("SP-DETECTOR", "Detector plane, not corrected for magnification"),
    "unknown": hoann("SP-UNKNOWN", "Pixel spacing of unknown meaning"),
    "manual": hoann("SP-MANUAL", "Manual calibration by the reader"),
    None: hoann("SP-NONE", "No pixel spacing: lengths in pixels"),
}
CALIBRATION_METHODS: Final[dict[str, CodedConcept]] = {
    "line": hoann("CAL-M-LINE", "Line of known length"),
    "circle": hoann("CAL-M-CIRCLE", "Circle of known diameter"),
    "prosthetic_head": hoann("CAL-M-HEAD", "Prosthetic femoral head of known diameter"),
}
SIDE_BASES: Final[dict[str, CodedConcept]] = {
    "laterality": hoann("SIDES-LATERALITY", "From the image laterality"),
    "orientation": hoann("SIDES-ORIENT", "From the patient orientation"),
    "assumed": hoann("SIDES-ASSUMED", "Radiological convention assumed"),
    "reader": hoann("SIDES-READER", "Set by the reader"),
}

LATERALITY: Final[dict[Side, CodedConcept]] = {
    "right": CodedConcept.from_code(codes.SCT.Right),
    "left": CodedConcept.from_code(codes.SCT.Left),
}
ORIGINS: Final[dict[str, CodedConcept]] = {
    "pelvis": CodedConcept.from_code(codes.SCT.Pelvis),
    "femur": CodedConcept.from_code(codes.SCT.Femur),
}
YES: Final = CodedConcept.from_code(codes.SCT.Yes)
NO: Final = CodedConcept.from_code(codes.SCT.No)
HIP_JOINT: Final = CodedConcept.from_code(codes.SCT.HipJoint)
LENGTH: Final = CodedConcept.from_code(codes.SCT.Length)
MM: Final = CodedConcept("mm", "UCUM", "mm")
MM_PER_PIXEL: Final = CodedConcept("mm/{pixel}", "UCUM", "mm per pixel")
PIXELS: Final = CodedConcept("{pixel}", "UCUM", "pixels")
RATIO: Final = CodedConcept("1", "UCUM", "no units")
#: Procedure reported: "Radiographic imaging procedure" (SCT 363680008).
PROCEDURE: Final = CodedConcept("363680008", "SCT", "Radiographic imaging procedure")

#: The tracking identifier OHIF / Cornerstone3D give a Length measurement
#: (packages/adapters/src/adapters/Cornerstone3D/cornerstone3DTag.js + Length.ts).
CORNERSTONE_LENGTH: Final = "Cornerstone3DTools@^0.1.0:Length"
#: Older Cornerstone (1.x, cornerstoneTools 4) Length measurements, read on import.
LEGACY_LENGTH: Final = "cornerstoneTools@^4.0.0:Length"


def scheme_identification() -> Dataset:
    """The Coding Scheme Identification Sequence item declaring ``99HOANN``."""
    item = Dataset()
    item.CodingSchemeDesignator = SCHEME
    item.CodingSchemeName = SCHEME_NAME
    item.CodingSchemeVersion = SCHEME_VERSION
    item.CodingSchemeResponsibleOrganization = "ho-annotate project"
    return item


def lookup(table: dict[str, CodedConcept], code: CodedConcept) -> str | None:
    """The key of ``code`` in ``table`` (compared by scheme and value), or ``None``."""
    for key, value in table.items():
        if value.value == code.value and value.scheme_designator == code.scheme_designator:
            return key
    return None


def same(a: CodedConcept, b: CodedConcept) -> bool:
    """Two codes are the same concept (scheme and value; meanings may differ)."""
    return a.value == b.value and a.scheme_designator == b.scheme_designator
