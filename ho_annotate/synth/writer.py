"""Write a synthetic radiograph as a DICOM file with the headers a real device would write.

A DX image (Digital X-Ray For Presentation) whenever the design has a spacing; a CR image when
it has none, because DX requires ImagerPixelSpacing and CR does not. Either is a valid object
of its IOD (checked with dciodvfy in the tests).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sr.coding import Code
from pydicom.uid import (
    UID,
    ComputedRadiographyImageStorage,
    DigitalXRayImageStorageForPresentation,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    RLELossless,
    generate_uid,
)

from ho_annotate.synth.design import CaseDesign
from ho_annotate.synth.render import BITS

#: Fixed acquisition date/time: the same seed must give the same bytes.
_DATE, _TIME = "20240115", "101500"
_SID_MM = 1150.0


#: Anatomy (CID 4009) and view (CID 4010) codes, as in pydicom's ``codes.SCT``.
PELVIS = Code("816092008", "SCT", "Pelvis")
HIP_JOINT = Code("24136001", "SCT", "Hip joint")
ANTERO_POSTERIOR = Code("399348003", "SCT", "antero-posterior")

#: What the synthetic image says in place of a de-identification method: it never had a patient.
NO_PATIENT_METHOD = "No patient data: synthetic image made by ho-annotate"


#: The Manufacturer of every synthetic file: how ``write_case`` knows a file it may replace.
MANUFACTURER = "ho-annotate synthetic"


def uids(design: CaseDesign, name: str) -> dict[str, str]:
    """Deterministic UIDs derived from the case name and seed."""
    key = [f"ho-annotate-synth:{name}:{design.seed}"]
    return {
        kind: str(generate_uid(entropy_srcs=[*key, kind]))
        for kind in ("study", "series", "sop", "for")
    }


def _ds(value: float) -> str:
    """A decimal string of at most 16 characters keeping as many digits as fit."""
    for digits in range(14, 4, -1):
        text = f"{value:.{digits}g}"
        if len(text) <= 16:
            return text
    return f"{value:.4f}"


def build_dataset(
    design: CaseDesign, pixels: NDArray[np.uint16], name: str, path: Path
) -> FileDataset:
    ids = uids(design, name)
    dx = design.spacing != "none"  # DX requires ImagerPixelSpacing; without one, write CR
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = (
        DigitalXRayImageStorageForPresentation if dx else ComputedRadiographyImageStorage
    )
    meta.MediaStorageSOPInstanceUID = UID(ids["sop"])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ids["sop"]
    ds.StudyInstanceUID = ids["study"]
    ds.SeriesInstanceUID = ids["series"]
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = ds.AcquisitionDate = _DATE
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = ds.AcquisitionTime = _TIME
    ds.AccessionNumber = ""
    ds.Modality = "DX" if dx else "CR"
    ds.Manufacturer = MANUFACTURER
    ds.ManufacturerModelName = "synth"
    ds.InstitutionName = "SYNTHETIC"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "SYNTHETIC PELVIS AP" if design.view == "pelvis" else "SYNTHETIC HIP AP"
    ds.SeriesDescription = name
    ds.ImageComments = design.description or "synthetic image, no patient data"
    ds.PatientName = "SYNTHETIC^CASE"
    ds.PatientID = f"SYNTH-{design.seed:06d}"
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = NO_PATIENT_METHOD
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.BodyPartExamined = "PELVIS" if design.view == "pelvis" else "HIP"
    ds.ViewPosition = "AP"
    ds.PatientOrientation = ["L", "F"]
    ds.KVP = "75"
    ds.ExposureTime = 50
    ds.XRayTubeCurrent = 320
    ds.DistanceSourceToDetector = _ds(_SID_MM)
    if dx:
        ds.FrameOfReferenceUID = ids["for"]  # the CR IOD has no Frame of Reference module
        ds.PositionReferenceIndicator = ""
        _dx_modules(ds, design)
    else:
        _cr_modules(ds, design)
    _spacing(ds, design)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = design.photometric
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated = 16
    ds.BitsStored = BITS
    ds.HighBit = BITS - 1
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = "0"
    ds.RescaleSlope = "1"
    ds.RescaleType = "US"
    ds.WindowCenter = "2048"
    ds.WindowWidth = "4000"
    ds.BurnedInAnnotation = "NO"
    ds.LossyImageCompression = "00"
    ds.PixelData = np.ascontiguousarray(pixels, dtype="<u2").tobytes()
    if design.transfer_syntax == "jpeg2000":
        ds.compress(
            JPEG2000Lossless, pixels, encoding_plugin="pylibjpeg", generate_instance_uid=False
        )
    elif design.transfer_syntax == "rle":
        ds.compress(RLELossless, pixels, generate_instance_uid=False)
    return ds


def _code_item(code: Code) -> Dataset:
    item = Dataset()
    item.CodeValue = code.value
    item.CodingSchemeDesignator = code.scheme_designator
    item.CodeMeaning = code.meaning
    return item


def _dx_modules(ds: FileDataset, design: CaseDesign) -> None:
    """What the DX IOD adds to a projection radiograph (PS3.3 A.26): anatomy, view, detector."""
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.ImageLaterality = "B" if design.view == "pelvis" else design.laterality
    region = PELVIS if design.view == "pelvis" else HIP_JOINT
    ds.AnatomicRegionSequence = [_code_item(region)]
    view = _code_item(ANTERO_POSTERIOR)
    view.ViewModifierCodeSequence = []
    ds.ViewCodeSequence = [view]
    ds.PositionerType = ""
    ds.AcquisitionContextSequence = []
    ds.DetectorType = "SCINTILLATOR"
    # Stored values are log-domain and rise with attenuation (fall for MONOCHROME1).
    ds.PixelIntensityRelationship = "LOG"
    ds.PixelIntensityRelationshipSign = 1 if design.photometric == "MONOCHROME1" else -1
    ds.PresentationLUTShape = "INVERSE" if design.photometric == "MONOCHROME1" else "IDENTITY"


def _cr_modules(ds: FileDataset, design: CaseDesign) -> None:
    """The CR IOD (PS3.3 A.2) has no image laterality: a single hip goes in Laterality."""
    if design.view == "hip" and design.laterality:
        ds.Laterality = design.laterality


def _spacing(ds: FileDataset, design: CaseDesign) -> None:
    """What each kind of device writes (see docs/synthetic-data.md)."""
    d = design.pixel_mm
    if design.spacing == "none":
        return
    ds.ImagerPixelSpacing = [_ds(d), _ds(d)]
    if design.spacing == "fiducial":
        s = _ds(d / design.magnification)
        ds.PixelSpacing = [s, s]
        ds.PixelSpacingCalibrationType = "FIDUCIAL"
        ds.PixelSpacingCalibrationDescription = "calibration sphere 25 mm at the hip"
    elif design.spacing == "ermf-true":
        ds.EstimatedRadiographicMagnificationFactor = _ds(design.magnification)
        ds.DistanceSourceToPatient = _ds(_SID_MM / design.magnification)
    elif design.spacing == "ermf-nominal":
        ds.EstimatedRadiographicMagnificationFactor = _ds(design.nominal_magnification)


def write_dicom(ds: FileDataset, path: Path) -> Path:
    from ho_annotate.files.atomic import atomic_path

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:  # whole or not at all
        ds.save_as(tmp, enforce_file_format=True)
    return path
