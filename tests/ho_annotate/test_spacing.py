"""Spacing kinds from real DX headers written with pydicom (GUIDE section 2)."""

from __future__ import annotations

import pytest

from ho_annotate import read_header
from ho_annotate.dicom.spacing import spacing_pair
from tests.conftest import WriteDX


@pytest.mark.parametrize(
    ("attrs", "kind", "mm", "source_words"),
    [
        (
            {
                "PixelSpacing": [0.1, 0.1],
                "PixelSpacingCalibrationType": "FIDUCIAL",
                "ImagerPixelSpacing": [0.14, 0.14],
            },
            "calibrated",
            (0.1, 0.1),
            ("PixelSpacing", "FIDUCIAL"),
        ),
        (
            {
                "PixelSpacing": [0.12, 0.12],
                "PixelSpacingCalibrationType": "GEOMETRY",
                "ImagerPixelSpacing": [0.14, 0.14],
            },
            "estimated",
            (0.12, 0.12),
            ("GEOMETRY",),
        ),
        (
            {"PixelSpacing": [0.12, 0.125], "ImagerPixelSpacing": [0.14, 0.14]},
            "estimated",
            (0.12, 0.125),
            ("differs",),
        ),
        (
            {"ImagerPixelSpacing": [0.15, 0.15], "EstimatedRadiographicMagnificationFactor": 1.15},
            "estimated",
            (0.15 / 1.15, 0.15 / 1.15),
            ("ERMF 1.15",),
        ),
        (
            {"ImagerPixelSpacing": [0.14, 0.16]},
            "detector",
            (0.14, 0.16),
            ("ImagerPixelSpacing", "detector plane"),
        ),
        (
            {"PixelSpacing": [0.14, 0.14], "ImagerPixelSpacing": [0.14, 0.14]},
            "detector",
            (0.14, 0.14),
            ("detector plane",),
        ),
        (
            {"PixelSpacing": [0.2, 0.1]},
            "unknown",
            (0.2, 0.1),
            ("PixelSpacing",),
        ),
        (
            {"NominalScannedPixelSpacing": [0.3, 0.3]},
            "unknown",
            (0.3, 0.3),
            ("NominalScannedPixelSpacing",),
        ),
        (
            {"PixelSpacing": [0, 0], "ImagerPixelSpacing": [0.14, 0.14]},
            "detector",
            (0.14, 0.14),
            ("ImagerPixelSpacing",),
        ),
        (
            {
                "PixelSpacing": [0.1, 0.1],
                "PixelSpacingCalibrationType": "FIDUCIAL",
                "ImagerPixelSpacing": [0, 0],
            },
            "calibrated",
            (0.1, 0.1),
            ("FIDUCIAL",),
        ),
    ],
)
def test_each_spacing_kind(
    dx_file: WriteDX,
    attrs: dict[str, object],
    kind: str,
    mm: tuple[float, float],
    source_words: tuple[str, ...],
) -> None:
    header = read_header(dx_file(**attrs))
    assert header.spacing_kind == kind
    assert header.spacing_mm == pytest.approx(mm)
    assert header.spacing is not None and header.spacing.kind == kind
    for word in source_words:
        assert word in header.spacing_source


@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"PixelSpacing": [0, 0]},
        {"PixelSpacing": [0.1, -0.1]},
        {"ImagerPixelSpacing": [0.1]},
        {"PixelSpacing": [0, 0], "ImagerPixelSpacing": [0, 0]},
    ],
)
def test_spacing_that_is_not_two_positive_numbers_is_absent(
    dx_file: WriteDX, attrs: dict[str, object]
) -> None:
    header = read_header(dx_file(**attrs))
    assert header.spacing is None
    assert header.spacing_mm is None
    assert header.spacing_kind is None


def test_magnification_factor_of_one_is_still_detector_plane(dx_file: WriteDX) -> None:
    header = read_header(
        dx_file(ImagerPixelSpacing=[0.14, 0.14], EstimatedRadiographicMagnificationFactor=1.0)
    )
    assert header.spacing_kind == "detector"


def test_anisotropic_spacing_keeps_row_col_order(dx_file: WriteDX) -> None:
    header = read_header(dx_file(ImagerPixelSpacing=[0.2, 0.1]))
    assert header.spacing_mm == (0.2, 0.1)


def test_spacing_pair_rejects_junk() -> None:
    assert spacing_pair(None) is None
    assert spacing_pair("0.1\\0.1") is None
    assert spacing_pair([0.1, float("nan")]) is None
    assert spacing_pair(["a", "b"]) is None
    assert spacing_pair([0.1, 0.2]) == (0.1, 0.2)
