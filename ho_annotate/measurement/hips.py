"""What the grading rules need from the drawings of one hip, in mm at the patient plane.

- islands: area and length (maximum Feret diameter);
- the reader's gap lines: the shortest one is decisive; lines under 0.5 mm are mis-clicks;
- the automatic gap: the minimum distance over pairs that include at least one spur (pelvic spur
  to femoral spur, pelvic spur to femur outline, femoral spur to pelvis outline), never outline
  to outline (the joint space); pairs that touch or overlap are reported as contacts.

``Measurer`` keeps shapely geometries and pair distances between calls, so measuring again
after one shape changed only redoes the pairs that involve that shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ho_annotate.annotations.model import SIDES, AnnotationSet, Item, Point, Side, Spacing
from ho_annotate.annotations.validation import unmeasurable
from ho_annotate.grading.rounding import reported
from ho_annotate.measurement.geometry import (
    PIXELS,
    CachedShape,
    Scale,
    ShapeCache,
    area,
    fill_caches,
    max_feret,
    pixel_step_mm,
    to_px,
)

#: Reader gap lines shorter than this (mm) are taken as mis-clicks and ignored.
MIN_GAP_LINE_MM = 0.5
#: Without a spacing, lines shorter than this (pixels) are ignored.
MIN_GAP_LINE_PX = 1.0
#: The automatic gap warns when it is this much (mm) shorter than the reader's line.
CHECK_TOLERANCE_MM = 1.0


def label(item: Item) -> str:
    """How a reason sentence names an item ("pelvic spur", "femur outline"...)."""
    if item.kind == "spur":
        return "pelvic spur" if item.origin == "pelvis" else "femoral spur"
    if item.kind == "bone":
        return f"{item.origin} outline"
    return item.kind


@dataclass(frozen=True)
class Gap:
    """One gap measurement; ``length`` is in mm when ``in_mm`` else in pixels."""

    source: Literal["reader", "auto"]
    length: float
    in_mm: bool
    item_ids: tuple[str, ...]
    #: End points in image pixels ``(row, col)``.
    points: tuple[Point, Point]
    #: What it runs between, e.g. ``("pelvic spur", "femoral spur")``; reader lines say
    #: ``("gap line", "gap line")``.
    between: tuple[str, str]
    #: One pixel along the line's direction, in mm (``None`` without spacing).
    step_mm: float | None

    @property
    def mm(self) -> float | None:
        return self.length if self.in_mm else None

    @property
    def reported_mm(self) -> float | None:
        return reported(self.length) if self.in_mm else None


@dataclass(frozen=True)
class Contact:
    """A spur that touches or overlaps the opposing side on the image."""

    item_ids: tuple[str, str]
    between: tuple[str, str]
    point: Point


@dataclass(frozen=True)
class Island:
    """One island: area (mm2, or px2) and length = maximum Feret diameter (mm, or px)."""

    item_id: str
    area: float
    length: float
    in_mm: bool
    ends: tuple[Point, Point]
    step_mm: float | None


@dataclass(frozen=True)
class SideMeasurements:
    side: Side
    in_mm: bool
    spur_ids: tuple[str, ...]
    bridge_ids: tuple[str, ...]
    islands: tuple[Island, ...]
    reader_gap: Gap | None
    auto_gap: Gap | None
    contacts: tuple[Contact, ...]
    warnings: tuple[str, ...]

    @property
    def decisive_gap(self) -> Gap | None:
        """The reader's shortest line when there is one, else the automatic gap."""
        return self.reader_gap if self.reader_gap is not None else self.auto_gap

    @property
    def largest_island(self) -> Island | None:
        return max(self.islands, key=lambda i: i.length, default=None)


Shaped = list[tuple[Item, CachedShape]]


