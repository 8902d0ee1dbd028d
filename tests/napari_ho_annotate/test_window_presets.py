"""Window presets and the drag rule, without a viewer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from napari_ho_annotate._declutter import descriptive_labels_fit
from napari_ho_annotate._window import dragged, header_presets, image_presets
from plugin_helpers import pelvis_like, write_radiograph

from ho_annotate import read_header


def test_header_windows_follow_the_pixels_orientation(tmp_path: Path) -> None:
    path = write_radiograph(
        tmp_path,
        pixels=pelvis_like(),
        photometric="MONOCHROME1",
        WindowCenter=[1000, 3000],
        WindowWidth=[500, 1000],
        WindowCenterWidthExplanation=["NARROW", "WIDE"],
    )
    header = read_header(path)
    lo, hi = header.value_range
    presets = header_presets(path, header.photometric, header.value_range)
    assert [p.width for p in presets] == [500, 1000]
    assert presets[0].center == pytest.approx(lo + hi - 1000)
    assert "NARROW" in presets[0].name and "WIDE" in presets[1].name


def test_image_presets_and_drag() -> None:
    pixels = np.arange(10_000, dtype=np.float64).reshape(100, 100)
    names = {p.name: p for p in image_presets(pixels)}
    assert names["1-99 %"].limits == pytest.approx((99.99, 9899.01))
    assert names["5-95 %"].width < names["1-99 %"].width < names["Full range"].width
    lo, hi = dragged((100.0, 300.0), dx=60, dy=0, value_span=6000.0)
    assert (lo + hi) / 2 == pytest.approx(200.0) and hi - lo == pytest.approx(800.0)
    lo, hi = dragged((100.0, 300.0), dx=0, dy=-30, value_span=6000.0)
    assert (lo + hi) / 2 == pytest.approx(-100.0) and hi - lo == pytest.approx(200.0)
    assert dragged((100.0, 300.0), dx=-10_000, dy=0, value_span=6000.0)[1] > 0


def test_descriptive_labels_hidden_at_low_zoom() -> None:
    assert not descriptive_labels_fit(2.0, 0.2, in_mm=True)
    assert descriptive_labels_fit(4.0, 0.2, in_mm=True)
    # an image in pixels: 0.15 mm assumed per pixel
    assert not descriptive_labels_fit(0.3, 1.0, in_mm=False)
    assert descriptive_labels_fit(0.6, 1.0, in_mm=False)
