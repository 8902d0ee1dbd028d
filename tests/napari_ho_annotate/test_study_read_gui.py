"""``study read`` in a real napari window (Xvfb) with real events: the reader's order, blinding
(no file name, no reference), a gap line drawn with the mouse, Submit into study.json, the lock;
and the CLI's one-line error when no read is open."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from napari_ho_annotate._model import ReadingLocked
from napari_ho_annotate._study import open_study_read
from plugin_gui_helpers import click, press_key
from plugin_helpers import isolate_user_dir
from qtpy.QtCore import Qt

from ho_annotate.annotations.model import Item
from ho_annotate.annotations.store import new_annotation_set, save_annotations
from ho_annotate.study import create_study, load_study, sidecar_for, submit_case, worklist
from ho_annotate.synth import CaseDesign, SideDesign, write_case

pytestmark = pytest.mark.gui
SECRET = "mrn4711"  # in the file names: must never show


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two small synthetic images (each with a reference sidecar beside it), two readers."""
    isolate_user_dir(tmp_path, monkeypatch)
    images = tmp_path / "images"
    for n, grade in enumerate(("II", "III")):
        design = CaseDesign(
            right=SideDesign(grade=grade), seed=n, rows=400, columns=500, pixel_mm=0.8
        )
        write_case(design, images, f"{SECRET}_{n}")
    folder = tmp_path / "study"
    create_study(folder, [images], ["alice", "bob"], reads=2, seed=3)
    return folder


def test_a_blinded_read_in_order_submitted_and_locked(
    make_napari_viewer: Any, qtbot: Any, study: Path
) -> None:
    viewer = make_napari_viewer(show=True)
    panel = open_study_read(viewer, study, "alice")
    widget = panel.workbench
    assert widget.binding is not None
    order = worklist(load_study(study), "alice", 1)
    assert [widget.case_labels[e.path.resolve()] for e in widget.worklist.entries] == order
    assert panel.label == order[0]
    # blinding: no file name anywhere it would show, no reference layer
    texts = [
        viewer.title,
        widget.image_label.text(),
        *(widget.work_list.item(n).text() for n in range(widget.work_list.count())),
        *(layer.name for layer in viewer.layers),
    ]
    assert all(SECRET not in t for t in texts), texts
    assert order[0] in widget.image_label.text() and "alice" in viewer.title
    roles = [layer.metadata["ho_annotate"].get("role") for layer in viewer.layers]
    assert "reference" not in roles and viewer.layers[0].name == order[0]
    qtbot.wait(100)  # the dock takes its room, the image is fitted

    widget.snap_check.setChecked(False)  # the line as clicked
    press_key(viewer, qtbot, "Shift-G")
    gaps = viewer.layers.selection.active
    click(viewer, qtbot, gaps, (150, 200))
    click(viewer, qtbot, gaps, (150, 240))
    qtbot.waitUntil(lambda: len(widget.binding.session.aset.items) == 1)  # type: ignore[union-attr]
    assert all(SECRET not in layer.name for layer in viewer.layers)
    assert SECRET not in widget.save_state.text() + widget.save_state.toolTip()
    model = widget.binding.model

    qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)
    assert model.locked and not panel.submit_button.isEnabled()
    sub = load_study(study).submitted("alice", 1)[order[0]]
    assert sub.locked and sub.reading_seconds > 0  # from opening the case to Submit
    sidecar = sidecar_for(study, "alice", 1, order[0])
    assert sidecar.parent == study / "reads" / "alice" / "1" and sidecar.is_file()
    # a further edit is refused: the mouse draws nothing, the model raises
    press_key(viewer, qtbot, "Shift-G")
    click(viewer, qtbot, gaps, (250, 200))
    click(viewer, qtbot, gaps, (250, 240))
    qtbot.wait(50)
    assert len(model.aset.items) == 1
    with pytest.raises(ReadingLocked):
        model.add_items([Item(kind="gap", side="right", points=[(1.0, 1.0), (2.0, 2.0)])])
    # the next case is open; coming back, the submitted one opens locked
    qtbot.mouseClick(widget.next_button, Qt.MouseButton.LeftButton)
    assert panel.label == order[1] and not widget.binding.model.locked
    assert panel.submit_button.isEnabled()
    qtbot.mouseClick(widget.prev_button, Qt.MouseButton.LeftButton)
    assert panel.label == order[0] and widget.binding.model.locked
    assert len(widget.binding.session.aset.items) == 1
    # an amendment is explicit, with a reason
    panel.reason.setText("wrong side")
    qtbot.mouseClick(panel.amend_button, Qt.MouseButton.LeftButton)
    assert not widget.binding.model.locked
    assert load_study(study).submitted("alice", 1)[order[0]].amendments[0].reason == "wrong side"


