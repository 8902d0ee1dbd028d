"""Write a synthetic radiograph as a DX DICOM file with the headers a real device would write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import (
    UID,
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
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DigitalXRayImageStorageForPresentation
    meta.MediaStorageSOPInstanceUID = UID(ids["sop"])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ids["sop"]
    ds.StudyInstanceUID = ids["study"]
    ds.SeriesInstanceUID = ids["series"]
    ds.FrameOfReferenceUID = ids["for"]
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = ds.AcquisitionDate = _DATE
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = ds.AcquisitionTime = _TIME
    ds.AccessionNumber = ""
    ds.Modality = "DX"
    ds.PresentationIntentType = "FOR PRESENTATION"
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
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.BodyPartExamined = "PELVIS" if design.view == "pelvis" else "HIP"
    ds.ViewPosition = "AP"
    ds.PatientOrientation = ["L", "F"]
    ds.ImageLaterality = "B" if design.view == "pelvis" else design.laterality
    ds.KVP = "75"
    ds.ExposureTime = 50
    ds.XRayTubeCurrent = 320
    ds.DetectorType = "SCINTILLATOR"
    ds.DistanceSourceToDetector = _ds(_SID_MM)
    _spacing(ds, design)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = design.photometric
    ds.PresentationLUTShape = "INVERSE" if design.photometric == "MONOCHROME1" else "IDENTITY"
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
