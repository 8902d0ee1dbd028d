"""Read a TID 1500 SR back into an annotation set.

Our own SRs come back whole: drawings, gap lines, hip statements and the manual calibration,
with the item ids the tracking UIDs carry. Other SRs (OHIF / Cornerstone) give their Length
measurements on this image as gap lines; anything else in them is skipped and counted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

import highdicom as hd
import numpy as np
from highdicom.sr import CodedConcept
from pydicom.dataset import Dataset

from ho_annotate.annotations.model import (
    AnnotationSet,
    HipReading,
    Hips,
    Item,
    ItemKind,
    ManualCalibration,
    Side,
    new_id,
)
from ho_annotate.annotations.naming import READER_PATTERN
from ho_annotate.annotations.store import new_annotation_set
from ho_annotate.annotations.validation import problems
from ho_annotate.dicom.radiograph import RadiographHeader, read_header
from ho_annotate.dicom.sides import side_for_point
from ho_annotate.export import codes as hc
from ho_annotate.export.coords import from_image_coords
from ho_annotate.export.source import ExportError, item_id_from_uid

__all__ = ["ImportResult", "import_sr"]

Group = (
    hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations
    | hd.sr.MeasurementsAndQualitativeEvaluations
)


@dataclass
class ImportResult:
    """The annotation set read from an SR, and what was left out."""

    annotations: AnnotationSet
    #: Measurement groups not taken (other images, other tools), one line each.
    skipped: list[str] = field(default_factory=list)


def _read(path: Path) -> hd.sr.ComprehensiveSR | hd.sr.Comprehensive3DSR | hd.sr.EnhancedSR:
    try:
        sr = hd.sr.srread(path)
    except Exception as exc:
        raise ExportError(
            file=path,
            problem=f"not a readable Structured Report ({type(exc).__name__}: {exc})",
            action="give a TID 1500 measurement report",
        ) from exc
    templates = getattr(sr, "ContentTemplateSequence", None) or []
    if not any(str(t.get("TemplateIdentifier", "")) == "1500" for t in templates):
        raise ExportError(
            file=path,
            problem="is not a TID 1500 measurement report",
            action="give an SR made by ho-annotate export or by OHIF",
        )
    return sr


def _code_of(group: Group, name: CodedConcept) -> CodedConcept | None:
    for evaluation in group.get_qualitative_evaluations():
        if hc.same(evaluation.name, name):
            return cast(CodedConcept, evaluation.value)
    return None


def _num_of(group: Group, name: CodedConcept) -> float | None:
    for m in group.get_measurements():
        if hc.same(m.name, name):
            return float(m.value)
    return None


def _texts(group: Group, name: CodedConcept) -> list[str]:
    out = []
    for item in group[0].ContentSequence:
        if item.ValueType == "TEXT" and hc.same(
            CodedConcept.from_dataset(item.ConceptNameCodeSequence[0]), name
        ):
            out.append(str(item.TextValue))
    return out


def _side_of(group: Group) -> Side | None:
    for site in group.finding_sites:
        lat = site.laterality
        if lat is not None:
            found = hc.lookup(cast(dict[str, CodedConcept], hc.LATERALITY), lat)
            if found is not None:
                return cast(Side, found)
    return None


def _scoord_on(item: Dataset, sop_uid: str) -> np.ndarray | None:
    """The graphic data of an SCOORD that selects from image ``sop_uid``, else ``None``."""
    for child in getattr(item, "ContentSequence", []):
        refs = getattr(child, "ReferencedSOPSequence", [])
        if any(str(r.ReferencedSOPInstanceUID) == sop_uid for r in refs):
            return np.asarray(item.GraphicData, dtype=np.float64).reshape(-1, 2)
    return None


def _length_points(group: Group, sop_uid: str) -> np.ndarray | None:
    for m in group.get_measurements():
        if not hc.same(m.name, hc.LENGTH):
            continue
        for child in getattr(m[0], "ContentSequence", []):
            if child.ValueType == "SCOORD" and str(child.GraphicType) == "POLYLINE":
                data = _scoord_on(child, sop_uid)
                if data is not None and len(data) >= 2:
                    return data
    return None


def _roi_item(group: hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations) -> Item | None:
    parts = group.tracking_identifier.split(" ") if group.tracking_identifier else []
    kind = hc.lookup(hc.FINDING, group.finding_type) if group.finding_type else None
    if len(parts) != 3 or parts[0] != "ho-annotate" or kind is None or group.roi is None:
        return None
    side = _side_of(group)
    if side is None:
        return None
    origin = _code_of(group, hc.ORIGIN)
    return Item(
        kind=cast(ItemKind, kind),
        side=side,
        points=from_image_coords(group.roi.value, opened=kind != "calibration_line"),
        id=parts[2],
        origin=cast(
            "Literal['pelvis', 'femur'] | None",
            hc.lookup(hc.ORIGINS, origin) if origin is not None else None,
        ),
        known_mm=_num_of(group, hc.KNOWN_SIZE),
    )


def _hip(group: Group) -> HipReading:
    status = _code_of(group, hc.STATUS)
    key = hc.lookup(cast(dict[str, CodedConcept], hc.STATUSES), status) if status else None
    reasons = _texts(group, hc.NOT_ASSESSABLE_REASON)
    if key == "not assessable":
        return HipReading(not_assessable_reason=reasons[0] if reasons else "not assessable")
    return HipReading(no_ho_confirmed=key == "no HO")


def _calibration(group: Group) -> ManualCalibration | None:
    method = _code_of(group, hc.CALIBRATION_METHOD)
    known = _num_of(group, hc.KNOWN_SIZE)
    row, col = _num_of(group, hc.ROW_SPACING), _num_of(group, hc.COLUMN_SPACING)
    if method is None or known is None or row is None or col is None:
        return None
    name = hc.lookup(hc.CALIBRATION_METHODS, method)
    if name is None:
        return None
    uid = group.tracking_uid
    return ManualCalibration(
        method=cast("Literal['line', 'circle', 'prosthetic_head']", name),
        known_mm=known,
        row_mm=row,
        col_mm=col,
        uncertainty=_num_of(group, hc.SPACING_UNCERTAINTY) or 0.0,
        item_id=item_id_from_uid(uid) if uid else None,
    )


def _reader_of(content: hd.sr.MeasurementReport) -> str | None:
    for ctx in content.get_observer_contexts(
        observer_type=hd.sr.CodedConcept("121006", "DCM", "Person")
    ):
        name = str(ctx.observer_identifying_attributes[0].value).strip("^ ")
        if READER_PATTERN.fullmatch(name):
            return name
    return None


def _refers_to(sr: Dataset, sop_uid: str) -> bool:
    """The SR lists the image among its evidence (or any content item references it)."""
    for elem in sr.iterall():
        if elem.keyword == "ReferencedSOPInstanceUID" and str(elem.value) == sop_uid:
            return True
    return False


def import_sr(
    sr_path: str | os.PathLike[str],
    image: str | os.PathLike[str],
    *,
    reader: str | None = None,
    header: RadiographHeader | None = None,
) -> ImportResult:
    """The annotation set an SR holds for ``image``.

    ``reader`` names the reader (default: the SR's person observer if it is a valid reader
    name, else ``"ohif"``). The SR must measure ``image`` (by SOP Instance UID).
    """
    path = Path(sr_path)
    header = header or read_header(image, display=False)
    sr = _read(path)
    content = sr.content
    if not isinstance(content, hd.sr.MeasurementReport):
        raise ExportError(file=path, problem="holds no measurement report content")
    name = reader or _reader_of(content) or "ohif"
    aset = new_annotation_set(header, name)
    sop = header.sop_instance_uid
    if not _refers_to(sr, sop):
        raise ExportError(
            file=path,
            problem=f"does not refer to {Path(image).name} (SOP Instance UID {sop})",
            action="give the SR made on this image",
        )
    skipped: list[str] = []
    items: list[Item] = []
    hips: dict[Side, HipReading] = {}
    calibration: ManualCalibration | None = None
    side_basis: str | None = None
    for roi in content.get_planar_roi_measurement_groups(referenced_sop_instance_uid=sop):
        item = _roi_item(roi)
        if item is None:
            skipped.append(f"planar ROI {roi.tracking_identifier or '(no identifier)'}")
        else:
            items.append(item)
    for group in content.get_image_measurement_groups():
        finding = group.finding_type
        ident = group.tracking_identifier or ""
        if finding is not None and hc.same(finding, hc.HIP_ASSESSMENT):
            side = _side_of(group)
            if side is not None:
                hips[side] = _hip(group)
            basis = _code_of(group, hc.SIDE_BASIS)
            side_basis = hc.lookup(hc.SIDE_BASES, basis) if basis is not None else side_basis
            continue
        if finding is not None and hc.same(finding, hc.CALIBRATION_GROUP):
            calibration = _calibration(group)
            continue
        is_gap = finding is not None and hc.same(finding, hc.FINDING["gap"])
        if not (is_gap or ident.startswith((hc.CORNERSTONE_LENGTH, hc.LEGACY_LENGTH))):
            skipped.append(f"measurement group {ident or '(no identifier)'}")
            continue
        data = _length_points(group, sop)
        if data is None:
            skipped.append(f"length {ident} (not on this image)")
            continue
        points = from_image_coords(data[:2])
        side = _side_of(group) or side_for_point(header, points[0][1], header.columns)
        uid = group.tracking_uid
        item_id = (item_id_from_uid(uid) if uid else None) or new_id()
        items.append(Item(kind="gap", side=side, points=points, id=item_id))
    if not items and not hips:
        raise ExportError(
            file=path,
            problem=f"has no measurements of {Path(image).name} (SOP Instance UID {sop})",
            action="give the SR made on this image",
        )
    aset.items = items
    aset.calibration = calibration
    if calibration is not None:
        aset.spacing = calibration.as_spacing()
    if hips:
        aset.hips = Hips(
            left=hips.get("left", aset.hips.left), right=hips.get("right", aset.hips.right)
        )
    if side_basis is not None:
        aset.side_basis = cast(
            "Literal['laterality', 'orientation', 'assumed', 'reader']", side_basis
        )
    found = problems(aset)
    if found:
        where, what = found[0]
        raise ExportError(file=path, problem=f"gives invalid annotations: {what} at `{where}`")
    return ImportResult(aset, skipped)
