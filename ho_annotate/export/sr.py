"""A TID 1500 Comprehensive SR measurement report of one reader's annotations.

Layout (docs/dicom-export.md has the full table):
- each outline (island, spur, bridge, bone) and calibration drawing: a planar ROI group
  (TID 1410) with a closed POLYLINE (an open one for a calibration line), its finding type and
  the hip joint with laterality as finding site;
- each gap line: a measurement group (TID 1501) with its Length (SCT 410668003) inferred from a
  two-point POLYLINE, tracking identifier ``Cornerstone3DTools@^0.1.0:Length`` so OHIF shows it as
  an editable length, and the calibration it rests on (kind, spacing, known size);
- per hip: a group with the Brooker class, the Della Valle grade, the reading status and the
  borderline flag as qualitative evaluations, and the reasons as TEXT;
- a manual calibration, if any: a group with its method, known size, spacing and uncertainty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import highdicom as hd
from highdicom.sr import CodedConcept
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from ho_annotate._version import __version__
from ho_annotate.annotations.model import POLYGON_KINDS, SIDES, Item, Side
from ho_annotate.export import codes as hc
from ho_annotate.export.coords import to_image_coords
from ho_annotate.export.series import MANUFACTURER, SERIES_DESCRIPTION, SERIES_NUMBER
from ho_annotate.export.source import ExportInput, copy_deidentification, tracking_uid

#: The device observer's UID (fixed, so archives see one device across exports).
DEVICE_UID: Final = "2.25.143937262530861017046219813735431823301"


def outline_tracking_identifier(item: Item) -> str:
    """The tracking identifier text of a drawn item: ``ho-annotate <kind> <id>``."""
    return f"ho-annotate {item.kind} {item.id}"


def hip_tracking_identifier(side: Side) -> str:
    return f"ho-annotate hip {side}"


def _text(name: CodedConcept, value: str) -> hd.sr.TextContentItem:
    return hd.sr.TextContentItem(
        name=name,
        value=value[:1024] or "-",
        relationship_type=hd.sr.RelationshipTypeValues.CONTAINS,
    )


def _source_image(inp: ExportInput) -> hd.sr.SourceImageForRegion:
    return hd.sr.SourceImageForRegion(
        referenced_sop_class_uid=str(inp.dataset.SOPClassUID),
        referenced_sop_instance_uid=str(inp.dataset.SOPInstanceUID),
    )


def _finding_site(side: Side) -> hd.sr.FindingSite:
    return hd.sr.FindingSite(anatomic_location=hc.HIP_JOINT, laterality=hc.LATERALITY[side])


def _tracking(inp: ExportInput, identifier: str, key: str) -> hd.sr.TrackingIdentifier:
    scope = str(inp.dataset.SOPInstanceUID)
    return hd.sr.TrackingIdentifier(uid=tracking_uid(key, scope), identifier=identifier)


def _num(name: CodedConcept, value: float, unit: CodedConcept) -> hd.sr.Measurement:
    return hd.sr.Measurement(name=name, value=float(value), unit=unit)


def calibration_statements(
    inp: ExportInput,
) -> tuple[list[hd.sr.Measurement], list[hd.sr.QualitativeEvaluation]]:
    """The calibration every length rests on: its kind, spacing and known size."""
    spacing = inp.spacing
    kind = spacing.kind if spacing is not None else None
    evaluations = [hd.sr.QualitativeEvaluation(hc.CALIBRATION_KIND, hc.SPACING_KINDS[kind])]
    measurements: list[hd.sr.Measurement] = []
    if spacing is not None:
        measurements += [
            _num(hc.ROW_SPACING, spacing.row_mm, hc.MM_PER_PIXEL),
            _num(hc.COLUMN_SPACING, spacing.col_mm, hc.MM_PER_PIXEL),
        ]
    cal = inp.annotations.calibration
    if cal is not None:
        measurements.append(_num(hc.KNOWN_SIZE, cal.known_mm, hc.MM))
        evaluations.append(
            hd.sr.QualitativeEvaluation(hc.CALIBRATION_METHOD, hc.CALIBRATION_METHODS[cal.method])
        )
    return measurements, evaluations


def gap_length(inp: ExportInput, item: Item) -> tuple[float, CodedConcept]:
    """A gap line's length in mm at the spacing in force, or in pixels without one."""
    (r0, c0), (r1, c1) = item.points[0], item.points[-1]
    spacing = inp.spacing
    if spacing is None:
        return math.hypot(r1 - r0, c1 - c0), hc.PIXELS
    return math.hypot((r1 - r0) * spacing.row_mm, (c1 - c0) * spacing.col_mm), hc.MM


def _gap_group(inp: ExportInput, item: Item) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    length, unit = gap_length(inp, item)
    coords = hd.sr.CoordinatesForMeasurement(
        graphic_type=hd.sr.GraphicTypeValues.POLYLINE,
        graphic_data=to_image_coords(item.points[:2]),
        source_image=_source_image(inp),
    )
    measurement = hd.sr.Measurement(
        name=hc.LENGTH, value=length, unit=unit, referenced_coordinates=[coords]
    )
    extra, evaluations = calibration_statements(inp)
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=_tracking(inp, hc.CORNERSTONE_LENGTH, item.id),
        finding_type=hc.FINDING["gap"],
        finding_sites=[_finding_site(item.side)],
        measurements=[measurement, *extra],
        qualitative_evaluations=evaluations,
    )


