"""How items were made (sidecar format version 2) survives the layers: conversion, edits, saves."""

from __future__ import annotations

from pathlib import Path

import npe2
import numpy as np
import pytest
from napari.components import ViewerModel
from napari.layers import Layer
from napari_ho_annotate._binding import ImageBinding
from napari_ho_annotate._convert import after_edit, items_to_rows, row_to_item
from napari_ho_annotate._reader import read_radiographs
from napari_ho_annotate._session import ImageSession
from napari_ho_annotate._style import SPEC_BY_KEY
from plugin_helpers import READER, isolate_user_dir, write_radiograph

from ho_annotate import read_header
from ho_annotate.annotations.model import Item
from ho_annotate.annotations.store import load_annotations

TRIANGLE = [(40.0, 180.0), (40.0, 210.0), (70.0, 195.0)]


def snapped_gap() -> Item:
    return Item(
        kind="gap",
        side="left",
        id="snap",
        points=[(50.0, 150.0), (100.0, 150.0)],
        made="snapped",
        clicks=[(48.5, 151.0), (103.0, 149.0)],
        uncertainty_mm=0.12,
    )


def outlined_island() -> Item:
    return Item(
        kind="island",
        side="left",
        id="isl",
        points=TRIANGLE,
        made="outlined",
        clicks=[(50.0, 195.0)],
        uncertainty_mm=0.3,
    )


def test_rows_carry_how_items_were_made() -> None:
    items = [
        snapped_gap(),
        outlined_island(),
        Item(
            kind="gap",
            side="right",
            id="hand",
            points=[(1.0, 1.0), (9.0, 9.0)],
            made="manual",
            snapped_points=[(1.5, 1.0), (8.0, 9.0)],
        ),
        Item(kind="spur", side="right", id="old", origin="pelvis", points=TRIANGLE),
    ]
    rows = items_to_rows(items)
    back = [
        row_to_item(d, t, f, SPEC_BY_KEY[key], "right")
        for d, t, f, key in zip(
            rows.data,
            rows.shape_types,
            rows.features.to_dict("records"),
            ("gap", "island", "gap", "spur"),
            strict=True,
        )
    ]
    assert back == items


def test_hand_typed_made_features_are_checked() -> None:
    gap, island = SPEC_BY_KEY["gap"], SPEC_BY_KEY["island"]
    line = np.array([[0.0, 0.0], [0.0, 10.0]])
    odd = {"made": "origin", "clicks": "[[1, 2]]", "uncertainty_mm": 0.2}
    item = row_to_item(line, "line", odd, gap, "left")
    assert item is not None and (item.made, item.clicks, item.uncertainty_mm) == (None,) * 3
    bad = {
        "made": "manual",
        "clicks": "[[1, 'x']]",
        "uncertainty_mm": -1.0,
        "snapped_points": "[[0, 0]]",
    }
    item = row_to_item(line, "line", bad, gap, "left")
    assert item is not None and item.made == "manual"
    assert (item.clicks, item.uncertainty_mm, item.snapped_points) == (None, None, None)
    # an island cannot be snapped: it is taken as hand-drawn
    item = row_to_item(np.array(TRIANGLE), "polygon", {"made": "snapped"}, island, "left")
    assert item is not None and item.made == "manual"


def test_moving_a_snapped_line_makes_it_manual_and_keeps_the_snap() -> None:
    before = snapped_gap()
    same = Item(kind="gap", side="left", id="snap", points=list(before.points))
    assert after_edit(same, before) == before
    moved = Item(kind="gap", side="left", id="snap", points=[(50.0, 150.0), (112.0, 150.0)])
    edited = after_edit(moved, before)
    assert (edited.made, edited.clicks, edited.uncertainty_mm) == ("manual", None, None)
    assert edited.snapped_points == before.points
    copy = snapped_gap()  # a pasted copy: a new shape, placed by hand
    pasted = after_edit(copy, None)
    assert (pasted.made, pasted.clicks, pasted.uncertainty_mm) == ("manual", None, None)
    assert pasted.snapped_points == snapped_gap().points
    reshaped = Item(kind="island", side="left", id="isl", points=[(0.0, 0.0), *TRIANGLE[1:]])
    edited = after_edit(reshaped, outlined_island())
    assert (edited.made, edited.clicks, edited.snapped_points) == ("manual", None, None)


@pytest.fixture
def bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ImageBinding:
    isolate_user_dir(tmp_path, monkeypatch)
    path = write_radiograph(tmp_path)
    viewer = ViewerModel()
    layers = read_radiographs(str(path))
    assert layers is not None
    image = viewer.add_layer(Layer.create(*layers[0]))
    return ImageBinding(viewer, image, ImageSession(path, read_header(path), READER))


def test_a_workbench_save_keeps_how_items_were_made(bound: ImageBinding, tmp_path: Path) -> None:
    bound.add_items([snapped_gap(), outlined_island()])
    gaps = bound.start_drawing("gap")
    gaps.add_lines([np.array([[150.0, 40.0], [150.0, 90.0]])])  # drawn by hand
    path = bound.session.save()
    saved = {i.id: i for i in load_annotations(path).items}
    assert saved["snap"] == snapped_gap() and saved["isl"] == outlined_island()
    (drawn,) = (i for i in saved.values() if i.id not in ("snap", "isl"))
    assert drawn.made == "manual" and drawn.uncertainty_mm is None

    # reopen: unchanged shapes stay as they were made, a moved one becomes the reader's
    bound.session.reload()
    bound.load_items()
    assert not bound.reconcile() and not bound.session.dirty
    data = gaps.data
    n = list(gaps.features["id"]).index("snap")
    data[n] = np.array([[50.0, 150.0], [112.0, 150.0]])
    gaps.data = data
    edited = next(i for i in bound.session.aset.items if i.id == "snap")
    assert edited.made == "manual" and edited.snapped_points == snapped_gap().points
    assert next(i for i in bound.session.aset.items if i.id == "isl") == outlined_island()

    # the napari writer (File > Save Selected Layers) keeps them too
    out = tmp_path / f"hip_0001.{READER}.ho.json"
    npe2.PluginManager.instance().discover()
    layers = [lay.as_layer_data_tuple() for lay in bound.layers.values()]
    assert npe2.write(str(out), layers, plugin_name="ho-annotate") == [str(out)]
    written = {i.id: i for i in load_annotations(out).items}
    assert written["isl"] == outlined_island() and written["snap"] == edited
