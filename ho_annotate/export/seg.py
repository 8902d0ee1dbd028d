"""A binary DICOM Segmentation of the outlines: one segment per kind and side."""

from __future__ import annotations

from typing import Final

import highdicom as hd
import numpy as np
import numpy.typing as npt
from pydicom.sr.codedict import codes

from ho_annotate.annotations.model import POLYGON_KIND_ORDER, SIDES, Item, Side
from ho_annotate.export import codes as hc
from ho_annotate.export.series import new_content_instance
from ho_annotate.export.source import ExportError, ExportInput, copy_deidentification, tracking_uid

__all__ = ["Segment", "build_seg", "rasterise", "segments"]

Segment = tuple[str, Side]
#: Segment label of each (kind, side), e.g. "spur right".
_HO_CATEGORY: Final = hd.sr.CodedConcept.from_code(codes.SCT.MorphologicallyAbnormalStructure)
_BONE_CATEGORY: Final = hd.sr.CodedConcept.from_code(codes.SCT.Tissue)


def _fill(points: npt.NDArray[np.float64], shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
    """Pixels whose centres lie inside one polygon (even-odd rule, scanlines, vectorised).

    A pixel centre ``(r, c)`` is inside when an odd number of edges cross row ``r`` at a
    column ``x <= c``; an edge counts for rows ``min(r0, r1) <= r < max(r0, r1)``.
    """
    height, width = shape
    mask = np.zeros(shape, dtype=bool)
    r0, c0 = points[:, 0], points[:, 1]
    r1, c1 = np.roll(r0, -1), np.roll(c0, -1)
    top = max(0, int(np.ceil(r0.min())))
    bottom = min(height - 1, int(np.floor(r0.max())))
    if bottom < top:
        return mask
    rows = np.arange(top, bottom + 1, dtype=np.float64)[:, None]
    crosses = (r0 <= rows) != (r1 <= rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = c0 + (rows - r0) / (r1 - r0) * (c1 - c0)
    row_idx, edge_idx = np.nonzero(crosses)
    cols = np.clip(np.ceil(x[row_idx, edge_idx]), 0, width).astype(np.intp)
    toggles = np.zeros((len(rows), width + 1), dtype=np.int32)
    np.add.at(toggles, (row_idx, cols), 1)
    mask[top : bottom + 1] = (np.cumsum(toggles, axis=1)[:, :width] % 2).astype(bool)
    return mask


def rasterise(items: list[Item], shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
    """The pixels whose centres lie inside any of the outlines."""
    mask = np.zeros(shape, dtype=bool)
    for item in items:
        mask |= _fill(np.asarray(item.points, dtype=np.float64).reshape(-1, 2), shape)
    return mask


def segments(inp: ExportInput) -> dict[Segment, npt.NDArray[np.bool_]]:
    """The mask of each (kind, side) that has outlines, in kind then side order."""
    shape = (inp.header.rows, inp.header.columns)
    if shape[0] <= 0 or shape[1] <= 0:
        raise ExportError(file=inp.image, problem="has no Rows / Columns to segment")
    out: dict[Segment, npt.NDArray[np.bool_]] = {}
    for kind in POLYGON_KIND_ORDER:
        for side in SIDES:
            items = inp.annotations.items_on(side, kind)
            if items:
                out[(kind, side)] = rasterise(items, shape)
    return out


def _description(number: int, key: Segment, inp: ExportInput) -> hd.seg.SegmentDescription:
    kind, side = key
    return hd.seg.SegmentDescription(
        segment_number=number,
        segment_label=f"{kind} {side}",
        segmented_property_category=_BONE_CATEGORY if kind == "bone" else _HO_CATEGORY,
        segmented_property_type=hc.FINDING[kind],
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
        tracking_uid=tracking_uid(f"{kind}-{side}", str(inp.dataset.SOPInstanceUID)),
        tracking_id=f"ho-annotate {kind} {side}",
        anatomic_regions=[hc.HIP_JOINT],
    )


def build_seg(inp: ExportInput) -> hd.seg.Segmentation:
    """The SEG of ``inp``'s outlines; a new SOP Instance UID each time."""
    masks = segments(inp)
    if not masks:
        raise ExportError(
            file=inp.image,
            problem="the annotations have no outlines, so there is nothing to segment",
            action="export the SR instead, or outline the findings first",
        )
    keys = list(masks)
    pixels = np.stack([masks[k] for k in keys], axis=-1)[np.newaxis].astype(np.uint8)
    seg = hd.seg.Segmentation(
        source_images=[inp.dataset],
        pixel_array=pixels,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[_description(n, k, inp) for n, k in enumerate(keys, start=1)],
        **new_content_instance("seg", inp, "HO_OUTLINES", "Outlines of one reader (research use)"),
    )
    copy_deidentification(inp.dataset, seg)
    # Type 2C without a frame of reference: the source's value, else empty (as Type 2 allows).
    seg.PatientOrientation = inp.dataset.get("PatientOrientation", "") or ""
    _drop_pixel_measures(seg)
    return seg


def _drop_pixel_measures(seg: hd.seg.Segmentation) -> None:
    """Leave the spacing to the source image, as for an ImagerPixelSpacing-only source.

    highdicom copies a projection image's PixelSpacing into Pixel Measures without a Slice
    Thickness, which has none to give (dciodvfy: missing Type 1C SliceThickness); the SEG's
    pixels map one to one onto the source's, whose header states the spacing and its kind.
    """
    for group in seg.SharedFunctionalGroupsSequence:
        if "PixelMeasuresSequence" in group:
            del group.PixelMeasuresSequence
