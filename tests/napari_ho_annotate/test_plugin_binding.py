"""The layer binding on a napari ViewerModel (no Qt): ids, sides, reconcile, undo, calibration."""

from __future__ import annotations

from pathlib import Path

import npe2
import numpy as np
import pytest
from napari.components import ViewerModel
from napari.layers import Layer
from napari_ho_annotate._binding import ImageBinding
from napari_ho_annotate._reader import read_radiographs
from napari_ho_annotate._session import ImageSession
from plugin_helpers import READER, isolate_user_dir, write_radiograph

from ho_annotate import read_header
from ho_annotate.annotations.store import load_annotations
from ho_annotate.grading import grade


@pytest.fixture
def bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ImageBinding:
    isolate_user_dir(tmp_path, monkeypatch)
    path = write_radiograph(tmp_path)
    viewer = ViewerModel()
    layers = read_radiographs(str(path))
    assert layers is not None
    image = viewer.add_layer(Layer.create(*layers[0]))
    session = ImageSession(path, read_header(path), READER)
    return ImageBinding(viewer, image, session)


def square(r: float, c: float, size: float = 20.0) -> np.ndarray:
    return np.array([[r, c], [r, c + size], [r + size, c + size], [r + size, c]], dtype=float)


def test_shapes_get_stable_ids_sides_and_survive_moves_deletes_and_undo(
    bound: ImageBinding,
) -> None:
    spurs = bound.start_drawing("spur", "pelvis")
    # several shapes in one call: napari reports data_indices (-1,); ids must still be unique
    spurs.add_polygons([square(40, 20), square(40, 200)])
    aset = bound.session.aset
    assert [i.kind for i in aset.items] == ["spur", "spur"]
    ids = list(spurs.features["id"])
    assert len(set(ids)) == 2 and all(ids)
    # image's left is the patient's right (PatientOrientation L)
    assert [i.side for i in aset.items] == ["right", "left"]
    assert list(spurs.features["label"]) == ["R pelvic spur", "L pelvic spur"]

    # a degenerate polygon (two distinct points) is dropped from layer and model
    spurs.add_polygons([np.array([[5.0, 5.0], [5.0, 5.0], [9.0, 9.0]])])
    assert spurs.nshapes == 2 and len(aset.items) == 2

    # move the first spur across the midline: same id, side follows the core rule
    moved = spurs.data
    moved[0] = square(40, 220)
    spurs.data = moved  # napari reports this as "changed"
    first = next(i for i in aset.items if i.id == ids[0])
    assert first.side == "left"
    assert first.points[0] == (40.0, 220.0)

    # delete one, undo brings back the same id and geometry; redo deletes it again
    spurs.selected_data = {1}
    spurs.remove_selected()
    assert [i.id for i in bound.session.aset.items] == [ids[0]]
    assert bound.undo()
    assert sorted(i.id for i in bound.session.aset.items) == sorted(ids)
    assert sorted(spurs.features["id"]) == sorted(ids)
    assert bound.redo() and list(spurs.features["id"]) == [ids[0]]
    assert bound.undo()
    # the next undo takes back the move: one step, the first spur back on the right
    assert bound.undo()
    first = next(i for i in bound.session.aset.items if i.id == ids[0])
    assert first.side == "right" and first.points[0] == (40.0, 20.0)
    assert np.array_equal(spurs.data[list(spurs.features["id"]).index(ids[0])], square(40, 20))


def test_origin_kind_side_and_flip_edits_go_through_the_model(bound: ImageBinding) -> None:
    spurs = bound.start_drawing("spur", "pelvis")
    spurs.add_polygons([square(40, 20)])
    (item_id,) = spurs.features["id"]
    assert bound.set_origin([item_id], "femur")
    assert bound.session.aset.items[0].origin == "femur"
    assert spurs.features["label"][0] == "R femoral spur"
    assert bound.set_side([item_id], "left")
    assert bound.session.aset.items[0].side_by_reader
    bound.flip_sides()  # the reader's own side is kept
    assert bound.session.aset.items[0].side == "left"
    assert bound.set_kind([item_id], "island")
    assert spurs.nshapes == 0 and bound.layers["island"].nshapes == 1
    assert bound.session.aset.items[0].kind == "island"
    assert bound.session.aset.items[0].origin is None
    assert not bound.set_kind([item_id], "gap")  # a polygon cannot become a line