def test_cli_says_when_the_next_read_opens(study: Path) -> None:
    s = load_study(study)
    for label in worklist(s, "alice", 1):
        sidecar = sidecar_for(study, "alice", 1, label)
        image = study / next(c.path for c in s.cases if c.case == label)
        from ho_annotate import read_header

        save_annotations(new_annotation_set(read_header(image), "alice"), sidecar)
        submit_case(study, "alice", 1, label, reading_seconds=1.0)
    done = subprocess.run(
        [sys.executable, "-m", "ho_annotate", "study", "read", str(study), "--reader", "alice"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "read 2 is not open yet" in lines[0] and "opens 20" in lines[0]
    assert "Traceback" not in done.stderr


def read_as(study: Path, reader: str, label: str, *, copy_reference: bool) -> None:
    """``reader``'s read 1 of a case: the synthetic reference drawing, or no HO on both hips."""
    from ho_annotate import read_header
    from ho_annotate.annotations.store import load_annotations

    s = load_study(study)
    image = study / next(c.path for c in s.cases if c.case == label)
    if copy_reference:
        aset = load_annotations(image.with_name(f"{image.stem}.reference.ho.json"))
    else:
        aset = new_annotation_set(read_header(image), reader)
        aset.hips.right.no_ho_confirmed = aset.hips.left.no_ho_confirmed = True
    aset.reader = reader
    save_annotations(aset, sidecar_for(study, reader, 1, label))


def test_adjudication_shows_every_reader_and_saves_the_reference(
    make_napari_viewer: Any, qtbot: Any, study: Path
) -> None:
    from napari_ho_annotate._adjudicate import open_study_adjudication

    from ho_annotate.study import disputed_cases

    agreed, disputed = sorted(c.case for c in load_study(study).cases)
    for label in (agreed, disputed):
        read_as(study, "alice", label, copy_reference=True)
        read_as(study, "bob", label, copy_reference=label == agreed)
    assert disputed_cases(study) == [disputed]  # bob saw no HO where alice graded it

    viewer = make_napari_viewer(show=True)
    panel = open_study_adjudication(viewer, study, "carol")
    widget = panel.workbench
    assert load_study(study).reference == "carol"
    assert [widget.case_labels[e.path.resolve()] for e in widget.worklist.entries] == [disputed]
    names = [layer.name for layer in viewer.layers]
    assert all(SECRET not in n for n in [*names, viewer.title]), names
    alice, bob = viewer.layers["alice (read-only)"], viewer.layers["bob (read-only)"]
    assert alice.nshapes > 0 and bob.nshapes == 0 and not alice.editable
    qtbot.wait(100)
    widget.snap_check.setChecked(False)
    press_key(viewer, qtbot, "Shift-G")
    gaps = viewer.layers.selection.active
    click(viewer, qtbot, gaps, (150, 200))
    click(viewer, qtbot, gaps, (150, 240))
    qtbot.waitUntil(lambda: len(widget.binding.session.aset.items) == 1)  # type: ignore[union-attr]
    qtbot.mouseClick(panel.submit_button, Qt.MouseButton.LeftButton)
    assert load_study(study).submitted("carol", 1)[disputed].locked
    assert sidecar_for(study, "carol", 1, disputed).is_file()
    assert alice.nshapes > 0  # the readers' drawings are untouched
