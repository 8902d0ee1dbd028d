"""The Practice widget, one case end to end in a real viewer (run under Xvfb)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from napari_ho_annotate._qt.workbench import Workbench
from napari_ho_annotate.practice_widget import PracticeWidget
from qtpy.QtCore import QPoint, Qt

from ho_annotate.annotations.model import AnnotationSet, HipReading, Hips, Item
from ho_annotate.annotations.store import load_annotations, save_annotations
from ho_annotate.practice.run import RUN_FILE, PracticeSession, prepare_run
from tests.conftest import write_dx

SCREENSHOT_ENV = "HO_PRACTICE_SCREENSHOT"


def box(r0: float, c0: float, r1: float, c1: float) -> np.ndarray:
    return np.array([(r0, c0), (r0, c1), (r1, c1), (r1, c0)], dtype=float)


PELVIC = box(60, 40, 80, 90)
FEMORAL = box(120, 40, 140, 90)


def make_run(tmp_path: Path, n: int = 1, gap_px: float = 40.0) -> Path:
    """``n`` cases: right hip (image left) spurs ``gap_px`` * 0.2 mm apart (8.0 mm: III), left
    hip no HO (0)."""
    set_dir = tmp_path / "set"
    (set_dir / "references").mkdir(parents=True)
    for k in range(n):
        _make_case(set_dir, "brooker_III_example" + (f"_{k}" if k else ""), gap_px)
    run_dir = tmp_path / "run"
    prepare_run(set_dir, run_dir, reader="student")
    return run_dir


def _make_case(set_dir: Path, name: str, gap_px: float = 40.0) -> None:
    image = write_dx(
        set_dir / f"{name}.dcm",
        (800 + 3000 * (np.add.outer(np.arange(200) % 50, np.arange(260) % 40) > 70)).astype(
            np.uint16
        ),
        PixelSpacing=[0.2, 0.2],
        PixelSpacingCalibrationType="FIDUCIAL",
        PatientOrientation=["L", "F"],
        WindowCenter=2000,
        WindowWidth=3000,
        SeriesDescription="Brooker III",
    )
    uid = str(pydicom.dcmread(image, stop_before_pixels=True).SOPInstanceUID)
    pts = lambda a: [(float(r), float(c)) for r, c in a]  # noqa: E731
    reference = AnnotationSet(
        sop_instance_uid=uid,
        reader="reference",
        hips=Hips(left=HipReading(no_ho_confirmed=True)),
        items=[
            Item(kind="spur", side="right", origin="pelvis", points=pts(PELVIC), id="rp"),
            Item(kind="spur", side="right", origin="femur", points=pts(FEMORAL), id="rf"),
            Item(kind="gap", side="right", points=[(80.0, 65.0), (80.0 + gap_px, 65.0)], id="rg"),
        ],
    )
    save_annotations(reference, set_dir / "references" / f"{name}.reference.ho.json")


def _draw(widget: PracticeWidget, key: str, origin: str | None, data: Any, kind: str) -> None:
    layer = widget.binding.start_drawing(key, origin)
    layer.add([data], shape_type=kind)


@pytest.mark.gui
def test_one_case_end_to_end(make_napari_viewer: Any, qtbot: Any, tmp_path: Path) -> None:
    run_dir = make_run(tmp_path)
    viewer = make_napari_viewer()
    workbench = Workbench(viewer)  # docked too: it must leave the practice image alone
    widget = PracticeWidget(viewer, run_dir)
    viewer.window.add_dock_widget(widget, name="Practice")
    assert widget.case is not None and widget.case.name == "case_001"
    assert "case_001" in widget.case_label.text()
    names = [layer.name for layer in viewer.layers]
    assert "case_001" in names
    assert not any("reference" in n for n in names)  # nothing gives the answer away
    assert not widget.next_button.isEnabled()
    assert workbench.binding is None

    # The student outlines both spurs, measures the gap too wide (12 mm) and calls the left 0.
    _draw(widget, "spur", "pelvis", PELVIC, "polygon")
    _draw(widget, "spur", "femur", FEMORAL, "polygon")
    _draw(widget, "gap", None, np.array([(80.0, 65.0), (140.0, 65.0)]), "line")
    _draw(widget, "island", None, box(60, 180, 80, 200), "polygon")  # not in the reference
    # A bridge drawn, then its whole layer removed: the edit is saved, nothing raises.
    _draw(widget, "bridge", None, box(100, 100, 120, 120), "polygon")
    viewer.layers.remove(widget.binding.layers["bridge"])
    qtbot.wait(50)
    assert not widget.binding.session.aset.items_on("right", "bridge")
    assert not widget.binding.session.aset.items_on("left", "bridge")
    widget.pick["left"].setCurrentText("0")
    qtbot.mouseClick(widget.submit_button, Qt.MouseButton.LeftButton)

    # Reference overlaid, in its own layer, not editable.
    assert widget.reference_layer is not None and widget.reference_layer in viewer.layers
    assert widget.reference_layer.nshapes == 3 and not widget.reference_layer.editable
    text = widget.result_label.text()
    assert "Wrong: you said II, the reference says III" in text
    assert "your gap is 4.0 mm longer than the reference's" in text and "Class III" in text
    assert "Correct: you and the reference both say 0; extra 1 island" in text
    assert "borderline" not in text  # 8.0 mm is clear of the band
    islands = widget.binding.layers["island"]
    assert np.allclose(islands.edge_color[0], [1.0, 0.0, 1.0, 1.0])  # extra: magenta
    assert islands.features.at[0, "label"].startswith("extra")
    assert not islands.editable
    assert "1 of 2 hips right" in widget.score_label.text()
    grades = [widget.confusion.verticalHeaderItem(r).text() for r in range(5)]
    cols = [widget.confusion.horizontalHeaderItem(c).text() for c in range(6)]
    cell = widget.confusion.item(grades.index("III"), cols.index("II"))
    assert cell is not None and cell.text() == "1"
    assert widget.next_button.isEnabled() and not widget.submit_button.isEnabled()

    # Saved: the student's sidecar and the run file with the comparison.
    session = PracticeSession(run_dir)
    case = session.run.cases[0]
    answer = load_annotations(session.answer_path(case))
    assert sorted(i.kind for i in answer.items) == ["gap", "island", "spur", "spur"]
    assert {i.side for i in answer.items if i.kind != "island"} == {"right"}
    on_disk = json.loads((run_dir / RUN_FILE).read_text())
    right = on_disk["cases"][0]["comparison"]["sides"]["right"]
    assert (right["outcome"], right["student_gap_mm"], len(right["matched"])) == ("wrong", 12.0, 2)
    assert on_disk["summary"]["right"] == 1

    if os.environ.get(SCREENSHOT_ENV):
        viewer.screenshot(os.environ[SCREENSHOT_ENV], canvas_only=False)

    widget.next_case()
    assert "All 1 cases submitted" in widget.case_label.text()
    assert not any(layer.name.startswith("case_001") for layer in viewer.layers)


@pytest.mark.gui
def test_cli_score_equals_the_widget_score_and_a_second_submit_is_safe(
    make_napari_viewer: Any, qtbot: Any, tmp_path: Path
) -> None:
    """Grades picked from the drop-down count in ``ho-annotate score`` as in the widget; two
    submits in a row with real clicks (no screenshot between them) keep napari drawing."""
    import subprocess
    import sys

    run_dir = make_run(tmp_path, n=2)
    viewer = make_napari_viewer(show=True)  # drawn for real: the crash was in glDrawArrays
    widget = PracticeWidget(viewer, run_dir)
    viewer.window.add_dock_widget(widget, name="Practice")
    for right in ("II", "III"):  # wrong, then right; the left hip picked 0 both times
        _draw(widget, "island", None, box(60, 180, 80, 200), "polygon")  # an extra island
        qtbot.wait(30)
        widget.pick["right"].setCurrentText(right)
        widget.pick["left"].setCurrentText("0")
        qtbot.mouseClick(widget.submit_button, Qt.MouseButton.LeftButton)
        qtbot.wait(30)  # let napari draw the reference layer
        qtbot.mouseClick(widget.next_button, Qt.MouseButton.LeftButton)
        qtbot.wait(30)
    assert "All 2 cases submitted" in widget.case_label.text()
    # the Shapes layers were reused from case to case, never removed and created again
    assert [layer.name for layer in viewer.layers if "island" in layer.name] == [
        "(unused island layer)"
    ]
    mine = widget.practice.summary()
    assert (mine.right, mine.wrong, mine.not_read) == (3, 1, 0)

    # The end screen lists the case to revisit (the wrong one) with what went wrong.
    end = widget.result_label.text()
    assert "Cases to revisit (1)" in end and "case_001" in end and "case_002" not in end
    assert "you said II, the reference says III" in end
    # Review it again with the keyboard: the locked answer, the reference and the feedback.
    combo = widget.review_combo
    assert combo.isEnabled() and combo.count() == 3
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.wait(30)
    assert widget.case is not None and widget.case.name == "case_001"
    assert widget.binding.model.locked and widget.binding.layers["island"].nshapes == 1
    assert widget.reference_layer.visible and widget.reference_layer.nshapes == 3
    assert "Reviewing a submitted case" in widget.result_label.text()
    assert widget.pick["right"].currentText() == "II" and not widget.submit_button.isEnabled()
    qtbot.mouseClick(widget.next_button, Qt.MouseButton.LeftButton)
    qtbot.wait(30)
    assert "All 2 cases submitted" in widget.case_label.text()

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "ho_annotate",
            "score",
            str(run_dir / "cases"),
            str(tmp_path / "set" / "references"),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    cli = json.loads(out.stdout)["summary"]
    assert (cli["right"], cli["wrong"], cli["not_read"]) == (mine.right, mine.wrong, 0)
    assert cli["accuracy"] == pytest.approx(mine.accuracy)


@pytest.mark.gui
def test_practice_teaches_with_live_mm_hips_as_displayed_and_borderline_feedback(
    make_napari_viewer: Any, qtbot: Any, tmp_path: Path
) -> None:
    """Real key presses, drags and clicks: the student's gap line shows its mm while drawing,
    no grade or automatic gap shows before Submit; hips listed as displayed, R / L markers, a
    scale bar, No HO with undo; after Submit the reference's gap carries its mm and a 10.4 mm
    reference gap is called borderline."""
    import re

    from napari_ho_annotate._qt.workbench import REDO_KEY, UNDO_KEY
    from plugin_gui_helpers import drag, press_key

    run_dir = make_run(tmp_path, gap_px=52.0)  # the reference gap: 10.4 mm, class II
    viewer = make_napari_viewer()
    widget = PracticeWidget(viewer, run_dir)
    viewer.window.add_dock_widget(widget, name="Practice")
    # The patient's right is on the image's left here: its row comes first, and the letters say so.
    assert widget.order == ["right", "left"]
    assert widget.picks_layout.itemAt(0).widget() is widget.pick_rows["right"]
    assert "image left" in widget.hip_labels["right"].text()
    markers = widget.binding.overlays.markers_layer
    assert markers is not None and list(markers.features["side"]) == ["R", "L"]
    assert viewer.canvas.overlays["scale_bar"].visible
    assert "[Shift+G]" in widget.draw_buttons["Gap line"].text()

    _draw(widget, "spur", "pelvis", PELVIC, "polygon")
    _draw(widget, "spur", "femur", FEMORAL, "polygon")
    press_key(viewer, qtbot, "Shift-G")  # the workbench's key for a gap line
    gaps = viewer.layers.selection.active
    assert gaps is widget.binding.layers["gap"] and gaps.mode == "add_line"
    drag(viewer, qtbot, gaps, (80, 65), (125, 65))  # 45 px = 9.0 mm
    qtbot.waitUntil(lambda: bool(gaps.features["label"][0]), timeout=2000)  # no Submit needed
    label = str(gaps.features["label"][0])
    match = re.fullmatch(r"R (\d+\.\d) mm", label)
    assert match is not None and float(match.group(1)) == pytest.approx(9.0, abs=0.3), label
    names = [layer.name for layer in viewer.layers if layer.visible]
    assert not any("automatic gap" in n or "reference" in n for n in names)
    assert "Class" not in widget.result_label.text()  # the tool's grade stays hidden

    # No HO on the left hip, taken back and given again with the workbench's undo / redo keys.
    box = widget.no_ho["left"]  # clicked on its indicator
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))
    assert widget.binding.session.aset.hips["left"].no_ho_confirmed
    press_key(viewer, qtbot, UNDO_KEY)
    assert not widget.binding.session.aset.hips["left"].no_ho_confirmed
    assert not widget.no_ho["left"].isChecked()
    press_key(viewer, qtbot, REDO_KEY)
    assert widget.no_ho["left"].isChecked()
    qtbot.mouseClick(widget.submit_button, Qt.MouseButton.LeftButton)

    text = widget.result_label.text()
    assert text.index("Right hip") < text.index("Left hip")  # as displayed
    assert "Right hip \u2718:</b> Wrong: you said III, the reference says II" in text
    assert re.search(r"your gap is \d\.\d mm shorter than the reference's", text)
    assert "reference gap of 10.4 mm is borderline: experts disagree within this band" in text
    assert "Left hip \u2714:</b> Correct: you and the reference both say 0" in text
    labels = list(widget.reference_layer.features["label"])
    assert "ref gap R 10.4 mm" in labels
    assert not widget.no_ho["left"].isEnabled()  # locked after Submit
    press_key(viewer, qtbot, UNDO_KEY)
    assert widget.binding.session.aset.hips["left"].no_ho_confirmed
