"""Shapes in millimetres: conversion from image pixels, areas, Feret diameters, closest points.

Pixels are ``(row, col)``; millimetre coordinates are ``(row * row_mm, col * col_mm)``, so
anisotropic pixels measure right. With no spacing, callers pass ``(1.0, 1.0)`` and every length
is in pixels. Shapely does the geometry; this module only converts and caches.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from ho_annotate.annotations.coords import flat_points
from ho_annotate.annotations.model import Point

#: ``(row_mm, col_mm)``; ``(1.0, 1.0)`` measures in pixels.
Scale = tuple[float, float]
PIXELS: Scale = (1.0, 1.0)


def to_mm(points: Sequence[Point], scale: Scale) -> NDArray[np.float64]:
    """Pixel points ``(row, col)`` as an ``(n, 2)`` array of millimetre coordinates."""
    arr = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return arr * np.asarray(scale, dtype=np.float64)


def to_px(point_mm: Sequence[float], scale: Scale) -> Point:
    """A millimetre point back in pixels ``(row, col)``."""
    return (float(point_mm[0]) / scale[0], float(point_mm[1]) / scale[1])


def polygon_mm(points: Sequence[Point], scale: Scale) -> BaseGeometry:
    """A closed outline in mm; self-intersecting outlines are repaired, not rejected."""
    return _polygon(to_mm(points, scale))


def _polygon(coords_mm: NDArray[np.float64]) -> BaseGeometry:
    poly = shapely.Polygon(coords_mm)
    if not poly.is_valid:
        repaired = shapely.make_valid(poly)
        poly = shapely.union_all(
            [g for g in shapely.get_parts(repaired) if g.geom_type in ("Polygon", "MultiPolygon")]
        )
    return poly


def _build(kind: str, coords_mm: Sequence[NDArray[np.float64]]) -> list[BaseGeometry]:
    """Polygons (repaired as ``_polygon``) or lines from mm coordinates, built together."""
    if len(coords_mm) > 1:
        owner = np.arange(len(coords_mm)).repeat([len(c) for c in coords_mm])
        flat = np.concatenate(coords_mm)
        try:
            if kind != "polygon":
                return list(shapely.linestrings(flat, indices=owner))
            polys = shapely.polygons(shapely.linearrings(flat, indices=owner))
            valid = shapely.is_valid(polys)
        except (ValueError, shapely.errors.GEOSException):
            pass  # one by one below, which raises (or not) just as before
        else:
            return [
                p if ok else _polygon(c) for p, ok, c in zip(polys, valid, coords_mm, strict=True)
            ]
    return [_polygon(c) if kind == "polygon" else shapely.LineString(c) for c in coords_mm]


def _converted(
    missing: Sequence[tuple[int, str, str, tuple[Point, ...]]],
) -> list[NDArray[np.float64]]:
    """Each request's points as a float array: all in one conversion when they are plain pairs.

    The arrays are the same as ``np.asarray(points, dtype=np.float64)`` one by one (which is
    the fallback), converted from Python in one go: batch work builds many small shapes.
    """
    if len(missing) > 1 and all(m[3] for m in missing):
        try:
            flat = np.asarray([p for m in missing for p in m[3]], dtype=np.float64)
        except (ValueError, TypeError):
            flat = np.empty((0,))
        if flat.ndim == 2 and flat.shape[1] == 2:
            ends = list(itertools.accumulate(len(m[3]) for m in missing))
            return [flat[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    return [np.asarray(m[3], dtype=np.float64) for m in missing]


def _flat(
    missing: Sequence[tuple[int, str, str, tuple[Point, ...]]],
) -> NDArray[np.float64] | None:
    """All requests' points as one ``(n, 2)`` float array, or ``None`` when they are not plain
    pairs of numbers (then ``_converted`` goes one by one)."""
    if not all(m[3] for m in missing):
        return None
    flat = flat_points([m[3] for m in missing])
    if flat is not None:
        return flat
    try:
        flat = np.asarray([p for m in missing for p in m[3]], dtype=np.float64)
    except (ValueError, TypeError):
        return None
    return flat if flat.ndim == 2 and flat.shape[1] == 2 else None


def line_mm(points: Sequence[Point], scale: Scale) -> shapely.LineString:
    """A two-point line in mm."""
    return shapely.LineString(to_mm(points, scale))


def pixel_step_mm(direction_mm: Sequence[float], scale: Scale) -> float:
    """Length in mm of a one-pixel step along a direction given in mm coordinates.

    For a unit direction ``(ur, uc)`` in mm, one pixel along it is
    ``1 / hypot(ur / row_mm, uc / col_mm)`` mm. A zero direction gives the larger pixel side.
    """
    dr, dc = float(direction_mm[0]), float(direction_mm[1])
    norm = float(np.hypot(dr, dc))
    if norm == 0.0:
        return max(scale)
    return 1.0 / float(np.hypot(dr / norm / scale[0], dc / norm / scale[1]))


@dataclass(frozen=True)
class Feret:
    """Maximum Feret diameter: the longest distance between two points of a shape."""

    length: float
    a: tuple[float, float]
    b: tuple[float, float]


def max_feret(geom: BaseGeometry) -> Feret:
    """Maximum Feret diameter, found between the vertices of the convex hull."""
    hull = shapely.convex_hull(geom)
    coords = shapely.get_coordinates(hull)
    if len(coords) < 2:
        p = (float(coords[0, 0]), float(coords[0, 1])) if len(coords) else (0.0, 0.0)
        return Feret(0.0, p, p)
    diff = coords[:, None, :] - coords[None, :, :]
    d2 = np.einsum("ijk,ijk->ij", diff, diff)
    i, j = divmod(int(d2.argmax()), len(coords))  # as np.unravel_index, without its cost
    points = coords.tolist()
    # math.sqrt and np.sqrt are both IEEE 754's correctly rounded square root.
    return Feret(math.sqrt(float(d2[i, j])), tuple(points[i]), tuple(points[j]))


def area(geom: BaseGeometry) -> float:
    """Area in the squared unit of the coordinates."""
    return float(shapely.area(geom))


@dataclass(frozen=True)
class Closest:
    """The shortest distance between two shapes and the closest point pair (mm coordinates)."""

    distance: float
    a: tuple[float, float]
    b: tuple[float, float]

    @property
    def touching(self) -> bool:
        """The shapes touch or overlap."""
        return self.distance == 0.0


def closest(a: BaseGeometry, b: BaseGeometry) -> Closest:
    """Shortest distance and closest points between two shapes."""
    return closest_many([a], [b])[0]


def closest_many(a: Sequence[BaseGeometry], b: Sequence[BaseGeometry]) -> list[Closest]:
    """``closest`` for many pairs at once (one vectorised shapely call)."""
    if not a:
        return []
    lines = shapely.shortest_line(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    dists = shapely.length(lines)
    out: list[Closest] = []
    for line, dist in zip(lines, dists, strict=True):
        c = shapely.get_coordinates(line)
        out.append(
            Closest(
                float(dist),
                (float(c[0, 0]), float(c[0, 1])),
                (float(c[-1, 0]), float(c[-1, 1])),
            )
        )
    return out


@dataclass(frozen=True)
class CachedShape:
    """A geometry built from an item's points; ``token`` changes when it is rebuilt."""

    points: tuple[Point, ...]
    token: int
    geom: BaseGeometry
    #: False when a coordinate is NaN or infinite (then ``geom`` is empty).
    finite: bool
    #: ``(min_row, min_col, max_row, max_col)`` in mm.
    bounds: tuple[float, float, float, float]


