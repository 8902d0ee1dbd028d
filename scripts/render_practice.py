"""Render the HO practice widget after a submit to docs/images/practice.png.

Makes a one-case synthetic practice run in a temporary folder (right hip: spurs with a
borderline 10.4 mm gap, class II; left hip: a 12 mm island, class I), answers it as a student
would (the spurs found, the gap measured 0.8 mm short, No HO on the left), submits, frames the
right hip and grabs the whole window with the dock.

    xvfb-run -a -s "-screen 0 1920x1200x24" .venv/bin/python scripts/render_practice.py
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from _render import save_window, settle

from ho_annotate.annotations.model import AnnotationSet

ROOT = Path(__file__).resolve().parents[1]


def make_run(folder: Path) -> tuple[Path, AnnotationSet]:
    """A practice run of one synthetic case made for the picture, and its reference."""
    from ho_annotate.annotations.naming import sidecar_path
    from ho_annotate.annotations.store import save_annotations
    from ho_annotate.practice.run import prepare_run
    from ho_annotate.synth import READER, generate
    from ho_annotate.synth.design import CaseDesign, SideDesign
    from ho_annotate.synth.writer import write_dicom

    design = CaseDesign(
        right=SideDesign(pelvic_spur=True, femoral_spur=True, gap_mm=10.4, prosthesis_mm=32.0),
        left=SideDesign(islands=(12.0,)),
        seed=7,
    )
    set_dir = folder / "set"
    (set_dir / "images").mkdir(parents=True)
    (set_dir / "references").mkdir()
    case = generate(design, "synthetic_render")
    image = write_dicom(case.dataset, set_dir / "images" / f"{case.name}.dcm")
    save_annotations(case.annotations, sidecar_path(image, READER, set_dir / "references"))
    run_dir = folder / "run"
    prepare_run(set_dir, run_dir, reader="student")
    return run_dir, case.annotations


def answer(widget: object, reference: AnnotationSet) -> None:
    """The student's answer: the reference's spurs, its gap line 0.8 mm short, left No HO."""
    from napari_ho_annotate.practice_widget import PracticeWidget

    assert isinstance(widget, PracticeWidget) and widget.binding is not None
    spacing = widget.binding.session.spacing
    for item in reference.items_on("right"):
        if item.kind == "spur":
            layer = widget.binding.start_drawing("spur", item.origin)
            layer.add_polygons([np.asarray(item.points)])
        elif item.kind == "gap":
            a, b = (np.asarray(p, dtype=float) for p in item.points)
            step = (b - a) / np.linalg.norm((b - a) * np.asarray(spacing.mm))
            layer = widget.binding.start_drawing("gap")
            layer.add_lines([np.array([a, b - 0.8 * step])])
    widget.binding.reconcile()
    widget.no_ho["left"].setChecked(True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/images/practice.png")
    args = parser.parse_args()

    import napari
    from napari_ho_annotate.practice_widget import PracticeWidget

    run_dir, reference = make_run(Path(tempfile.mkdtemp(prefix="ho-render-practice-")))
    viewer = napari.Viewer(title="ho-annotate practice")
    viewer.window.resize(1900, 1080)
    widget = PracticeWidget(viewer, run_dir)
    viewer.window.add_dock_widget(widget, name="HO practice")
    answer(widget, reference)
    widget.submit()
    settle()
    viewer.reset_view()
    # frame the right hip, where the lesson is: the two gap lines and their labels apart
    gap = next(i for i in reference.items if i.kind == "gap" and i.side == "right")
    centre = np.mean(np.asarray(gap.points), axis=0) * np.asarray(widget.image.scale)
    viewer.camera.center = (float(centre[0]), float(centre[1]) + 15.0)
    viewer.camera.zoom *= 2.2
    save_window(viewer, args.out)


if __name__ == "__main__":
    main()
