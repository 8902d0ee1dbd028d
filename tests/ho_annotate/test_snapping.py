"""snap_gap_line on synthetic hips with a known gap: accuracy, refusals, metal, any spacing."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import ndimage
from shapely.geometry import Point as ShapelyPoint
from shapely.ops import unary_union

import ho_annotate
import ho_annotate.measurement.snapping as snapping
from ho_annotate import load_radiograph, snap_gap_line
from ho_annotate.annotations.model import ManualCalibration
from ho_annotate.calibration.prosthesis import HeadCandidate
from tests.ho_annotate.snap_cases import SnapCase, build

TOLERANCE_MM = 0.3
Pt = tuple[float, float]


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> SnapCase:
    return build(tmp_path_factory.mktemp("snap"))


def _displaced(
    case: SnapCase, rng: np.random.Generator, radius_mm: float
) -> list[tuple[float, float]]:
    out = []
    for r, c in case.gap_line:
        angle = rng.uniform(0, 2 * math.pi)
        out.append(
            (r + radius_mm * math.sin(angle) / case.s, c + radius_mm * math.cos(angle) / case.s)
        )
    return out


def test_snap_is_exported_at_the_top_level() -> None:
    assert "snap_gap_line" in ho_annotate.__all__
    assert ho_annotate.snap_gap_line is snapping.snap_gap_line


def test_recovers_the_true_gap_from_clicks_displaced_up_to_2_mm(case: SnapCase) -> None:
    rad = load_radiograph(case.files["plain"])
    rng = np.random.default_rng(20261202)
    radii = [2.0] * 8 + list(rng.uniform(0.0, 2.0, 16))
    for radius in radii:
        start, end = _displaced(case, rng, float(radius))
        res = snap_gap_line(rad, start, end)
        assert res.found, res.reason
        assert res.length_mm is not None and res.moved_mm is not None
        assert abs(res.length_mm - case.gap_mm) <= TOLERANCE_MM, (radius, res.length_mm)
        assert res.uncertainty_mm is not None and 0 < res.uncertainty_mm < 0.5
        for click, point, moved in zip((start, end), res.points, res.moved_mm, strict=True):
            dist = math.hypot(click[0] - point[0], click[1] - point[1]) * case.s
            assert moved == pytest.approx(dist, abs=1e-6)
            assert moved <= snapping.DEFAULT_SEARCH_MM + 1e-6
        assert res.clicks == (start, end)


def test_snapped_ends_lie_on_the_two_opposing_bone_edges(case: SnapCase) -> None:
    rad = load_radiograph(case.files["plain"])
    res = snap_gap_line(rad, *case.gap_line)
    pelvic = unary_union([case.parts.pelvis, *(s for s, o in case.parts.spurs if o == "pelvis")])
    femoral = unary_union([case.parts.femur, *(s for s, o in case.parts.spurs if o == "femur")])
    for (r, c), bone in zip(res.points, (pelvic, femoral), strict=True):
        mm = ShapelyPoint(case.x0 + c * case.s, case.y0 + r * case.s)
        assert bone.boundary.distance(mm) < TOLERANCE_MM


def test_monochrome1_lossy_jpeg2000_gives_the_same_mm(case: SnapCase) -> None:
    plain = load_radiograph(case.files["plain"])
    mono1 = load_radiograph(case.files["mono1_j2k"])
    assert mono1.photometric == "MONOCHROME1"
    rng = np.random.default_rng(7)
    for _ in range(6):
        start, end = _displaced(case, rng, 1.5)
        a = snap_gap_line(plain, start, end)
        b = snap_gap_line(mono1, start, end)
        assert b.found, b.reason
        assert b.length_mm is not None and a.length_mm is not None
        assert abs(b.length_mm - case.gap_mm) <= TOLERANCE_MM
        assert abs(b.length_mm - a.length_mm) <= 0.15


def test_anisotropic_spacing_gives_the_same_mm(case: SnapCase) -> None:
    plain = load_radiograph(case.files["plain"])
    aniso = load_radiograph(case.files["aniso"])
    assert aniso.spacing is not None and aniso.spacing.col_mm < 0.6 * aniso.spacing.row_mm
    rng = np.random.default_rng(11)
    for _ in range(6):
        start, end = _displaced(case, rng, 1.5)
        a = snap_gap_line(plain, start, end)
        b = snap_gap_line(aniso, (start[0], 2 * start[1] + 0.5), (end[0], 2 * end[1] + 0.5))
        assert b.found, b.reason
        assert b.length_mm is not None and a.length_mm is not None
        assert abs(b.length_mm - case.gap_mm) <= TOLERANCE_MM
        assert abs(b.length_mm - a.length_mm) <= 0.15


def test_a_manual_calibration_sets_the_mm(case: SnapCase) -> None:
    rad = load_radiograph(case.files["plain"])
    assert rad.spacing is not None
    k = 1.1
    cal = ManualCalibration(
        method="line",
        known_mm=50.0,
        row_mm=rad.spacing.row_mm * k,
        col_mm=rad.spacing.col_mm * k,
        uncertainty=0.01,
    )
    a = snap_gap_line(rad, *case.gap_line)
    b = snap_gap_line(rad.with_calibration(cal), *case.gap_line)
    assert a.length_mm is not None and b.length_mm is not None
    assert b.length_mm / a.length_mm == pytest.approx(k, rel=0.01)


def _soft_tissue_points(case: SnapCase, near: float, far: float) -> list[tuple[float, float]]:
    """Pixels whose distance from the island is between ``near`` and ``far`` mm, and more than
    ``2 * far`` mm from any other bone."""
    island = case.parts.islands[0]
    others = unary_union([case.parts.pelvis, case.parts.femur, *(s for s, _ in case.parts.spurs)])
    c = island.centroid
    out = []
    for ang in np.linspace(0, 2 * math.pi, 72, endpoint=False):
        for rad_mm in np.arange(2.0, 20.0, 0.25):
            p = ShapelyPoint(c.x + rad_mm * math.cos(ang), c.y + rad_mm * math.sin(ang))
            if near <= island.distance(p) <= far and others.distance(p) > 2 * far:
                out.append(((p.y - case.y0) / case.s, (p.x - case.x0) / case.s))
                break
    return out


def test_never_jumps_to_a_structure_beyond_the_search_radius(case: SnapCase) -> None:
    rad = load_radiograph(case.files["plain"])
    search = snapping.DEFAULT_SEARCH_MM
    # Clicks in the soft tissue, with the island (a distractor) within twice the radius.
    points = _soft_tissue_points(case, search + 0.8, 2 * search - 0.3)
    assert len(points) >= 4
    for a, b in zip(points[:-1:2], points[1::2], strict=False):
        res = snap_gap_line(rad, a, b)
        assert not res.found
        assert res.points == res.clicks == (a, b)
        assert res.moved_mm == (0.0, 0.0)
        assert f"within {search:g} mm" in res.reason
    # One end on the femoral side of the gap, the other near the island only.
    res = snap_gap_line(rad, case.gap_line[1], points[0])
    assert not res.found and res.points == (case.gap_line[1], points[0])
    assert "end click" in res.reason


def test_metal_beside_the_gap_is_not_bone(case: SnapCase, monkeypatch: pytest.MonkeyPatch) -> None:
    rad = load_radiograph(case.files["metal"])
    rng = np.random.default_rng(3)
    clicks = [tuple(case.gap_line)] + [tuple(_displaced(case, rng, 1.0)) for _ in range(5)]
    metal_rc = np.argwhere(case.metal)
    for start, end in clicks:
        res = snap_gap_line(rad, start, end)
        assert res.found, res.reason
        assert res.length_mm is not None
        assert abs(res.length_mm - case.gap_mm) <= TOLERANCE_MM
        for p in res.points:
            assert np.hypot(*(metal_rc - np.asarray(p)).T).min() * case.s > 0.9
    # Without the metal mask the same clicks go wrong (the wire outshines the bone, or the
    # line ends on it): the mask is what makes the snap right here.
    monkeypatch.setattr(snapping, "METAL_FRACTION", 2.0)
    unmasked = snap_gap_line(rad, *case.gap_line)
    assert unmasked.length_mm is not None
    assert not unmasked.found or abs(unmasked.length_mm - case.gap_mm) > TOLERANCE_MM


def test_refusals_keep_the_clicks(case: SnapCase) -> None:
    rad = load_radiograph(case.files["plain"])
    bare = dataclasses.replace(rad, spacing=None)
    res = snap_gap_line(bare, *case.gap_line)
    assert not res.found and res.length_mm is None and "spacing" in res.reason
    outside = snap_gap_line(rad, (-5.0, 10.0), case.gap_line[1])
    assert not outside.found and "outside the image" in outside.reason
    with pytest.raises(ValueError, match="search_mm"):
        snap_gap_line(rad, *case.gap_line, search_mm=0)


def test_dim_metal_connected_to_a_found_head_is_masked(case: SnapCase) -> None:
    """Cement or a dim implant below the metal level: masked when it touches a found head."""
    rad = load_radiograph(case.files["plain"])
    soft = ndimage.gaussian_filter(case.metal.astype(np.float64), 0.8)
    pixels = rad.pixels.astype(np.float64)
    dim = dataclasses.replace(rad, pixels=pixels + soft * (3000.0 - pixels))
    lost = snap_gap_line(dim, *case.gap_line)
    assert lost.length_mm is not None and lost.length_mm < case.gap_mm - 1.0  # ends on it
    centre = np.argwhere(case.metal).mean(axis=0)
    head = HeadCandidate(
        center=(float(centre[0]), float(centre[1])),
        radius_px=3.0,
        score=1.0,
        radius_sd_px=0.1,
        coverage=1.0,
        rms_px=0.1,
    )
    res = snap_gap_line(dim, *case.gap_line, heads=[head])
    assert res.found and res.length_mm is not None
    assert abs(res.length_mm - case.gap_mm) <= TOLERANCE_MM
