"""How each annotation kind looks and is drawn: one Shapes layer per group of kinds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ho_annotate.annotations.model import ItemKind

#: Feature columns every annotation layer carries (the stable ``id`` is the join key); the
#: last four are how the item was made (sidecar format version 2), point lists as JSON text.
FEATURE_COLUMNS: Final = (
    "id",
    "kind",
    "side",
    "origin",
    "side_by_reader",
    "known_mm",
    "label",
    "made",
    "clicks",
    "uncertainty_mm",
    "snapped_points",
)

#: Spur colours by origin, and paler ones for bone outlines by which bone they outline.
ORIGIN_COLOURS: Final = {"pelvis": "#ff5ad2", "femur": "#35d0ff"}
BONE_COLOURS: Final = {"pelvis": "#d7b4ff", "femur": "#a6f0cf"}


@dataclass(frozen=True)
class LayerSpec:
    """One annotation layer: which kinds it holds and how to draw them."""

    key: str
    title: str
    kinds: tuple[ItemKind, ...]
    mode: str  # the napari Shapes mode that draws a new shape of this kind
    colour: str
    filled: bool = True
    uses_origin: bool = False
    edge_width: float = 3.0
    text_colour: str = ""

    @property
    def label_colour(self) -> str:
        return self.text_colour or self.colour

    @property
    def default_kind(self) -> ItemKind:
        return self.kinds[0]


SPECS: Final[tuple[LayerSpec, ...]] = (
    LayerSpec("island", "islands", ("island",), "add_polygon", "#ffb000"),
    LayerSpec(
        "spur",
        "spurs",
        ("spur",),
        "add_polygon",
        "#ff5ad2",
        uses_origin=True,
        text_colour="#f2f2f2",
    ),
    LayerSpec("bridge", "bridges", ("bridge",), "add_polygon", "#ff3b30"),
    LayerSpec(
        "bone",
        "bone outlines",
        ("bone",),
        "add_polygon",
        "#e8e8e8",
        filled=False,
        uses_origin=True,
        edge_width=2.0,
    ),
    LayerSpec("gap", "gap lines", ("gap",), "add_line", "#7cfc00", filled=False),
    LayerSpec(
        "calibration",
        "calibration",
        ("calibration_line", "calibration_circle"),
        "add_line",
        "#ffe14d",
        filled=False,
        edge_width=2.0,
    ),
)
SPEC_BY_KEY: Final = {s.key: s for s in SPECS}
SPEC_BY_KIND: Final = {k: s for s in SPECS for k in s.kinds}

AUTO_GAP_COLOUR: Final = "#ffffff"
#: The reader's raw clicks under a snapped gap line (faint, in the gap lines' green).
RAW_CLICKS_COLOUR: Final = "#7cfc00"


def edge_colour(spec: LayerSpec, origin: str) -> str:
    """Spurs and bone outlines are coloured by origin, the rest by kind."""
    if spec.key == "spur":
        return ORIGIN_COLOURS.get(origin, spec.colour)
    if spec.key == "bone":
        return BONE_COLOURS.get(origin, spec.colour)
    return spec.colour


def face_colour(spec: LayerSpec, origin: str) -> str:
    """A translucent fill in the edge colour, transparent for outlines and lines."""
    return edge_colour(spec, origin) + "55" if spec.filled else "#00000000"
