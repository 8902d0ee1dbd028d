"""A Grayscale Softcopy Presentation State with the drawings and gap lengths as graphics.

For viewers that render presentation states (Weasis, OsiriX) but not SR. Points are
``(column, row)`` in PIXEL units (``coords.to_image_coords``). When a manual calibration
applies, the displayed area carries it as Presentation Pixel Spacing, so the viewer's own
measurements use the calibrated spacing too.
"""

from __future__ import annotations

from typing import Final

import highdicom as hd

from ho_annotate.annotations.model import POLYGON_KINDS, Item
from ho_annotate.export.coords import to_image_coords
from ho_annotate.export.series import new_content_instance
from ho_annotate.export.source import ExportInput, copy_deidentification, tracking_uid
from ho_annotate.export.sr import gap_length

__all__ = ["build_gsps", "gap_label"]

#: Graphic layers, bottom to top: (name, description, CIE Lab colour).
_LAYERS: Final = {
    "BONE": ("Bone outlines", (70.0, 0.0, 0.0)),
    "HO": ("Heterotopic ossification outlines", (60.0, 60.0, 60.0)),
    "CALIBRATION": ("Calibration drawings", (80.0, -60.0, 70.0)),
    "GAPS": ("Gap lines with their lengths", (90.0, -10.0, 80.0)),
}


def _layer_of(item: Item) -> str:
    if item.kind == "bone":
        return "BONE"
    if item.kind == "gap":
        return "GAPS"
    if item.kind.startswith("calibration"):
        return "CALIBRATION"
    return "HO"


def gap_label(inp: ExportInput, item: Item) -> str:
    """The text beside a gap line: its length to 0.1 mm (or pixels without spacing)."""
    from ho_annotate.grading.rounding import reported

    length, unit = gap_length(inp, item)
    if unit.value == "mm":
        return f"{item.side} gap {reported(length):.1f} mm"
    return f"{item.side} gap {length:.0f} px (no spacing)"


def _graphic(inp: ExportInput, item: Item) -> hd.pr.GraphicObject:
    closed = item.kind in POLYGON_KINDS or item.kind == "calibration_circle"
    points = item.points[:2] if item.kind == "gap" else item.points
    return hd.pr.GraphicObject(
        graphic_type=hd.pr.GraphicTypeValues.POLYLINE,
        graphic_data=to_image_coords(points, close=closed).astype("float32"),
        units=hd.pr.AnnotationUnitsValues.PIXEL,
        tracking_id=f"ho-annotate {item.kind} {item.id}",
        tracking_uid=tracking_uid(item.id, str(inp.dataset.SOPInstanceUID)),
    )


def _label(inp: ExportInput, item: Item) -> hd.pr.TextObject:
    (x0, y0), (x1, y1) = to_image_coords(item.points[:2])
    return hd.pr.TextObject(
        text_value=gap_label(inp, item),
        units=hd.pr.AnnotationUnitsValues.PIXEL,
        anchor_point=(float(x0 + x1) / 2, float(y0 + y1) / 2),
        anchor_point_visible=True,
    )


def build_gsps(inp: ExportInput) -> hd.pr.GrayscaleSoftcopyPresentationState:
    """The GSPS of ``inp``; a new SOP Instance UID each time."""
    layers = {
        name: hd.pr.GraphicLayer(
            layer_name=name,
            order=order,
            description=description,
            display_color=hd.color.CIELabColor(*lab),
        )
        for order, (name, (description, lab)) in enumerate(_LAYERS.items(), start=1)
    }
    annotations = []
    for name, layer in layers.items():
        items = [
            i
            for i in inp.annotations.items
            if _layer_of(i) == name and len(i.points) >= (2 if name != "HO" else 3)
        ]
        if not items:
            continue
        texts = [_label(inp, i) for i in items if i.kind == "gap"]
        annotations.append(
            hd.pr.GraphicAnnotation(
                referenced_images=[inp.dataset],
                graphic_layer=layer,
                graphic_objects=[_graphic(inp, i) for i in items],
                text_objects=texts or None,
            )
        )
    used = [layers[n] for n in layers if any(a.GraphicLayer == n for a in annotations)]
    gsps = hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=[inp.dataset],
        graphic_annotations=annotations or None,
        graphic_layers=used or None,
        **new_content_instance(
            "gsps", inp, "HO_ANNOTATIONS", "Reader's HO drawings and gap lengths (research use)"
        ),
    )
    _presentation_spacing(inp, gsps)
    copy_deidentification(inp.dataset, gsps)
    # General Series Laterality is Type 2C for a paired body part (PS3.3 C.7.3.1): the source's
    # value, else empty (an AP pelvis shows both hips).
    gsps.Laterality = inp.dataset.get("Laterality", "") or ""
    return gsps


def _presentation_spacing(inp: ExportInput, gsps: hd.pr.GrayscaleSoftcopyPresentationState) -> None:
    """State a manual calibration as the displayed area's Presentation Pixel Spacing."""
    cal = inp.annotations.calibration
    if cal is None:
        return
    for area in gsps.DisplayedAreaSelectionSequence:
        if "PresentationPixelAspectRatio" in area:
            del area.PresentationPixelAspectRatio
        area.PresentationPixelSpacing = [f"{cal.row_mm:.6g}", f"{cal.col_mm:.6g}"]
