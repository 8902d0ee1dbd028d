"""Sample data for napari: each bundled case with its reference annotations (read-only).

One function per case (``napari.yaml`` names them). The user's own work on a sample is saved
in the user folder (``_settings.sample_annotations_dir``), never in the sample folder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._reader import LayerData, _dock_workbench, radiograph_layers
from ._settings import sample_annotations_dir

#: Menu names of the bundled cases, by file stem (``cases.csv`` has the long titles).
CASES: dict[str, str] = {
    "brooker0_no_ho": "Brooker 0: no HO (calibrated)",
    "brooker1_islands_tha": "Brooker I: islands beside a hip replacement",
    "brooker2_spurs_tha": "Brooker II: spurs leaving 14 mm",
    "brooker3_spurs": "Brooker III: spurs 6.4 mm apart",
    "brooker4_bridge_uncalibrated": "Brooker IV: bridge (no pixel spacing)",
    "borderline_gap": "Borderline: a 9.8 mm gap",
    "bilateral_ii_iii": "Both hips: II right, III left",
    "single_hip_left": "Single-hip view (left)",
    "monochrome1_islands": "MONOCHROME1 file: a 12.5 mm island",
    "calibration_lesson": "Calibration lesson: calibrate on the head",
    "jpeg2000_femoral_spur": "JPEG 2000 file: a femoral spur",
}


def load_sample(stem: str) -> list[LayerData]:
    """The layers of one bundled case: the radiograph and its reference annotations."""
    from ho_annotate import load_radiograph
    from ho_annotate.samples.bundled import sample_files

    by_stem = {p.stem: p for p in sample_files()}
    if stem not in by_stem:
        raise ValueError(f"no sample case {stem!r}; known: {', '.join(sorted(by_stem))}")
    folder = sample_annotations_dir()
    folder.mkdir(parents=True, exist_ok=True)
    layers = radiograph_layers(load_radiograph(by_stem[stem]), sample=True, annotations_dir=folder)
    _dock_workbench()
    return layers


def _loader(stem: str) -> Callable[[], list[LayerData]]:
    def load() -> list[LayerData]:
        return load_sample(stem)

    load.__name__ = stem
    load.__doc__ = f"Sample case {stem}: {CASES[stem]}."
    return load


def __getattr__(name: str) -> Any:
    """``napari_ho_annotate._samples:<case stem>`` is that case's loader."""
    if name in CASES:
        return _loader(name)
    raise AttributeError(name)
