"""The annotation model: what a reader marked on one radiograph, in image pixels.

Everything here is plain data (``msgspec.Struct``) so that the sidecar format, the JSON Schema
and the fast parser all come from these definitions. Geometry, grading and file handling live in
their own modules and take these types as input.

Coordinates are image pixels ``(row, col)`` as floats, the order napari and DICOM use.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Final, Literal

import msgspec

#: The version this ho-annotate writes. Version 2 added how an item was made (``made``, the
#: reader's ``clicks``, ``uncertainty_mm``, ``snapped_points``); a reader of version 1 refuses
#: a version 2 file instead of dropping those fields (see ``store.decode_annotations``).
FORMAT_VERSION: Final = 2
#: Versions this ho-annotate reads; older ones are migrated to ``FORMAT_VERSION`` on save.
READABLE_VERSIONS: Final[tuple[int, ...]] = (1, 2)
#: Item fields added by format version 2 (absent from, and refused in, a version 1 file).
V2_ITEM_FIELDS: Final[tuple[str, ...]] = ("made", "clicks", "uncertainty_mm", "snapped_points")

Side = Literal["left", "right"]
SIDES: Final[tuple[Side, ...]] = ("left", "right")

ItemKind = Literal[
    "island", "spur", "bridge", "gap", "bone", "calibration_line", "calibration_circle"
]
#: Kinds that are heterotopic ossification findings (their presence makes a hip "annotated").
HO_KINDS: Final[frozenset[str]] = frozenset({"island", "spur", "bridge", "gap"})
#: Kinds drawn as closed polygons (at least three points), in the order tools offer them.
POLYGON_KIND_ORDER: Final[tuple[ItemKind, ...]] = ("island", "spur", "bridge", "bone")
POLYGON_KINDS: Final[frozenset[str]] = frozenset(POLYGON_KIND_ORDER)

#: Where a spur grows from, or which bone an outline is.
BoneOrigin = Literal["pelvis", "femur"]

ReadingStatus = Literal["not read", "no HO", "annotated", "not assessable"]

#: How an item was made: drawn by hand, snapped to the bone edges from the reader's clicks, or
#: outlined by segmentation from a click (not ``origin``, which says pelvis or femur).
Made = Literal["manual", "snapped", "outlined"]
MADE: Final[tuple[Made, ...]] = ("manual", "snapped", "outlined")

SpacingKind = Literal["calibrated", "estimated", "detector", "unknown", "manual"]

#: How the sides of an image were decided (see GUIDE section 2 and ``ho_annotate.dicom.sides``).
SideBasis = Literal["laterality", "orientation", "assumed", "reader"]

Point = tuple[float, float]


def new_id() -> str:
    """A short random identifier, stable for the life of an item."""
    return uuid.uuid4().hex[:12]


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string (seconds precision)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Spacing(msgspec.Struct, frozen=True, kw_only=True):
    """Millimetres per pixel and what they rest on.

    ``uncertainty`` is a relative (fractional) uncertainty of the spacing, used by grading for
    ``manual`` calibrations; ``None`` means the default for the kind.
    """

    row_mm: float
    col_mm: float
    kind: SpacingKind
    source: str = ""
    uncertainty: float | None = None

    @property
    def mm(self) -> tuple[float, float]:
        """``(row_mm, col_mm)``."""
        return (self.row_mm, self.col_mm)


class Item(msgspec.Struct, kw_only=True):
    """One thing the reader drew.

    - ``island``, ``spur``, ``bridge``, ``bone``: closed polygons, ``points`` are the vertices;
      ``origin`` is required for ``spur`` and ``bone`` (``pelvis`` or ``femur``).
    - ``gap``: exactly two points, a line across the narrowest space between opposing bone.
    - ``calibration_line``: two points and ``known_mm`` (the true length).
    - ``calibration_circle``: three or more points on the edge of a circle and ``known_mm``
      (its true diameter), e.g. a 25 mm ball or a prosthetic femoral head.

    Format version 2 adds how the item was measured (all optional; ``None`` when not recorded,
    as in version 1 files and the reference sidecars of synthetic images):

    - ``made``: ``manual``, ``snapped`` or ``outlined`` (required by the three fields below);
    - ``clicks``: the reader's raw clicks a snapped or outlined item was made from;
    - ``uncertainty_mm``: the measurement's standard uncertainty in mm (the snap's or the
      outline's own); ``None`` means the default for ``made`` (1 mm for ``manual``);
    - ``snapped_points``: for a gap line, the two ends the line snapped to on the bone edges
      (kept on a hand-placed or hand-corrected line to warn when reader and image disagree).
    """

    kind: ItemKind
    side: Side
    points: list[Point]
    id: str = msgspec.field(default_factory=new_id)
    origin: BoneOrigin | None = None
    known_mm: float | None = None
    #: True when the reader set the side by hand (then flipping the image leaves it alone).
    side_by_reader: bool = False
    note: str = ""
    made: Made | None = None
    clicks: list[Point] | None = None
    uncertainty_mm: float | None = None
    snapped_points: list[Point] | None = None


class HipReading(msgspec.Struct, kw_only=True):
    """What the reader said about one hip beyond the items drawn on it."""

    #: The reader confirmed there is no HO on this hip (needed for class 0).
    no_ho_confirmed: bool = False
    #: Set when the hip cannot be assessed (e.g. "hip not in the image").
    not_assessable_reason: str | None = None


class Hips(msgspec.Struct, kw_only=True):
    left: HipReading = msgspec.field(default_factory=HipReading)
    right: HipReading = msgspec.field(default_factory=HipReading)

    def __getitem__(self, side: Side) -> HipReading:
        if side == "left":
            return self.left
        if side == "right":
            return self.right
        raise KeyError(side)


class ManualCalibration(msgspec.Struct, kw_only=True):
    """A calibration the reader made; it overrides any spacing in the DICOM header."""

    method: Literal["line", "circle", "prosthetic_head"]
    known_mm: float
    row_mm: float
    col_mm: float
    #: Relative uncertainty of the spacing (fit residual and click precision), e.g. 0.01 = 1 %.
    uncertainty: float
    #: The calibration item it was made from, if it was drawn.
    item_id: str | None = None
    created: str = msgspec.field(default_factory=utc_now)

    def as_spacing(self) -> Spacing:
        return Spacing(
            row_mm=self.row_mm,
            col_mm=self.col_mm,
            kind="manual",
            source=f"manual ({self.method}, {self.known_mm:g} mm)",
            uncertainty=self.uncertainty,
        )


class AnnotationSet(msgspec.Struct, kw_only=True):
    """One reader's annotations of one radiograph (one sidecar file)."""

    sop_instance_uid: str
    reader: str
    format_version: int = FORMAT_VERSION
    study_instance_uid: str | None = None
    series_instance_uid: str | None = None
    #: View of the image when known (DICOM ViewPosition, e.g. "AP", "LL"): several images of
    #: one hip (AP and lateral) are grouped by study and side.
    view: str | None = None
    #: Image file name, for people; the binding is ``sop_instance_uid``.
    image_file: str | None = None
    created: str = msgspec.field(default_factory=utc_now)
    modified: str = msgspec.field(default_factory=utc_now)
    side_basis: SideBasis = "assumed"
    #: The spacing the reader worked with when this was last saved (header or manual).
    spacing: Spacing | None = None
    calibration: ManualCalibration | None = None
    hips: Hips = msgspec.field(default_factory=Hips)
    items: list[Item] = msgspec.field(default_factory=list)

    def items_on(self, side: Side, *kinds: ItemKind) -> list[Item]:
        """Items on ``side``, optionally only of the given kinds."""
        return [i for i in self.items if i.side == side and (not kinds or i.kind in kinds)]

    def status(self, side: Side) -> ReadingStatus:
        """The reading status of a hip, derived from the items and the reader's statements.

        ``not assessable`` wins; a hip with HO items is ``annotated``; a hip with none is
        ``no HO`` only when the reader confirmed it, else ``not read``.
        """
        hip = self.hips[side]
        if hip.not_assessable_reason:
            return "not assessable"
        if any(i.kind in HO_KINDS for i in self.items_on(side)):
            return "annotated"
        if hip.no_ho_confirmed:
            return "no HO"
        return "not read"

    def effective_spacing(self, header: Spacing | None) -> Spacing | None:
        """A manual calibration overrides the header's spacing."""
        if self.calibration is not None:
            return self.calibration.as_spacing()
        return header
