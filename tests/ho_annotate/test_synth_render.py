"""Building blocks of the fast renderer: the scanline fill, crops, coarse fields."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from shapely.geometry import Polygon
from skimage.draw import polygon2mask

from ho_annotate.synth.geometry import Frame, blob, ellipse, resample, smooth_noise

FRAME = Frame(180, 220, 0.5, -55.0, -45.0)


def _reference_mask(frame: Frame, geom: Polygon) -> np.ndarray:
    def ring(xy: np.ndarray) -> np.ndarray:
        rc = np.column_stack([(xy[:, 1] - frame.y0) / frame.s, (xy[:, 0] - frame.x0) / frame.s])
        return np.asarray(polygon2mask((frame.rows, frame.cols), rc), dtype=bool)

    out = ring(np.asarray(geom.exterior.coords))
    for hole in geom.interiors:
        out &= ~ring(np.asarray(hole.coords))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_the_scanline_fill_agrees_with_skimage_except_on_the_outline(seed: int) -> None:
    rng = np.random.default_rng(seed)
    outer = blob(rng, 0, 0, 40, 25, rng.uniform(0, 180), 0.3)
    geom = Polygon(outer.exterior.coords, [ellipse(3, 2, 8, 5, 20).exterior.coords])
    ours, ref = FRAME.mask(geom), _reference_mask(FRAME, geom)
    assert ours.sum() > 1000
    differ = ours != ref
    # Pixels may only differ where their centre is within a hair of the outline.
    if differ.any():
        rows, cols = np.nonzero(differ)
        xs, ys = FRAME.x0 + cols * FRAME.s, FRAME.y0 + rows * FRAME.s
        from shapely import points

        assert np.all(geom.boundary.distance(points(xs, ys)) < 1e-6 + 0.5 * FRAME.s)
        assert differ.sum() <= 0.002 * ref.sum()


def test_a_crop_gives_the_distances_the_whole_frame_gives() -> None:
    geom = blob(np.random.default_rng(4), 5, -3, 30, 18, 30.0)
    whole = ndimage.distance_transform_edt(FRAME.mask(geom)) * FRAME.s
    crop = FRAME.crop(geom.bounds)
    assert crop is not None and crop.rows < FRAME.rows and crop.cols < FRAME.cols
    local = Frame(crop.rows, crop.cols, crop.s, crop.x0, crop.y0)
    part = local.distance_inside(local.mask(geom))
    np.testing.assert_allclose(part, whole[crop.index], atol=1e-5)
    assert np.count_nonzero(whole) == np.count_nonzero(part)


def test_a_crop_at_the_frame_edge_is_clipped_and_keeps_its_place() -> None:
    crop = FRAME.crop((-80.0, -60.0, -50.0, -40.0))
    assert crop is not None and (crop.r0, crop.c0) == (0, 0)
    assert FRAME.crop((500.0, 500.0, 600.0, 600.0)) is None
    inner = FRAME.crop((0.0, 0.0, 10.0, 10.0), pad=0)
    assert inner is not None
    assert inner.xs()[0] == pytest.approx(FRAME.xs()[inner.c0])
    assert inner.ys()[0] == pytest.approx(FRAME.ys()[inner.r0])


def test_a_smooth_field_on_a_coarse_grid_samples_back_closely() -> None:
    x, y = FRAME.grid()
    exact = np.sin(x / 15.0) * np.cos(y / 11.0)
    grid = FRAME.coarse(2.0)
    gx, gy = grid.grid()
    back = resample(grid, np.sin(gx / 15.0) * np.cos(gy / 11.0), FRAME)
    assert np.abs(back - exact).max() < 0.01


def test_smooth_noise_has_the_asked_spread_and_correlation_length() -> None:
    rng = np.random.default_rng(0)
    field = smooth_noise(rng, (300, 400), [(3.0, 1.0), (9.0, 0.8)])
    assert field.std() == pytest.approx(np.sqrt(1.64), rel=1e-4)
    fine = smooth_noise(rng, (300, 400), [(1.0, 1.0)])
    wide = smooth_noise(rng, (300, 400), [(6.0, 1.0)])

    def lag_corr(f: np.ndarray) -> float:
        return float(np.corrcoef(f[:, :-3].ravel(), f[:, 3:].ravel())[0, 1])

    assert lag_corr(fine) < 0.2 < 0.8 < lag_corr(wide)
