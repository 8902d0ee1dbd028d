"""Our own TID 1500 content checks: dciodvfy validates the SR's modules, not its template.

``template_problems(ds)`` lists what is wrong with a measurement report as short sentences
(empty when it is fine). It checks the rows our exports and OHIF rely on, not all of PS3.16.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydicom.dataset import Dataset

from ho_annotate.export import codes as hc

__all__ = ["template_problems"]

_SR_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.88.33": "Comprehensive SR",
    "1.2.840.10008.5.1.4.1.1.88.34": "Comprehensive 3D SR",
    "1.2.840.10008.5.1.4.1.1.88.22": "Enhanced SR",
}
_REPORT = ("DCM", "126000")
_LANGUAGE = ("DCM", "121049")
_OBSERVER_TYPE = ("DCM", "121005")
_PROCEDURE = ("DCM", "121058")
_MEASUREMENTS = ("DCM", "126010")
_GROUP = ("DCM", "125007")
_TRACKING_ID = ("DCM", "112039")
_TRACKING_UID = ("DCM", "112040")
_LENGTH = ("SCT", "410668003")


def _concept(item: Dataset) -> tuple[str, str]:
    seq = item.get("ConceptNameCodeSequence") or []
    if not seq:
        return ("", "")
    return (str(seq[0].get("CodingSchemeDesignator", "")), str(seq[0].get("CodeValue", "")))


def _children(item: Dataset, concept: tuple[str, str] | None = None) -> list[Dataset]:
    return [
        c for c in item.get("ContentSequence") or [] if concept is None or _concept(c) == concept
    ]


def _schemes(ds: Dataset) -> Iterator[str]:
    for elem in ds.iterall():
        if elem.keyword == "CodingSchemeDesignator":
            yield str(elem.value)


def _group_problems(n: int, group: Dataset) -> list[str]:
    where = f"measurement group {n}"
    out = []
    ids = _children(group, _TRACKING_ID)
    if len(ids) != 1:
        out.append(f"{where}: needs exactly one Tracking Identifier, has {len(ids)}")
    if len(_children(group, _TRACKING_UID)) != 1:
        out.append(f"{where}: needs exactly one Tracking Unique Identifier")
    for item in _children(group):
        if item.get("ValueType") == "NUM":
            values = item.get("MeasuredValueSequence") or []
            if not values or "MeasurementUnitsCodeSequence" not in values[0]:
                out.append(f"{where}: a NUM has no value with units")
            elif _concept(item) == _LENGTH:
                unit = values[0].MeasurementUnitsCodeSequence[0]
                if str(unit.CodeValue) not in ("mm", "{pixel}"):
                    out.append(f"{where}: a Length is in {unit.CodeValue}, not mm")
        if item.get("ValueType") == "SCOORD" and str(item.get("GraphicType")) == "POLYLINE":
            data = list(item.get("GraphicData") or [])
            if len(data) < 4 or len(data) % 2:
                out.append(f"{where}: a POLYLINE has {len(data)} values, not pairs of 2+ points")
            refs = [c for c in _children(item) if c.get("ValueType") == "IMAGE"]
            if not refs:
                out.append(f"{where}: a POLYLINE does not say which image it is on")
    return out


def template_problems(ds: Dataset) -> list[str]:
    """What makes ``ds`` not a usable TID 1500 measurement report (empty list: none)."""
    out: list[str] = []
    sop_class = str(ds.get("SOPClassUID", ""))
    if sop_class not in _SR_CLASSES:
        return [f"SOP class {sop_class or '(none)'} is not a Comprehensive or Enhanced SR"]
    templates = ds.get("ContentTemplateSequence") or []
    if not any(str(t.get("TemplateIdentifier")) == "1500" for t in templates):
        out.append("Content Template Sequence does not name TID 1500")
    if _concept(ds) != _REPORT:
        out.append("the document title is not (126000, DCM) Imaging Measurement Report")
    for concept, row in (
        (_LANGUAGE, "Language of Content Item and Descendants"),
        (_OBSERVER_TYPE, "Observer Type"),
        (_PROCEDURE, "Procedure Reported"),
    ):
        if not _children(ds, concept):
            out.append(f"the report has no {row} row")
    containers = _children(ds, _MEASUREMENTS)
    if len(containers) != 1:
        out.append(f"the report needs one Imaging Measurements container, has {len(containers)}")
    else:
        groups = _children(containers[0], _GROUP)
        if not groups:
            out.append("Imaging Measurements holds no measurement group")
        for n, group in enumerate(groups, start=1):
            out += _group_problems(n, group)
    private = {s for s in _schemes(ds) if s.startswith("99")}
    declared = {
        str(i.get("CodingSchemeDesignator"))
        for i in ds.get("CodingSchemeIdentificationSequence") or []
    }
    for scheme in sorted(private - declared):
        out.append(f"private coding scheme {scheme} is not declared")
    if str(ds.get("VerificationFlag", "")) != "UNVERIFIED" and hc.SCHEME in private:
        out.append("an ho-annotate report must be UNVERIFIED")
    return out
