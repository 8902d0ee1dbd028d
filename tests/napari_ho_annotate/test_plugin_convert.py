"""Layer rows to items: what a hand-edited or odd shape becomes."""

from __future__ import annotations

import numpy as np
from napari_ho_annotate._convert import items_to_rows, row_to_item
from napari_ho_annotate._style import SPEC_BY_KEY

from ho_annotate.annotations.model import Item

TRIANGLE = np.array([[0.0, 0.0], [0.0, 10.0], [10.0, 10.0]])


def test_round_trip_keeps_every_field_the_layer_holds() -> None:
    items = [
        Item(kind="spur", side="left", points=[(1, 2), (3, 4), (5, 1)], origin="femur"),
        Item(kind="gap", side="right", points=[(1, 1), (9, 9)], side_by_reader=True),
        Item(kind="calibration_line", side="right", points=[(0, 0), (0, 50)], known_mm=25.0),
    ]
    rows = items_to_rows(items)
    assert rows.shape_types == ["polygon", "line", "line"]
    back = [
        row_to_item(d, t, f, SPEC_BY_KEY[key], "right")
        for d, t, f, key in zip(
            rows.data,
            rows.shape_types,
            rows.features.to_dict("records"),
            ("spur", "gap", "calibration"),
            strict=True,
        )
    ]
    assert back == items


def test_hand_edited_features_and_wrong_shapes_are_checked() -> None:
    spur = SPEC_BY_KEY["spur"]
    odd = {"id": "a1", "side": "middle", "origin": "skull", "known_mm": -3.0}
    item = row_to_item(TRIANGLE, "polygon", odd, spur, "left")
    assert item is not None
    assert (item.side, item.origin, item.known_mm, item.id) == ("left", "pelvis", None, "a1")
    # a line in a polygon layer, a polygon in the gap layer, two distinct points: no item
    assert row_to_item(TRIANGLE[:2], "line", {}, spur, "left") is None
    assert row_to_item(TRIANGLE, "polygon", {}, SPEC_BY_KEY["gap"], "left") is None
    assert row_to_item(np.array([[1.0, 1], [1, 1], [2, 2]]), "polygon", {}, spur, "left") is None
    # an ellipse outline becomes a polygon of points on the ellipse
    box = np.array([[0.0, 0.0], [0.0, 20.0], [10.0, 20.0], [10.0, 0.0]])
    island = row_to_item(box, "ellipse", {}, SPEC_BY_KEY["island"], "right")
    assert island is not None and len(island.points) == 24
    rows = np.asarray(island.points)
    assert rows[:, 0].min() >= 0 and rows[:, 0].max() <= 10 and rows[:, 1].max() <= 20
