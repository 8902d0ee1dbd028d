"""Sane limits of a sidecar, checked before it is decoded in full.

A hostile or broken file must fail fast and in bounded memory: a million items took 2.5 GB and
110 s before these limits. The size is checked before reading; items are counted as undecoded
``msgspec.Raw`` slices, then the vertices of each with every point left undecoded; nesting depth
is bounded by the decoder (``RecursionError``, a ``SidecarError`` in the store). The values are
far above any real reading: a hip radiograph has a few dozen items of a few hundred vertices.
"""

from __future__ import annotations

from typing import Final

import msgspec

from ho_annotate.errors import SidecarError

__all__ = [
    "MAX_COORDINATE",
    "MAX_ITEMS",
    "MAX_KNOWN_MM",
    "MAX_SIDECAR_BYTES",
    "MAX_SPACING_MM",
    "MAX_UNCERTAINTY_MM",
    "MAX_VERTICES_PER_ITEM",
    "MIN_SPACING_MM",
    "OUTSIDE_IMAGE_MARGIN",
    "check_budget",
    "check_set_budget",
]

#: Largest sidecar file read (bytes).
MAX_SIDECAR_BYTES: Final = 32 * 1024 * 1024
#: Most items (outlines, lines, calibrations) in one sidecar.
MAX_ITEMS: Final = 10_000
#: Most vertices of one item, every list of points in it counted (``points``, ``clicks``,
#: ``snapped_points``).
MAX_VERTICES_PER_ITEM: Final = 10_000
#: Largest absolute pixel coordinate (a DICOM image has at most 65535 rows or columns).
MAX_COORDINATE: Final = 65_536.0
#: How far (a fraction of the image's larger side) a point may lie outside the image when
#: the image is known: a click just past the edge is kept, a gap miles away is refused.
OUTSIDE_IMAGE_MARGIN: Final = 0.1
#: Plausible pixel sizes in mm (a fine mammography detector is 0.05, a coarse scan about 1),
#: for a header's spacing (``ho_annotate.dicom.spacing``) and a sidecar's alike.
MIN_SPACING_MM: Final = 1e-3
MAX_SPACING_MM: Final = 10.0
#: Largest measurement uncertainty of one item (mm): a click is off by a millimetre or so.
MAX_UNCERTAINTY_MM: Final = 100.0
#: Largest known size of a calibration object (mm): calibration balls and prosthetic heads are
#: 20-60 mm, a ruler line at most the film's width.
MAX_KNOWN_MM: Final = 1000.0


class _Items(msgspec.Struct):
    items: list[msgspec.Raw] = []


class _ItemSize(msgspec.Struct):
    """The lists of points of one item, each point left undecoded."""

    points: list[msgspec.Raw] | None = None
    clicks: list[msgspec.Raw] | None = None  # the reader's clicks (format version 2)
    snapped_points: list[msgspec.Raw] | None = None


class _Sizes(msgspec.Struct):
    items: list[_ItemSize] = []


def _refuse_items(source: str, count: int) -> None:
    if count > MAX_ITEMS:
        raise SidecarError(
            f"{source}: {count} items, more than the {MAX_ITEMS} an annotation file may "
            "hold - at `$.items`; split the reading or remove items"
        )


def _refuse_vertices(source: str, n: int, vertices: int) -> None:
    if vertices > MAX_VERTICES_PER_ITEM:
        raise SidecarError(
            f"{source}: item {n} has {vertices} vertices, more than the "
            f"{MAX_VERTICES_PER_ITEM} an item may have - at `$.items[{n}]`; simplify it"
        )


def check_set_budget(aset: object, source: str) -> None:
    """The item and vertex limits on an annotation set built in code, before any other check
    (a save of a million items is refused at once, not after checking each of them)."""
    items = getattr(aset, "items", None)
    if not isinstance(items, list):
        return  # the typed checks say what is wrong
    _refuse_items(source, len(items))
    for n, item in enumerate(items):
        lists = (getattr(item, name, None) for name in ("points", "clicks", "snapped_points"))
        _refuse_vertices(source, n, sum(len(p) for p in lists if isinstance(p, list | tuple)))


def check_budget(data: bytes, source: str) -> None:
    """Refuse a sidecar over the size, item or vertex limits (``SidecarError``).

    Items are counted as raw slices, so new per-item keys never confuse the count; vertices are
    the entries of ``points``, ``clicks`` and ``snapped_points``. Shapes it cannot read
    (``items`` not a list, an item not an object) pass: the full decode reports them with their
    JSON path.
    """
    if len(data) > MAX_SIDECAR_BYTES:
        raise SidecarError(
            f"{source}: larger than {MAX_SIDECAR_BYTES // 2**20} MiB, the limit of an annotation "
            "file; it is not one, or it is damaged"
        )
    try:  # one decode in the common case: each item an object (as many as raw slices)
        sizes = msgspec.json.decode(data, type=_Sizes).items
    except msgspec.DecodeError:
        try:
            items = msgspec.json.decode(data, type=_Items).items
        except msgspec.DecodeError:
            return  # not a list: the full decode says so
        _refuse_items(source, len(items))
        return
    _refuse_items(source, len(sizes))
    for n, item in enumerate(sizes):
        vertices = sum(len(p or ()) for p in (item.points, item.clicks, item.snapped_points))
        _refuse_vertices(source, n, vertices)
