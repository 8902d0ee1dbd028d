"""Annotation Shapes layers bound to one image layer, kept in step with an ``ImageSession``.

napari layers only (works on a ``ViewerModel``, no Qt): layers are created on demand, every
shape carries a stable ``id`` in ``features``, and edits are reconciled by id, never by the
event's ``data_indices`` (several shapes added at once report ``(-1,)``; a degenerate polygon is
reported ``added`` and then discarded).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any

import msgspec
import numpy as np
from napari.layers import Image, Shapes

from ho_annotate.annotations.model import POLYGON_KINDS, Item, ItemKind, Side

from ._convert import (
    MADE_FEATURE_DEFAULTS,
    after_edit,
    empty_features,
    items_to_rows,
    row_to_item,
)
from ._labels import LabelCache
from ._model import ItemExtras, ReadingModel
from ._napari_types import DataEvent, Layer, LayerEvent, Viewer
from ._overlays import Overlays
from ._pool import ShapesPool, clear_shapes
from ._reader import META
from ._session import ImageSession
from ._sides import auto_side, basis_after_flip
from ._snapping import Pixels, outline_at, pixels_of, snap_item
from ._style import (
    SPEC_BY_KEY,
    SPEC_BY_KIND,
    SPECS,
    LayerSpec,
    edge_colour,
    face_colour,
)

if TYPE_CHECKING:
    import pandas as pd

    from ho_annotate.grading import GradeReport


EDIT_ACTIONS = frozenset({"added", "changed", "removed"})
#: A line whose ends are at most this many screen pixels apart was a click, not a drag: the
#: first click of a two-click line (napari's line tool only knows press-drag-release).
CLICK_PX = 8.0


def spec_of(item: Item) -> LayerSpec:
    return SPEC_BY_KIND[item.kind]


class ImageBinding:
    """The reader's annotation layers for one radiograph layer."""

    def __init__(
        self,
        viewer: Viewer,
        image: Image,
        session: ImageSession,
        on_edit: Callable[..., None] | None = None,
        pool: ShapesPool | None = None,
    ) -> None:
        self.viewer = viewer
        #: Where annotation layers come from and go back to (None: created and removed).
        self.pool = pool
        self._handlers: dict[str, Callable[[DataEvent], None]] = {}
        self.image = image
        self.session = session
        #: Called after a user edit event (``defer=True``: not before the event loop runs on);
        #: the widget throttles and calls ``reconcile``. None: reconcile at once.
        self.on_edit = on_edit
        self.layers: dict[str, Shapes] = {}
        self.overlays = Overlays(viewer, str(image.name), str(session.image_path), pool, image)
        self._pending: set[str] = set()
        #: Layers whose drawn shape napari has finished (and still calls "being drawn").
        self._finished: set[str] = set()
        #: Items whose layer features ``flush_features`` sets, by layer key (None: set at once).
        self._features_due: dict[str, list[Item]] | None = None
        self._removed: set[str] = set()
        #: The origin new spurs / outlines get (the last tool chosen), by layer key.
        self._origin: dict[str, str] = {}
        #: Vertices and shape type of each shape when last reconciled, by id.
        self._shapes: dict[str, tuple[np.ndarray, str]] = {}
        self._labels = LabelCache()
        #: The first click of a two-click line, by layer key (data coordinates).
        self.first_click: dict[str, np.ndarray] = {}
        #: New gap lines snap to the bone edges when on (the workbench turns it on from its
        #: *Snap gap lines* box); ``snap_next`` is the next line's.
        self.snap_default = False
        self.snap_next = False
        #: What the last snapping or outline click said (for the widget's status line).
        self.tool_message = ""
        self._outline_tool: tuple[Shapes, Any] | None = None
        self._closing = False
        viewer.layers.events.removed.connect(self._on_layer_removed)
        self.model.restored.connect(self._on_restored)
        self.model.locked_changed.connect(self._on_locked)
        self.load_items()

    @property
    def model(self) -> ReadingModel:
        """The reading: every edit goes through it (one undo step per gesture)."""
        return self.session.model

    def _on_restored(self) -> None:
        """Undo, redo or a reload replaced the annotation set: show it afresh."""
        if not self._closing:
            self.load_items()
            if self.overlays.markers_layer is not None:
                self.show_side_markers()  # an undone flip

    def _on_locked(self, locked: bool) -> None:
        for layer in self.layers.values():
            layer.editable = not locked
            if locked:
                layer.mode = "pan_zoom"

    # -- layers --------
    @property
    def name(self) -> str:
        return str(self.image.name)

    def layer(self, key: str) -> Shapes:
        """The layer for ``key``, created (empty) on first use."""
        if key not in self.layers:
            self.layers[key] = self._create(SPEC_BY_KEY[key])
        return self.layers[key]

    def _scale(self) -> tuple[tuple[float, float], tuple[str, str]]:
        spacing = self.session.spacing
        if spacing is None:
            return (1.0, 1.0), ("pixel", "pixel")
        return spacing.mm, ("mm", "mm")

    def _create(self, spec: LayerSpec) -> Shapes:
        scale, units = self._scale()
        metadata = {
            META: {
                "role": "annotation",
                "key": spec.key,
                "path": str(self.session.image_path),
                "sop_instance_uid": self.session.aset.sop_instance_uid,
                "reader": self.session.reader,
                "annotations_dir": (
                    str(self.session.annotations_dir) if self.session.annotations_dir else None
                ),
            }
        }
        name = f"{self.name} {spec.title}"
        layer = self.pool.take(spec.key) if self.pool is not None else None
        if layer is None or layer not in self.viewer.layers:
            layer = Shapes(
                ndim=2,
                name=name,
                scale=scale,
                units=units,
                features=empty_features(),
                edge_width=spec.edge_width,
                edge_color=spec.colour,
                face_color=face_colour(spec, ""),
                text={
                    "string": "{label}",
                    "color": spec.label_colour,
                    "size": 11,
                    "anchor": "upper_left",
                },
                metadata=metadata,
            )
            self.viewer.add_layer(layer)
        else:  # a pooled layer of the same kind: already in the viewer, emptied (and hidden)
            ShapesPool.lift(self.viewer.layers, layer, self.image)
            layer.name, layer.metadata = name, metadata
            if tuple(float(v) for v in layer.scale) != tuple(scale):
                layer.scale = scale
            if tuple(str(u) for u in layer.units) != tuple(units):
                layer.units = units
            layer.features = empty_features()
            layer.editable = True
            if not layer.visible:
                layer.visible = True
        self._origin[spec.key] = "pelvis" if spec.uses_origin else ""
        self._reset_defaults(layer, spec)
        handler = functools.partial(self._on_data, spec.key)
        self._handlers[spec.key] = handler
        layer.events.data.connect(handler)
        if self.model.locked:
            layer.editable = False
        return layer

    def _reset_defaults(self, layer: Shapes, spec: LayerSpec) -> None:
        """What a newly drawn shape starts with (napari copies the last row after a features set,
        which would hand a new shape the previous one's id, side and known size)."""
        layer.feature_defaults = {
            "id": "",
            "kind": spec.default_kind,
            "side": "",
            "origin": self._origin.get(spec.key, ""),
            "side_by_reader": False,
            "known_mm": np.nan,
            "label": "",
            **MADE_FEATURE_DEFAULTS,
        }

    def load_items(self) -> None:
        """Show the session's items: fill every layer that has items (or already exists)."""
        keys = {spec_of(i).key for i in self.session.aset.items} | set(self.layers)
        for spec in SPECS:
            if spec.key in keys:
                self._fill(spec.key)
        self.apply_spacing()

    def _items_of(self, key: str) -> list[Item]:
        return [i for i in self.session.aset.items if spec_of(i).key == key]

    def _fill(self, key: str) -> None:
        """Replace the layer's shapes by the session's items of that key (no edit events)."""
        layer = self.layer(key)
        items = self._items_of(key)
        rows = items_to_rows(items)
        for item, vertices, shape_type in zip(items, rows.data, rows.shape_types, strict=True):
            self._shapes[item.id] = (vertices, shape_type)
        with layer.events.data.blocker():
            clear_shapes(layer)
            if rows.data:
                layer.add(rows.data, shape_type=rows.shape_types)
            self._set_features(layer, SPEC_BY_KEY[key], rows.features)
            layer.selected_data = set()

    def _set_features(self, layer: Shapes, spec: LayerSpec, features: pd.DataFrame) -> None:
        """Features (with fresh labels) and colours, each set only when it differs.

        Setting features or colours makes napari redo text and colours of every shape, the
        slowest part of a refresh: skip when nothing changed.
        """
        features = features.reset_index(drop=True).copy()
        by_id = {i.id: i for i in self.session.aset.items}
        spacing = self.session.spacing
        features["label"] = [
            self._labels.text(by_id[i], spacing) if i in by_id else "" for i in features["id"]
        ]
        if not _same_features(layer.features, features):
            layer.features = features
            self._reset_defaults(layer, spec)
        if len(features):
            origins = list(features["origin"])
            edges = _rgba([edge_colour(spec, o) for o in origins])
            if layer.edge_color.shape != edges.shape or not np.allclose(layer.edge_color, edges):
                layer.edge_color = edges
            faces = _rgba([face_colour(spec, o) for o in origins])
            if layer.face_color.shape != faces.shape or not np.allclose(layer.face_color, faces):
                layer.face_color = faces

    # -- edits from the user --------
    def _on_data(self, key: str, event: DataEvent) -> None:
        if str(event.action) not in EDIT_ACTIONS or self._closing:
            return
        self._pending.add(key)
        layer = self.layers.get(key)
        if str(event.action) == "added" and getattr(layer, "_is_creating", False):
            # napari reports a drawn shape "added" when it is finished (drag released, polygon
            # closed) but before it stops counting as being drawn: take it now, at once
            self._finished.add(key)
        if self.on_edit is None:
            self.reconcile()
        else:
            self.on_edit()

    @property
    def pending(self) -> bool:
        """Edits not yet reconciled (e.g. a shape still being drawn)."""
        return bool(self._pending or self._removed)

    def reconcile(self, *, features_later: bool = False) -> bool:
        """Bring the session's items in line with the layers; True when anything changed.

        All edits gathered since the last call make one undo step. A locked reading takes no
        edits: the layers are put back as the model has them. ``features_later``: the layers'
        features (labels, colours: the slow part) wait for ``flush_features``, which must come
        before any other edit (the workbench paints the new grade in between).
        """
        self.flush_features()
        if features_later:
            self._features_due = {}
        if self.model.locked:
            for key in self._pending & set(self.layers):
                self._fill(key)
            self._pending.clear()
            self._finished.clear()
            self._removed.clear()
            return False
        changed = False
        with self.model.edit("draw"):
            changed |= self._drop_removed_layers()
            for key in sorted(self._pending):
                layer = self.layers.get(key)
                creating = getattr(layer, "_is_creating", False) and key not in self._finished
                if layer is not None and creating:
                    continue  # a shape is being drawn: its "added" event will come back here
                if layer is not None:
                    changed |= self._reconcile_layer(key)
                self._pending.discard(key)
                self._finished.discard(key)
        return changed

    def _reconcile_layer(self, key: str) -> bool:
        layer, spec = self.layers[key], SPEC_BY_KEY[key]
        old = {i.id: i for i in self._items_of(key)}
        records = layer.features.to_dict("records")
        items: list[Item] = []
        bad: list[int] = []
        seen: set[str] = set()
        refill = False
        data, shape_types = layer.data, layer.shape_type
        for idx in range(layer.nshapes):
            row: dict[str, Any] = records[idx] if idx < len(records) else {}
            rid = str(row.get("id") or "")
            if rid in seen:  # a pasted copy: a new item
                row, rid = {**row, "id": ""}, ""
            vertices, shape_type = data[idx], shape_types[idx]
            if rid not in old and shape_type == "line" and self._is_click(layer, vertices):
                start = self.first_click.pop(key, None)
                if start is None:  # click A: wait for click B
                    self.first_click[key] = np.array(vertices[0], copy=True)
                    bad.append(idx)
                    continue
                vertices, refill = np.array([start, vertices[0]]), True
            cached = self._shapes.get(rid)
            if (
                rid in old
                and cached is not None
                and cached[1] == shape_type
                and np.array_equal(cached[0], vertices)
            ):
                item: Item | None = old[rid]  # untouched shape: nothing to convert
            else:
                item = row_to_item(vertices, shape_type, row, spec, "right")
                if item is None:
                    bad.append(idx)
                    continue
                item = self._complete(item, old.get(item.id), key)
                if key == "gap" and rid not in old:
                    refill |= self._snap(item)
                self._shapes[item.id] = (np.array(vertices, copy=True), shape_type)
            assert item is not None
            seen.add(item.id)
            items.append(item)
        if bad:
            with layer.events.data.blocker():
                layer.selected_data = set(bad)
                layer.remove_selected()
        if [old.get(i.id) for i in items] == items and len(items) == len(old):
            self._features_for(key, items)
            return False
        self._replace_items(key, items)
        if refill:
            self._fill(key)
        else:
            self._features_for(key, items)
        return True

    def _features_for(self, key: str, items: list[Item]) -> None:
        """The layer's features (ids, labels, colours) for its items: now, or at
        ``flush_features`` when the reconcile was asked to leave them for later."""
        if self._features_due is not None:
            self._features_due[key] = items
            return
        layer = self.layers[key]
        with layer.events.data.blocker():
            self._set_features(layer, SPEC_BY_KEY[key], items_to_rows(items).features)

    def flush_features(self) -> None:
        """Set the features a ``reconcile(features_later=True)`` left for later."""
        due, self._features_due = self._features_due, None
        for key, items in (due or {}).items():
            if key in self.layers:
                self._features_for(key, items)

    def _pixels(self) -> Pixels:
        return pixels_of(self.image.data, self.session)

    def _snap(self, item: Item) -> bool:
        """Snap a new gap line (unless turned off for it); True when its ends moved."""
        snap, self.snap_next = self.snap_next, self.snap_default
        if not snap:
            self.tool_message = "Gap line kept as drawn (snapping off for this line)."
            self.model.extras[item.id] = ItemExtras(made="manual", clicks=list(item.points))
            return False
        before = list(item.points)
        item, extras = snap_item(item, self._pixels())
        self.model.extras[item.id] = extras
        self.tool_message = (
            "Gap line snapped to the bone edges (raw clicks shown faint)."
            if extras.made == "snapped"
            else "Gap line kept as drawn: no bone edges found near its ends."
        )
        return item.points != before

    def _is_click(self, layer: Shapes, vertices: np.ndarray) -> bool:
        """The line's ends are no more than ``CLICK_PX`` screen pixels apart."""
        world = (np.asarray(vertices[-1]) - np.asarray(vertices[0]))[-2:] * np.asarray(layer.scale)[
            -2:
        ]
        camera = _camera(self.viewer)
        zoom = float(camera.zoom) if camera is not None else 1.0
        return float(np.hypot(*world)) * zoom <= CLICK_PX

    def _complete(self, item: Item, before: Item | None, key: str) -> Item:
        """Side by the core rules unless the reader set it; keep what the layer cannot hold."""
        item = after_edit(item, before)
        if before is not None:
            item.note = before.note
            if before.known_mm is not None and item.known_mm is None:
                item.known_mm = before.known_mm
        if not item.side_by_reader:
            item.side = auto_side(self.session, item.points)
        if key == "calibration" and item.known_mm is None:
            item.known_mm = self.calibration_mm
        return item

    #: Known size (mm) given to the next calibration shape (set by the widget).
    calibration_mm: float = 28.0
    #: Why the newest calibration shape could not be used, if it could not.
    calibration_error: str | None = None

    def _replace_items(self, key: str, items: list[Item]) -> None:
        aset = self.session.aset
        aset.items = [i for i in aset.items if spec_of(i).key != key] + items
        if key == "calibration":
            self.update_calibration()
        self.session.mark_changed()

    def _on_layer_removed(self, event: LayerEvent) -> None:
        layer = event.value
        for key, own in list(self.layers.items()):
            if own is layer:
                del self.layers[key]
                self._removed.add(key)
                if self.on_edit is None:
                    self.reconcile()
                else:
                    self.on_edit(defer=True)
        self.overlays.forget(layer)

    def _drop_removed_layers(self) -> bool:
        """A deleted annotation layer deletes its items (undoable), unless the image is closing."""
        changed = False
        if self.image in self.viewer.layers and not self._closing:
            for key in self._removed - set(self.layers):
                if self._items_of(key):
                    self._replace_items(key, [])
                    changed = True
        self._removed.clear()
        return changed

    # -- commands --------
    def start_drawing(self, key: str, origin: str | None = None, mode: str | None = None) -> Shapes:
        """Select the layer for ``key`` and put it in its drawing mode."""
        spec = SPEC_BY_KEY[key]
        layer = self.layer(key)
        layer.selected_data = set()
        self.first_click.pop(key, None)
        self._stop_outline_tool()
        if spec.uses_origin:
            self._origin[key] = origin or "pelvis"
            self._reset_defaults(layer, spec)
            layer.current_edge_color = edge_colour(spec, origin or "pelvis")
            layer.current_face_color = face_colour(spec, origin or "pelvis")
        layer.visible = True
        self.viewer.layers.selection.active = layer
        layer.mode = mode or spec.mode
        return layer

    # -- one-click outlines --------
    def start_outline(self, key: str, origin: str | None = None) -> Shapes:
        """One click inside an island, spur or bone adds its outline (a drag still pans)."""
        layer = self.start_drawing(key, origin, mode="pan_zoom")
        callback = functools.partial(self._outline_gesture, key)
        layer.mouse_drag_callbacks.append(callback)
        self._outline_tool = (layer, callback)
        return layer

    def _stop_outline_tool(self) -> None:
        if self._outline_tool is not None:
            layer, callback = self._outline_tool
            if callback in layer.mouse_drag_callbacks:
                layer.mouse_drag_callbacks.remove(callback)
            self._outline_tool = None

    def _outline_gesture(self, key: str, layer: Shapes, event: Any) -> Generator[None, None, None]:
        start = np.asarray(event.position, dtype=float)
        yield
        camera = _camera(self.viewer)
        zoom = float(camera.zoom) if camera is not None else 1.0
        while event.type == "mouse_move":
            moved = np.asarray(event.position, dtype=float) - start
            if float(np.hypot(*moved[-2:])) * zoom > CLICK_PX:
                return  # a drag: napari pans, no outline
            yield
        point = layer.world_to_data(start)[-2:]
        self.outline_click(key, (float(point[0]), float(point[1])))

    def outline_click(self, key: str, point: tuple[float, float]) -> Item | None:
        """Add the core's outline of the ``key`` structure under ``point`` (pixels)."""
        from ho_annotate.errors import HoAnnotateError

        try:
            points = outline_at(self._pixels(), point, key)
        except HoAnnotateError as exc:
            self.tool_message = f"No outline: {exc}."
            return None
        spec = SPEC_BY_KEY[key]
        origin = self._origin.get(key) or "pelvis" if spec.uses_origin else None
        item = Item(
            kind=spec.default_kind,
            side=auto_side(self.session, points),
            points=points,
            origin=origin,  # type: ignore[arg-type]
            made="outlined",
            clicks=[point],
        )
        self.add_items([item], ItemExtras(made="outlined", clicks=[point]))
        self.tool_message = f"Outlined a {spec.default_kind} ({len(points)} vertices, editable)."
        if self.on_edit is not None:
            self.on_edit()
        return item

    def selected_ids(self) -> list[str]:
        ids: list[str] = []
        for layer in self.layers.values():
            feats = layer.features.reset_index(drop=True)
            ids.extend(
                str(feats.at[i, "id"]) for i in sorted(layer.selected_data) if i < len(feats)
            )
        return ids

    def _edit(
        self, ids: Iterable[str], change: Callable[[Item], Item | None], what: str = "edit"
    ) -> bool:
        wanted = set(ids)
        keys: set[str] = set()
        with self.model.edit(what):
            for n, item in enumerate(list(self.session.aset.items)):
                if item.id in wanted:
                    new = change(item)
                    if new is not None:
                        keys |= {spec_of(item).key, spec_of(new).key}
                        self.session.aset.items[n] = new
            if "calibration" in keys:
                self.update_calibration()
        for key in keys:
            self._fill(key)
        if keys:
            self.session.mark_changed()
        return bool(keys)

    def set_side(self, ids: Iterable[str], side: Side) -> bool:
        """The reader's own side for these items (kept when the image is flipped)."""
        return self._edit(
            ids, lambda i: msgspec.structs.replace(i, side=side, side_by_reader=True), "side"
        )

    def set_origin(self, ids: Iterable[str], origin: str) -> bool:
        def change(item: Item) -> Item | None:
            if not spec_of(item).uses_origin:
                return None
            return msgspec.structs.replace(item, origin=origin)

        return self._edit(ids, change, "origin")

    def set_kind(self, ids: Iterable[str], kind: ItemKind) -> bool:
        """Move items to another kind (and so another layer); polygons stay polygons."""

        def change(item: Item) -> Item | None:
            if item.kind == kind or (item.kind in POLYGON_KINDS) != (kind in POLYGON_KINDS):
                return None
            origin = item.origin or "pelvis" if SPEC_BY_KIND[kind].uses_origin else None
            return msgspec.structs.replace(item, kind=kind, origin=origin)

        return self._edit(ids, change, "kind")

    def flip_sides(self) -> None:
        """The image is mirrored: swap the side of every item the reader did not set by hand."""
        from ho_annotate.dicom.sides import flip_sides

        basis = basis_after_flip(self.session)
        with self.model.edit("flip sides") as current:
            flipped = flip_sides(current)
            flipped.side_basis = basis  # type: ignore[assignment]
            current.items, current.hips = flipped.items, flipped.hips
            current.side_basis = flipped.side_basis
        self.show_side_markers()
        for key in list(self.layers):
            self._fill(key)
        self.session.mark_changed()

    def confirm_no_ho(self, side: Side, confirmed: bool = True) -> None:
        self.model.set_no_ho(side, confirmed)
        self.session.mark_changed()

    def undo(self) -> bool:
        """Undo the last edit (the layers are refilled through ``restored``)."""
        self.reconcile()  # an edit still pending belongs before the undo
        return self.model.can_undo and self.model.undo() is not None

    def redo(self) -> bool:
        return self.model.can_redo and self.model.redo() is not None

    def add_items(self, items: list[Item], extras: ItemExtras | None = None) -> None:
        """Add items made by a tool (e.g. the prosthetic head found by the core)."""
        with self.model.edit("add"):
            self.model.add_items(items, extras)
            if any(spec_of(i).key == "calibration" for i in items):
                self.update_calibration()
        for key in {spec_of(i).key for i in items}:
            self._fill(key)
        self.apply_spacing()
        self.session.mark_changed()

    # -- calibration and scale --------
    def update_calibration(self) -> None:
        """The newest calibration item decides the manual calibration (none: the header's)."""
        from ho_annotate.calibration.manual import calibrate_circle, calibrate_line
        from ho_annotate.errors import CalibrationError

        aset = self.session.aset
        cal_items = [i for i in aset.items if i.kind.startswith("calibration") and i.known_mm]
        if not cal_items:
            if aset.calibration is not None and aset.calibration.item_id is not None:
                aset.calibration = None
            self.apply_spacing()
            return
        item = cal_items[-1]
        known = float(item.known_mm or 0.0)
        header = self.session.header_spacing
        self.calibration_error = None
        try:
            if item.kind == "calibration_line":
                cal = calibrate_line(item.points[0], item.points[1], known, header, item_id=item.id)
            else:
                head = item.note == "prosthetic head"
                cal = calibrate_circle(
                    item.points,
                    known,
                    header,
                    method="prosthetic_head" if head else "circle",
                    item_id=item.id,
                )
        except CalibrationError as exc:
            self.calibration_error = str(exc)
            aset.calibration = None
        else:
            aset.calibration = cal
        self.apply_spacing()

    def set_known_mm(self, item_id: str, known_mm: float) -> bool:
        return self._edit(
            [item_id], lambda i: msgspec.structs.replace(i, known_mm=known_mm), "calibration"
        )

    def apply_spacing(self) -> None:
        """Image and annotation layers use the current spacing (header or manual) as scale."""
        scale, units = self._scale()
        old = tuple(float(v) for v in self.image.scale)
        if old != scale:
            self.image.scale = scale
            self.image.units = units
            for layer in self.bound_layers():
                if layer is not self.image:
                    layer.scale = scale
                    layer.units = units
            self._keep_view(old, scale)
        for layer in self.layers.values():
            self._set_features(layer, SPEC_BY_KEY[_key(layer)], layer.features)

    def _keep_view(self, old: tuple[float, ...], new: tuple[float, float]) -> None:
        """The same pixels stay on screen when the scale changes (calibrating keeps the zoom)."""
        camera = _camera(self.viewer)
        if camera is None or len(old) != 2:
            return
        ratio = (new[0] / old[0], new[1] / old[1])
        centre = list(camera.center)
        centre[-2] *= ratio[0]
        centre[-1] *= ratio[1]
        camera.center = tuple(centre)
        camera.zoom = float(camera.zoom) / float(np.sqrt(ratio[0] * ratio[1]))

    def bound_layers(self) -> list[Layer]:
        """Every layer that belongs to this image (annotations, reference, automatic gap)."""
        path = str(self.session.image_path)
        return [lay for lay in self.viewer.layers if lay.metadata.get(META, {}).get("path") == path]

    # -- what the grade says, drawn --------
    def show_report(self, report: GradeReport) -> None:
        """The automatic gap of each hip drawn as a thin white check line.

        Labels on shapes follow their items (``_set_features``) and the spacing
        (``apply_spacing``), so nothing else needs redrawing here.
        """
        self.overlays.auto_gaps(report, self._scale())
        gaps = {i.id for i in self.session.aset.items if i.kind == "gap"}
        clicks = [
            np.asarray(extra.clicks, dtype=float)
            for item_id, extra in self.model.extras.items()
            if extra.made == "snapped" and item_id in gaps and len(extra.clicks) == 2
        ]
        self.overlays.raw_clicks(clicks, self._scale())

    def show_side_markers(self) -> None:
        """Big R / L letters at the top corners, from the side rules (and any flip)."""
        header = self.session.header
        rows, cols = int(header.rows), int(header.columns)
        at = [(rows * 0.04, cols * 0.04), (rows * 0.04, cols * 0.96)]
        letters = ["R" if auto_side(self.session, [p]) == "right" else "L" for p in at]
        if letters[0] == letters[1]:  # a single-hip view: one letter is enough
            at, letters = at[:1], letters[:1]
        self.overlays.side_markers(at, letters, self._scale())

    def close(self) -> None:
        """Remove this image's annotation layers (the session keeps the items)."""
        self._closing = True
        self.viewer.layers.events.removed.disconnect(self._on_layer_removed)
        self._stop_outline_tool()
        self.model.restored.disconnect(self._on_restored)
        self.model.locked_changed.disconnect(self._on_locked)
        for key, layer in self.layers.items():
            layer.events.data.disconnect(self._handlers.pop(key))
            if self.pool is not None and layer in self.viewer.layers:
                self.pool.give(key, layer)
            elif layer in self.viewer.layers:
                self.viewer.layers.remove(layer)
        self.overlays.close()
        self.layers.clear()


