"""Render the HO workbench on a bundled sample to docs/images/workbench.png.

Opens the bilateral sample (Brooker II on the right, III on the left), redraws the reference
outlines as the user's own annotations, and grabs the whole window with the dock.
The user folder is a temporary one, so nothing is written outside it.

    xvfb-run -a -s "-screen 0 1920x1200x24" .venv/bin/python scripts/render_workbench.py
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
from _render import save_window, settle

ROOT = Path(__file__).resolve().parents[1]
CASE = "bilateral_ii_iii"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/images/workbench.png")
    parser.add_argument("--case", default=CASE)
    args = parser.parse_args()
    user = Path(tempfile.mkdtemp(prefix="ho-render-"))
    (user / "settings.json").write_text('{"reader": "reader1"}', encoding="utf-8")
    os.environ["HO_ANNOTATE_USER_DIR"] = str(user)

    import napari

    from ho_annotate.annotations.store import load_annotations
    from ho_annotate.samples.bundled import sample_data_dir

    viewer = napari.Viewer(title="ho-annotate")
    viewer.window.resize(1900, 1080)
    viewer.open_sample("ho-annotate", args.case)
    widget = viewer.window.dock_widgets["HO workbench (ho-annotate)"]
    reference = load_annotations(sample_data_dir() / f"{args.case}.reference.ho.json")
    viewer.layers[f"{args.case} reference"].visible = False
    for item in reference.items:
        if item.kind == "gap":
            continue  # let the tool's own automatic gap show
        key = "bone" if item.kind == "bone" else item.kind
        widget.draw(key, item.origin)
        layer = viewer.layers.selection.active
        if item.kind in ("island", "spur", "bridge", "bone"):
            layer.add_polygons([np.asarray(item.points)])
    for side in ("left", "right"):
        if reference.hips[side].no_ho_confirmed:
            widget.confirm_no_ho(side)
    viewer.layers.selection.active = viewer.layers[args.case]
    viewer.layers[args.case].mode = "pan_zoom"
    settle()
    viewer.reset_view()
    # frame the hips: the lower two thirds of the pelvis, a little closer
    image = viewer.layers[args.case]
    rows, cols = image.data.shape
    sy, sx = image.scale
    viewer.scene.camera.center = (rows * 0.56 * sy, cols * 0.5 * sx)
    viewer.scene.camera.zoom *= 1.12
    save_window(viewer, args.out)


if __name__ == "__main__":
    main()