class Measurer:
    """Measures hips and remembers geometry between calls (one per open image).

    Shapes are rebuilt only when their points change, pair distances are kept by shape, and a
    hip whose items did not change at all is not measured again.
    """

    def __init__(self) -> None:
        self.cache = ShapeCache()
        self._islands: dict[int, Island] = {}
        self._sides: dict[Side, tuple[object, SideMeasurements]] = {}

    def measure_all(
        self, aset: AnnotationSet, spacing: Spacing | None
    ) -> dict[Side, SideMeasurements]:
        """Both hips; drops cached shapes of items that were deleted."""
        self.cache.forget_missing({i.id for i in aset.items})
        self._prefetch(aset, spacing)
        result = {side: self.measure(aset, side, spacing) for side in SIDES}
        if len(self._islands) > 2 * len(aset.items) + 64:
            self._islands.clear()
        return result

    def _prefetch(self, aset: AnnotationSet, spacing: Spacing | None) -> None:
        """Build the shapes of both hips together (one shapely build per kind, not per hip)."""
        requests = _requests(aset)
        if len({it.side for it in aset.items}) > 1 and len(requests) > 1:
            self.cache.shapes(requests, spacing.mm if spacing is not None else PIXELS)

    def measure(self, aset: AnnotationSet, side: Side, spacing: Spacing | None) -> SideMeasurements:
        """Measure one hip (from the cache when none of its items changed)."""
        scale: Scale = spacing.mm if spacing is not None else PIXELS
        in_mm = spacing is not None
        problems: list[str] = []
        measurable: list[Item] = []
        for item in aset.items_on(side):
            if item.kind.startswith("calibration"):
                continue
            problem = unmeasurable(item)
            if problem is not None:
                problems.append(f"Ignored: {problem}.")
                continue
            measurable.append(item)
        requests = [
            (it.id, "line" if it.kind == "gap" else "polygon", it.points) for it in measurable
        ]
        shaped: Shaped = list(zip(measurable, self.cache.shapes(requests, scale), strict=True))
        key = (
            scale,
            in_mm,
            tuple(problems),
            tuple((it.id, it.kind, it.origin, e.token) for it, e in shaped),
        )
        hit = self._sides.get(side)
        if hit is not None and hit[0] == key:
            return hit[1]
        result = self._measure(side, scale, in_mm, problems, shaped)
        self._sides[side] = (key, result)
        return result

    def _measure(
        self, side: Side, scale: Scale, in_mm: bool, problems: list[str], shaped: Shaped
    ) -> SideMeasurements:
        warnings = list(problems)
        usable: Shaped = []
        for it, entry in shaped:
            if not entry.finite:
                warnings.append(
                    f"Ignored: {it.kind} {it.id} has a coordinate that is not a number."
                )
            elif entry.geom.is_empty:
                warnings.append(f"Ignored: {it.kind} {it.id} has no area.")
            else:
                usable.append((it, entry))

        def select(kind: str, origin: str | None = None) -> Shaped:
            return [
                (it, e)
                for it, e in usable
                if it.kind == kind and (origin is None or it.origin == origin)
            ]

        pelvic, femoral = select("spur", "pelvis"), select("spur", "femur")
        pelvis, femur = select("bone", "pelvis"), select("bone", "femur")
        islands = [self._island(it, entry, scale, in_mm) for it, entry in select("island")]
        pairs = (
            [(a, b) for a in pelvic for b in femoral]
            + [(a, b) for a in pelvic for b in femur]
            + [(a, b) for a in femoral for b in pelvis]
        )
        found = self.cache.search([(a[1], b[1]) for a, b in pairs])
        contacts = []
        for i, res in found.contacts:
            ia, ib = pairs[i][0][0], pairs[i][1][0]
            contacts.append(Contact((ia.id, ib.id), (label(ia), label(ib)), to_px(res.a, scale)))
        auto: Gap | None = None
        if found.nearest is not None:
            i, res = found.nearest
            ia, ib = pairs[i][0][0], pairs[i][1][0]
            direction = (res.b[0] - res.a[0], res.b[1] - res.a[1])
            auto = Gap(
                "auto",
                res.distance,
                in_mm,
                (ia.id, ib.id),
                (to_px(res.a, scale), to_px(res.b, scale)),
                (label(ia), label(ib)),
                pixel_step_mm(direction, scale) if in_mm else None,
            )
        reader = self._reader_gap(select("gap"), scale, in_mm, warnings)
        if (
            reader is not None
            and auto is not None
            and in_mm
            and auto.length < reader.length - CHECK_TOLERANCE_MM
        ):
            warnings.append(
                f"The outlines come within {reported(auto.length):.1f} mm "
                f"({auto.between[0]} to {auto.between[1]}), more than 1 mm closer than the "
                f"gap line ({reported(reader.length):.1f} mm): check where the gap is narrowest."
            )
        return SideMeasurements(
            side=side,
            in_mm=in_mm,
            spur_ids=tuple(it.id for it, _ in pelvic + femoral),
            bridge_ids=tuple(it.id for it, _ in select("bridge")),
            islands=tuple(islands),
            reader_gap=reader,
            auto_gap=auto,
            contacts=tuple(contacts),
            warnings=tuple(warnings),
        )

    def _island(self, item: Item, entry: CachedShape, scale: Scale, in_mm: bool) -> Island:
        cached = self._islands.get(entry.token)
        if cached is not None and cached.item_id == item.id and cached.in_mm == in_mm:
            return cached
        island = self._measure_island(item, entry, scale, in_mm)
        self._islands[entry.token] = island
        return island

    def _measure_island(self, item: Item, entry: CachedShape, scale: Scale, in_mm: bool) -> Island:
        geom = entry.geom
        feret = max_feret(geom)
        direction = (feret.b[0] - feret.a[0], feret.b[1] - feret.a[1])
        return Island(
            item.id,
            area(geom),
            feret.length,
            in_mm,
            (to_px(feret.a, scale), to_px(feret.b, scale)),
            pixel_step_mm(direction, scale) if in_mm else None,
        )

    def _reader_gap(
        self, gaps: Shaped, scale: Scale, in_mm: bool, warnings: list[str]
    ) -> Gap | None:
        best: Gap | None = None
        minimum = MIN_GAP_LINE_MM if in_mm else MIN_GAP_LINE_PX
        unit = "mm" if in_mm else "pixel"
        for it, entry in gaps:
            length = float(entry.geom.length)
            if length < minimum:
                warnings.append(
                    f"Ignored: gap line {it.id} is shorter than {minimum:g} {unit} "
                    "(taken as a mis-click)."
                )
                continue
            if best is None or length < best.length:
                (r0, c0), (r1, c1) = it.points
                direction = ((r1 - r0) * scale[0], (c1 - c0) * scale[1])
                best = Gap(
                    "reader",
                    length,
                    in_mm,
                    (it.id,),
                    ((r0, c0), (r1, c1)),
                    ("gap line", "gap line"),
                    pixel_step_mm(direction, scale) if in_mm else None,
                )
        return best


def _requests(aset: AnnotationSet) -> list[tuple[str, str, list[Point]]]:
    """``(item id, kind of shape, points)`` of every item measured on either hip."""
    return [
        (it.id, "line" if it.kind == "gap" else "polygon", it.points)
        for it in aset.items
        if it.side in SIDES and not it.kind.startswith("calibration") and unmeasurable(it) is None
    ]


def prefetch_many(jobs: Sequence[tuple[Measurer, AnnotationSet, Spacing | None]]) -> None:
    """Build the shapes of many images' hips together, each into its own measurer's cache.

    Batch work: ``measure_all`` of each job then finds them built (the same shapes as it
    would build itself); what cannot be built at once is left to it.
    """
    fill_caches(
        [
            (m.cache, _requests(aset), spacing.mm if spacing is not None else PIXELS)
            for m, aset, spacing in jobs
        ]
    )


def measure(aset: AnnotationSet, spacing: Spacing | None) -> dict[Side, SideMeasurements]:
    """Measure both hips once, without a cache."""
    return Measurer().measure_all(aset, spacing)