@dataclass(frozen=True)
class PairSearch:
    """Contacts and the closest non-touching pair among candidate pairs (indices into them)."""

    contacts: tuple[tuple[int, Closest], ...]
    nearest: tuple[int, Closest] | None


#: Pairs computed per vectorised shapely call while searching for the nearest pair.
_BATCH = 2
#: Up to this many pairs, ``search`` computes them all at once (the same answer: the
#: nearest pair, ties to the first, and every contact).
_FEW = 4


def _found(exact: dict[int, Closest]) -> PairSearch:
    """The contacts and the nearest non-touching pair (ties to the first) among ``exact``."""
    contacts = tuple(sorted((i, r) for i, r in exact.items() if r.touching))
    apart = sorted((r.distance, i) for i, r in exact.items() if not r.touching)
    nearest = (apart[0][1], exact[apart[0][1]]) if apart else None
    return PairSearch(contacts, nearest)


class ShapeCache:
    """Shapely geometries per item id, rebuilt only when the item's points change.

    Each geometry gets a token that changes whenever it is rebuilt, so distances between two
    geometries are cached by their tokens. A change of scale empties the cache.
    """

    def __init__(self) -> None:
        self._scale: Scale | None = None
        self._shapes: dict[tuple[str, str], CachedShape] = {}
        self._pairs: dict[tuple[int, int], Closest] = {}
        self._tokens = itertools.count(1)

    def _check_scale(self, scale: Scale) -> None:
        if scale != self._scale:
            self._scale = scale
            self._shapes.clear()
            self._pairs.clear()

    def shape(self, item_id: str, kind: str, points: Sequence[Point], scale: Scale) -> CachedShape:
        """The cached entry for an item, rebuilt when its points changed.

        ``kind`` is ``"polygon"`` or ``"line"``.
        """
        return self.shapes([(item_id, kind, points)], scale)[0]

    def shapes(
        self, requests: Sequence[tuple[str, str, Sequence[Point]]], scale: Scale
    ) -> list[CachedShape]:
        """``shape`` for many ``(item_id, kind, points)`` at once.

        Missing geometries are built together in one vectorised shapely call per kind: the
        same geometries as one by one, without the per-geometry Python overhead.
        """
        if len({(r[0], r[1]) for r in requests}) < len(requests):  # repeated ids: in order
            return [self.shapes([r], scale)[0] for r in requests]
        self._check_scale(scale)
        out: list[CachedShape | None] = []
        missing: list[tuple[int, str, str, tuple[Point, ...]]] = []
        for n, (item_id, kind, points) in enumerate(requests):
            pts = tuple(points)
            entry = self._shapes.get((item_id, kind))
            if entry is not None and entry.points == pts:
                out.append(entry)
                continue
            out.append(None)
            missing.append((n, item_id, kind, pts))
        if missing:
            self._add(missing, scale, out)
        return [e for e in out if e is not None]

    def _add(
        self,
        missing: Sequence[tuple[int, str, str, tuple[Point, ...]]],
        scale: Scale,
        out: list[CachedShape | None],
    ) -> None:
        """Build the missing geometries: one conversion, one build per kind, one bounds call."""
        factor = np.asarray(scale, dtype=np.float64)
        build: dict[str, list[tuple[int, NDArray[np.float64]]]] = {}
        flat = _flat(missing)
        if flat is not None and bool(np.isfinite(flat).all()):  # the common case, at once
            mm = flat * factor  # as ``to_mm``, element by element
            ends = list(itertools.accumulate(len(m[3]) for m in missing))
            for m, a, b in zip(missing, [0, *ends[:-1]], ends, strict=True):
                build.setdefault(m[2], []).append((m[0], mm[a:b]))
        else:
            for (n, item_id, kind, pts), coords in zip(missing, _converted(missing), strict=True):
                if bool(np.isfinite(coords).all()):
                    build.setdefault(kind, []).append((n, coords.reshape(-1, 2) * factor))
                else:
                    out[n] = self._store(item_id, kind, pts, shapely.Polygon(), False)
        done = [
            (n, geom)
            for kind, todo in build.items()
            for (n, _), geom in zip(todo, _build(kind, [c for _, c in todo]), strict=True)
        ]
        if not done:
            return
        boxes = shapely.bounds(np.asarray([g for _, g in done], dtype=object)).tolist()
        where = {m[0]: m for m in missing}
        for (n, geom), box in zip(done, boxes, strict=True):  # NaN boxes when empty
            _, item_id, kind, pts = where[n]
            out[n] = self._store(item_id, kind, pts, geom, True, box)

    def _store(
        self,
        item_id: str,
        kind: str,
        pts: tuple[Point, ...],
        geom: BaseGeometry,
        finite: bool,
        box: list[float] | None = None,
    ) -> CachedShape:
        if box is None:
            box = shapely.bounds(geom).tolist()
        bounds = tuple(box) if box[0] == box[0] else (0,) * 4  # an empty shape has NaN bounds
        entry = CachedShape(pts, next(self._tokens), geom, finite, bounds)
        self._shapes[(item_id, kind)] = entry
        return entry

    def _missing(
        self, requests: Sequence[tuple[str, str, Sequence[Point]]], scale: Scale
    ) -> list[tuple[int, str, str, tuple[Point, ...]]]:
        """The requests ``shapes`` would build, or none when it would go one by one."""
        if len({(r[0], r[1]) for r in requests}) < len(requests):
            return []
        self._check_scale(scale)
        missing = []
        for n, (item_id, kind, points) in enumerate(requests):
            pts = tuple(points)
            entry = self._shapes.get((item_id, kind))
            if entry is None or entry.points != pts:
                missing.append((n, item_id, kind, pts))
        return missing

    def _exact(self, pairs: Sequence[tuple[CachedShape, CachedShape]]) -> list[Closest]:
        missing = [(a, b) for a, b in pairs if (a.token, b.token) not in self._pairs]
        if missing:
            results = closest_many([a.geom for a, _ in missing], [b.geom for _, b in missing])
            for (a, b), res in zip(missing, results, strict=True):
                self._pairs[(a.token, b.token)] = res
        return [self._pairs[(a.token, b.token)] for a, b in pairs]

    def pairs(self, pairs: Sequence[tuple[CachedShape, CachedShape]]) -> list[Closest]:
        """``closest`` for each pair, computing only pairs not seen before."""
        return self._exact(pairs)

    def search(self, pairs: Sequence[tuple[CachedShape, CachedShape]]) -> PairSearch:
        """Every touching pair and the nearest non-touching one.

        Exact distances are computed only where needed: for pairs whose bounding boxes meet
        (they may touch) and, nearest first, for pairs whose bounding-box distance does not
        exceed the best distance found so far. Ties go to the first pair, so the answer does
        not depend on what the cache already held.
        """
        if not pairs:
            return PairSearch((), None)
        if len(pairs) <= _FEW:  # every pair in one call: cheaper than bounding the search
            return _found(dict(enumerate(self._exact(pairs))))
        ba = np.array([a.bounds for a, _ in pairs])
        bb = np.array([b.bounds for _, b in pairs])
        d0 = np.maximum(0.0, np.maximum(ba[:, 0] - bb[:, 2], bb[:, 0] - ba[:, 2]))
        d1 = np.maximum(0.0, np.maximum(ba[:, 1] - bb[:, 3], bb[:, 1] - ba[:, 3]))
        lower = np.hypot(d0, d1)
        exact: dict[int, Closest] = {}
        for i, (a, b) in enumerate(pairs):
            hit = self._pairs.get((a.token, b.token))
            if hit is not None:
                exact[i] = hit
        must = [i for i in np.flatnonzero(lower == 0.0).tolist() if i not in exact]
        for i, res in zip(must, self._exact([pairs[i] for i in must]), strict=True):
            exact[i] = res
        best = min((r.distance for r in exact.values() if r.distance > 0.0), default=np.inf)
        order = [i for i in np.argsort(lower, kind="stable").tolist() if i not in exact]
        pos = 0
        while pos < len(order) and lower[order[pos]] <= best:
            batch = order[pos : pos + _BATCH]
            for i, res in zip(batch, self._exact([pairs[i] for i in batch]), strict=True):
                exact[i] = res
                if 0.0 < res.distance < best:
                    best = res.distance
            pos += len(batch)
        return _found(exact)

    def forget_missing(self, live_ids: set[str]) -> None:
        """Drop geometries of items that no longer exist; prune stale distances once many."""
        for key in [k for k in self._shapes if k[0] not in live_ids]:
            del self._shapes[key]
        if len(self._pairs) > 4 * len(self._shapes) ** 2 + 256:
            live = {e.token for e in self._shapes.values()}
            self._pairs = {k: v for k, v in self._pairs.items() if k[0] in live and k[1] in live}


