"""The reference annotations of a synthetic case: exactly what was drawn into the pixels."""

from __future__ import annotations

import numpy as np

from ho_annotate.annotations.model import AnnotationSet, HipReading, Hips, Item, Side, Spacing
from ho_annotate.synth.design import CaseDesign
from ho_annotate.synth.render import Rendering

READER = "reference"
#: Fixed timestamps: the same seed must give the same sidecar.
TIMESTAMP = "2024-01-15T10:15:00Z"
NOT_IMAGED = "hip not in the image"


def header_spacing(design: CaseDesign) -> Spacing | None:
    """The spacing the DICOM rules (GUIDE section 2) give for this design's header."""
    d = design.pixel_mm
    if design.spacing == "fiducial":
        s = d / design.magnification
        return Spacing(row_mm=s, col_mm=s, kind="calibrated", source="PixelSpacing (FIDUCIAL)")
    if design.spacing == "ermf-true":
        s = d / design.magnification
        return Spacing(row_mm=s, col_mm=s, kind="estimated", source="ImagerPixelSpacing / ERMF")
    if design.spacing == "ermf-nominal":
        s = d / design.nominal_magnification
        return Spacing(row_mm=s, col_mm=s, kind="estimated", source="ImagerPixelSpacing / ERMF")
    if design.spacing == "detector":
        return Spacing(row_mm=d, col_mm=d, kind="detector", source="ImagerPixelSpacing")
    return None


def reference_annotations(
    rendering: Rendering, *, sop_uid: str, study_uid: str, series_uid: str, image_file: str
) -> AnnotationSet:
    design, frame = rendering.design, rendering.frame
    rng = np.random.default_rng([design.seed, 7])
    items: list[Item] = []

    def add(kind: str, side: Side, pts: list[tuple[float, float]], **kw: object) -> None:
        items.append(
            Item(kind=kind, side=side, points=pts, id=rng.bytes(6).hex(), **kw)  # type: ignore[arg-type]
        )

    hips = Hips(left=HipReading(), right=HipReading())
    for side in ("left", "right"):
        reading = hips[side]  # type: ignore[index]
        if side not in rendering.ho:
            reading.not_assessable_reason = NOT_IMAGED
            continue
        parts = rendering.ho[side]  # type: ignore[index]
        if not rendering.sides[side].read:  # type: ignore[index]
            continue
        add("bone", side, frame.coords_px(parts.pelvis), origin="pelvis")  # type: ignore[arg-type]
        add("bone", side, frame.coords_px(parts.femur), origin="femur")  # type: ignore[arg-type]
        for island in parts.islands:
            add("island", side, frame.coords_px(island))  # type: ignore[arg-type]
        for spur, origin in parts.spurs:
            add("spur", side, frame.coords_px(spur), origin=origin)  # type: ignore[arg-type]
        if parts.bridge is not None:
            add("bridge", side, frame.coords_px(parts.bridge))  # type: ignore[arg-type]
        if parts.gap_line is not None:
            (px, py), (qx, qy) = parts.gap_line
            add("gap", side, [frame.to_px(px, py), frame.to_px(qx, qy)])  # type: ignore[arg-type]
        if not parts.polygons():
            reading.no_ho_confirmed = True
    return AnnotationSet(
        sop_instance_uid=sop_uid,
        reader=READER,
        study_instance_uid=study_uid,
        series_instance_uid=series_uid,
        view="AP",
        image_file=image_file,
        created=TIMESTAMP,
        modified=TIMESTAMP,
        side_basis="laterality" if design.view == "hip" else "orientation",
        spacing=header_spacing(design),
        hips=hips,
        items=items,
    )