def test_gap_label_calibration_line_rescales_and_writer_saves(
    bound: ImageBinding, tmp_path: Path
) -> None:
    gaps = bound.start_drawing("gap")
    gaps.add_lines([np.array([[50.0, 40.0], [50.0, 90.0]])])
    assert gaps.features["label"][0] == "R 10.0 mm"  # 50 px at 0.2 mm
    assert tuple(bound.image.scale) == (0.2, 0.2)

    bound.calibration_mm = 25.0
    cal = bound.start_drawing("calibration", mode="add_line")
    cal.add_lines([np.array([[150.0, 20.0], [150.0, 120.0]])])  # 100 px = 25 mm
    spacing = bound.session.spacing
    assert spacing is not None and spacing.kind == "manual"
    assert spacing.col_mm == pytest.approx(0.25)
    assert tuple(bound.image.scale) == pytest.approx((0.25, 0.25))
    assert tuple(gaps.scale) == pytest.approx((0.25, 0.25))
    assert gaps.features["label"][0] == "R 12.5 mm"

    islands = bound.start_drawing("island")
    islands.add_polygons([square(40, 180, 30)])
    report = grade(bound.session.aset, bound.session.header_spacing)
    assert report.sides["left"].grade == "I"

    out = tmp_path / f"hip_0001.{READER}.ho.json"
    data = [lay.as_layer_data_tuple() for lay in bound.layers.values()]
    npe2.PluginManager.instance().discover()
    # through npe2, as File > Save Selected Layers does: our writer is picked for .json
    assert npe2.write(str(out), data, plugin_name="ho-annotate") == [str(out)]
    saved = load_annotations(out)
    assert sorted(i.kind for i in saved.items) == ["calibration_line", "gap", "island"]
    assert {i.id for i in saved.items} == {i.id for i in bound.session.aset.items}


def test_deleting_the_calibration_restores_the_header_spacing(bound: ImageBinding) -> None:
    cal = bound.start_drawing("calibration", mode="add_line")
    cal.add_lines([np.array([[150.0, 20.0], [150.0, 120.0]])])
    assert bound.session.aset.calibration is not None
    cal.selected_data = {0}
    cal.remove_selected()
    assert bound.session.aset.calibration is None
    assert tuple(bound.image.scale) == pytest.approx((0.2, 0.2))
    assert bound.undo() and bound.session.aset.calibration is not None
    assert tuple(bound.image.scale) != pytest.approx((0.2, 0.2))


def test_circle_calibration_from_clicked_edge_points_and_from_an_ellipse(
    bound: ImageBinding,
) -> None:
    # edge points of a 25 mm ball drawn 100 px across: 0.25 mm per pixel
    t = np.linspace(0, 2 * np.pi, 7, endpoint=False)
    edge = np.column_stack([100 + 50 * np.sin(t), 130 + 50 * np.cos(t)])
    bound.calibration_mm = 25.0
    cal = bound.start_drawing("calibration", mode="add_polygon")
    cal.add_polygons([edge])
    (item,) = bound.session.aset.items
    assert item.kind == "calibration_circle" and item.known_mm == 25.0
    calibration = bound.session.aset.calibration
    assert calibration is not None and calibration.method == "circle"
    assert calibration.col_mm == pytest.approx(0.25, rel=1e-3)
    assert cal.features["label"][0] == "25 mm"
    # an ellipse drawn around a 40 mm head 160 px across: newest calibration wins
    bound.calibration_mm = 40.0
    cal.add_ellipses([np.array([[20.0, 20.0], [20.0, 180.0], [180.0, 180.0], [180.0, 20.0]])])
    assert [i.kind for i in bound.session.aset.items] == ["calibration_circle"] * 2
    assert bound.session.spacing is not None
    assert bound.session.spacing.col_mm == pytest.approx(0.25, rel=1e-3)
    assert len(bound.session.aset.items[1].points) == 24