def fill_caches(
    jobs: Sequence[tuple[ShapeCache, Sequence[tuple[str, str, Sequence[Point]]], Scale]],
) -> None:
    """Build what each ``cache.shapes(requests, scale)`` would, for many caches in one go.

    Batch work measures a chunk of images, each with its own cache: one conversion, one
    shapely build per kind and one bounds call for all of them replace a few small calls per
    image. The entries are those ``shapes`` builds (the same floats, ``flat * factor`` per
    point, and the same ``_build``); requests that are not all plain finite pairs of numbers
    are left to ``shapes``, which then builds (or refuses) them as before.
    """
    todo = [(cache, cache._missing(requests, scale), scale) for cache, requests, scale in jobs]
    todo = [t for t in todo if t[1]]
    every = [m for _, missing, _ in todo for m in missing]
    if not every or not all(m[3] for m in every):
        return
    flat = flat_points([m[3] for m in every])
    if flat is None or not bool(np.isfinite(flat).all()):
        return
    counts = [sum(len(m[3]) for m in missing) for _, missing, _ in todo]
    factors = np.asarray([scale for _, _, scale in todo], dtype=np.float64)
    mm = flat * np.repeat(factors, counts, axis=0)  # as ``_add``'s ``flat * factor``
    ends = list(itertools.accumulate(len(m[3]) for m in every))
    owners = [cache for cache, missing, _ in todo for _ in missing]
    build: dict[str, list[tuple[int, NDArray[np.float64]]]] = {}
    for k, (m, a, b) in enumerate(zip(every, [0, *ends[:-1]], ends, strict=True)):
        build.setdefault(m[2], []).append((k, mm[a:b]))
    done = [
        (k, geom)
        for kind, parts in build.items()
        for (k, _), geom in zip(parts, _build(kind, [c for _, c in parts]), strict=True)
    ]
    boxes = shapely.bounds(np.asarray([g for _, g in done], dtype=object)).tolist()
    for (k, geom), box in zip(done, boxes, strict=True):
        _, item_id, kind, pts = every[k]
        owners[k]._store(item_id, kind, pts, geom, True, box)
