"""A bundled sample in napari: reference read-only, the user's work in the user folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from napari_ho_annotate._qt.workbench import Workbench
from plugin_helpers import READER, isolate_user_dir

from ho_annotate.annotations.store import load_annotations
from ho_annotate.samples.bundled import sample_data_dir, sample_rows

pytestmark = pytest.mark.gui


def test_calibration_lesson_sample(
    make_napari_viewer: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = isolate_user_dir(tmp_path, monkeypatch)
    before = sorted(p.name for p in sample_data_dir().iterdir())
    viewer = make_napari_viewer()
    viewer.open_sample("ho-annotate", "calibration_lesson")
    widget = viewer.window.dock_widgets["HO workbench (ho-annotate)"]
    assert isinstance(widget, Workbench) and widget.binding is not None
    names = [layer.name for layer in viewer.layers]
    assert "calibration_lesson" in names and "calibration_lesson reference" in names
    reference = viewer.layers["calibration_lesson reference"]
    assert not reference.editable
    n_ref, ref_labels = reference.nshapes, list(reference.features["label"])
    reference.selected_data = {0}
    reference.remove_selected()  # e.g. the Delete key: the reference comes back whole
    assert reference.nshapes == n_ref and list(reference.features["label"]) == ref_labels
    assert widget.panels["left"].status.text() == "Status: not read"  # the user's own reading

    # the user outlines what the reference shows on the left hip (spurs and bones)
    ref = load_annotations(sample_data_dir() / "calibration_lesson.reference.ho.json")
    for item in ref.items:
        if item.side == "left" and item.kind in ("spur", "bone"):
            widget.draw(item.kind, item.origin)
            viewer.layers.selection.active.add_polygons([np.asarray(item.points)])
    qtbot.waitUntil(lambda: "calibration" in widget.panels["left"].need_buttons)
    truth = {r.side: r for r in sample_rows() if r.file == "calibration_lesson.dcm"}
    assert truth["left"].brooker is None and truth["left"].true_brooker == "III"
    left = widget.panels["left"]
    assert left.grade.text() == "no grade"
    assert left.badge.text().strip() == "detector plane"

    # the need is an action: calibrate on the 32 mm prosthetic head
    widget.known_mm.setValue(float(truth["left"].prosthesis_mm or 0))
    left.need_buttons["calibration"].click()
    # the found head is shown first; the reader confirms it with the size they set
    qtbot.waitUntil(lambda: not widget.confirm_head_button.isHidden(), timeout=10000)
    assert widget.binding.session.aset.calibration is None
    assert "32.0 mm" in widget.confirm_head_button.text()
    widget.confirm_head_button.click()
    qtbot.waitUntil(lambda: widget.panels["left"].grade.text() == "III", timeout=10000)
    assert widget.panels["left"].badge.text().strip() == "manual"
    gap = float(widget.panels["left"].gap.text().split()[1])
    assert gap == pytest.approx(truth["left"].true_gap_mm, abs=0.4)
    qtbot.waitUntil(lambda: widget.save_state.text().startswith("✓ Saved"))
    widget.scheme.setCurrentText("della-valle")  # spurs under 1 cm: Della Valle C
    assert widget.panels["left"].grade.text() == "C"
    widget.scheme.setCurrentText("brooker")

    # saved under the user's name in the user folder; the sample folder is untouched
    saved = user / "sample-annotations" / f"calibration_lesson.{READER}.ho.json"
    assert load_annotations(saved).calibration is not None
    assert sorted(p.name for p in sample_data_dir().iterdir()) == before