def _roi_group(
    inp: ExportInput, item: Item
) -> hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations:
    closed = item.kind in POLYGON_KINDS or item.kind == "calibration_circle"
    region = hd.sr.ImageRegion(
        graphic_type=hd.sr.GraphicTypeValues.POLYLINE,
        graphic_data=to_image_coords(item.points, close=closed),
        source_image=_source_image(inp),
    )
    evaluations = []
    if item.origin is not None:
        evaluations.append(hd.sr.QualitativeEvaluation(hc.ORIGIN, hc.ORIGINS[item.origin]))
    measurements = []
    if item.known_mm is not None:
        measurements.append(_num(hc.KNOWN_SIZE, item.known_mm, hc.MM))
    return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=_tracking(inp, outline_tracking_identifier(item), item.id),
        referenced_region=region,
        finding_type=hc.FINDING[item.kind],
        finding_sites=[_finding_site(item.side)],
        measurements=measurements or None,
        qualitative_evaluations=evaluations or None,
    )


def _hip_group(inp: ExportInput, side: Side) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    aset = inp.annotations
    evaluations = [hd.sr.QualitativeEvaluation(hc.STATUS, hc.STATUSES[aset.status(side)])]
    texts: list[hd.sr.TextContentItem] = []
    borderline = False
    for scheme, (concept, grades) in hc.SCHEME_CODES.items():
        result = inp.reports[scheme].sides[side]
        value = grades.get(result.grade or "", hc.NO_GRADE)
        evaluations.append(hd.sr.QualitativeEvaluation(concept, value))
        texts.append(_text(hc.REASON, f"{concept.meaning}: {result.reason}"))
        borderline = borderline or (scheme == "brooker" and result.borderline)
    evaluations.append(hd.sr.QualitativeEvaluation(hc.BORDERLINE, hc.YES if borderline else hc.NO))
    evaluations.append(hd.sr.QualitativeEvaluation(hc.SIDE_BASIS, hc.SIDE_BASES[aset.side_basis]))
    reason = aset.hips[side].not_assessable_reason
    if reason:
        texts.append(_text(hc.NOT_ASSESSABLE_REASON, reason))
    group = hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=_tracking(inp, hip_tracking_identifier(side), f"hip-{side}"),
        algorithm_id=hd.sr.AlgorithmIdentification(
            name="ho-annotate grading", version=__version__, parameters=list(hc.SCHEME_CODES)
        ),
        finding_type=hc.HIP_ASSESSMENT,
        finding_sites=[_finding_site(side)],
        qualitative_evaluations=evaluations,
    )
    group[0].ContentSequence.extend(texts)
    return group


def _calibration_group(inp: ExportInput) -> hd.sr.MeasurementsAndQualitativeEvaluations | None:
    cal = inp.annotations.calibration
    if cal is None:
        return None
    measurements, evaluations = calibration_statements(inp)
    measurements.append(_num(hc.SPACING_UNCERTAINTY, cal.uncertainty, hc.RATIO))
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=_tracking(inp, "ho-annotate calibration", cal.item_id or "calibration"),
        finding_type=hc.CALIBRATION_GROUP,
        measurements=measurements,
        qualitative_evaluations=evaluations,
    )


def measurement_groups(
    inp: ExportInput,
) -> list[
    hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations
    | hd.sr.MeasurementsAndQualitativeEvaluations
]:
    """Every group of the report, in a fixed order: drawings, gaps, hips, calibration."""
    groups: list[
        hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations
        | hd.sr.MeasurementsAndQualitativeEvaluations
    ] = []
    items = inp.annotations.items
    groups += [_roi_group(inp, i) for i in items if i.kind != "gap"]
    groups += [_gap_group(inp, i) for i in items if i.kind == "gap" and len(i.points) >= 2]
    groups += [_hip_group(inp, side) for side in SIDES if _hip_in_image(inp, side)]
    cal = _calibration_group(inp)
    if cal is not None:
        groups.append(cal)
    return groups


def _hip_in_image(inp: ExportInput, side: Side) -> bool:
    """Single-hip views report only their hip."""
    lat = inp.header.laterality
    return lat is None or (lat == "R") == (side == "right")


def person_name(reader: str) -> str:
    """A reader name as a DICOM person name: the name as the family name (``alice^``)."""
    return reader.replace("^", " ")[:60] + "^"


def observation_context(inp: ExportInput) -> hd.sr.ObservationContext:
    """The reader (a person) and ho-annotate (a device) as observers."""
    person = hd.sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(
            name=person_name(inp.annotations.reader)
        ),
    )
    device = hd.sr.ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=DEVICE_UID,
            name="ho-annotate",
            manufacturer_name=MANUFACTURER,
            model_name=f"ho-annotate {__version__}",
        ),
    )
    return hd.sr.ObservationContext(observer_person_context=person, observer_device_context=device)


def build_sr(inp: ExportInput, *, sop_instance_uid: str | None = None) -> hd.sr.ComprehensiveSR:
    """The Comprehensive SR (TID 1500) of ``inp``; a new SOP Instance UID unless given."""
    report = hd.sr.MeasurementReport(
        observation_context=observation_context(inp),
        procedure_reported=hc.PROCEDURE,
        imaging_measurements=measurement_groups(inp),
        title=codes.DCM.ImagingMeasurementReport,
    )
    sr = hd.sr.ComprehensiveSR(
        evidence=[inp.dataset],
        content=report[0],
        series_instance_uid=generate_uid(),
        series_number=SERIES_NUMBER["sr"],
        sop_instance_uid=sop_instance_uid or generate_uid(),
        instance_number=1,
        manufacturer=MANUFACTURER,
        is_complete=True,
        is_final=False,
        is_verified=False,
        series_description=SERIES_DESCRIPTION,
    )
    sr.CodingSchemeIdentificationSequence = [hc.scheme_identification()]
    sr.SoftwareVersions = __version__
    copy_deidentification(inp.dataset, sr)
    return sr


__all__: Sequence[str] = ["SERIES_DESCRIPTION", "build_sr", "measurement_groups"]