_COMPARED = (
    "id",
    "kind",
    "side",
    "origin",
    "side_by_reader",
    "label",
    "made",
    "clicks",
    "snapped_points",
)


def _same_features(current: pd.DataFrame, new: pd.DataFrame) -> bool:
    if len(current) != len(new) or any(c not in current for c in _COMPARED):
        return False
    for column in _COMPARED:
        if current[column].tolist() != new[column].tolist():
            return False
    for column in ("known_mm", "uncertainty_mm"):
        if column not in current or not np.array_equal(
            current[column].to_numpy(dtype=float),
            new[column].to_numpy(dtype=float),
            equal_nan=True,
        ):
            return False
    return True


@functools.cache
def _one_rgba(colour: str) -> tuple[float, ...]:
    from napari.utils.colormaps.standardize_color import transform_color

    return tuple(float(v) for v in transform_color(colour)[0])


def _rgba(colours: list[str]) -> np.ndarray:
    return np.asarray([_one_rgba(c) for c in colours], dtype=np.float32)


def _camera(viewer: Viewer) -> Any:
    """The viewer's camera (``viewer.scene.camera`` since napari 0.9), if it has one."""
    scene = getattr(viewer, "scene", None)
    return getattr(scene, "camera", None) if scene is not None else getattr(viewer, "camera", None)


def _key(layer: Shapes) -> str:
    return str(layer.metadata[META]["key"])
