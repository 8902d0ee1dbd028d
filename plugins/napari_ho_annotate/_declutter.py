"""Labels that do not collide at low zoom.

At whole-image zoom a spur's name sits on top of the gap line's mm beside it ("L 0.6 mm" over
"L femoral spur"). Below a zoom at which a spur is big enough on screen to carry its own label,
the descriptive labels (spurs, bridges: their colour already says what they are) are hidden and
only the measurements (gap lines, islands, calibrations) keep theirs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._binding import ImageBinding

#: Layers whose labels only name the shape.
DESCRIPTIVE = ("spur", "bridge")
#: Screen pixels per mm from which descriptive labels are shown (a 20 mm spur >= 60 px).
MIN_PX_PER_MM = 3.0
#: Pixel size assumed for an image without spacing (a typical DX detector).
ASSUMED_MM_PER_PX = 0.15


def descriptive_labels_fit(zoom: float, world_per_px: float, in_mm: bool) -> bool:
    """Whether descriptive labels are shown at camera ``zoom`` (screen px per world unit);
    ``world_per_px`` is the layer scale (mm per pixel, or 1 for an image in pixels)."""
    mm_per_world = 1.0 if in_mm else ASSUMED_MM_PER_PX / max(world_per_px, 1e-12)
    return zoom / mm_per_world >= MIN_PX_PER_MM


def declutter(binding: ImageBinding, zoom: float) -> None:
    """Show or hide the bound image's descriptive labels for the camera's ``zoom``."""
    show = descriptive_labels_fit(
        zoom,
        float(binding.image.scale[-1]),
        binding.session.spacing is not None,
    )
    for key in DESCRIPTIVE:
        layer = binding.layers.get(key)
        if layer is not None and layer.text.visible != show:
            layer.text.visible = show
