"""De-identify a dataset by the DICOM Basic Application Level Confidentiality Profile.

The profile is PS3.15 Annex E, table E.1-1: for each attribute an action code, D (replace by a
dummy value), Z (empty), X (remove), U (replace the UID consistently) and the combinations
(X/Z, X/D, Z/D, X/Z/D, X/Z/U*), which resolve by the attribute's type in the object: a Type 1
attribute of a DX image gets a dummy value, a Type 2 one an empty value, anything else goes.
The table itself comes from the ``dicom-anonymizer`` package (BSD-3-Clause, Kitware), which
transcribes the standard's table per edition; the actions are applied here, to every element
at every depth (sequence items included), and every private attribute is removed.

What it does not do: remove names burned into the pixels (see ``burned_in_annotation``),
shift dates (dates are replaced by dummies), or keep the Longitudinal Temporal Information or
any other option of the profile. The copy declares exactly that: DeidentificationMethodCodeSequence
holds DCM 113100 (Basic Application Confidentiality Profile) and no option code.
"""

from __future__ import annotations

from typing import Any, Final

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

__all__ = [
    "ANNEX_E_EDITION",
    "BASIC_PROFILE",
    "DX_TYPE2",
    "METHOD",
    "UidMap",
    "annex_e_actions",
    "deidentify",
]

#: The edition of PS3.15 whose table is applied.
ANNEX_E_EDITION: Final = "2026c"

#: The profile applied, as (code value, scheme, meaning): CID 7050, no option added.
BASIC_PROFILE: Final = ("113100", "DCM", "Basic Application Confidentiality Profile")
#: DeidentificationMethod text of every copy (LO: at most 64 characters).
METHOD: Final = f"ho-annotate practice copy: PS3.15 Annex E Basic Profile {ANNEX_E_EDITION}"

#: Type 1 attributes of the DX image IOD that the profile touches: D keeps them present.
_TYPE1: Final = frozenset({"ContentDate", "ContentTime"})
#: Type 2 attributes of the DX image IOD that the profile touches: Z keeps them, empty.
DX_TYPE2: Final = frozenset(
    {
        "AccessionNumber",
        "AcquisitionContextSequence",
        "PatientBirthDate",
        "PatientID",
        "PatientName",
        "PatientSex",
        "ReferringPhysicianName",
        "StudyDate",
        "StudyID",
        "StudyTime",
        "AcquisitionDate",
        "AcquisitionTime",
    }
)
_DUMMY_TEXT: Final = "REMOVED"
_DUMMIES: Final[dict[str, Any]] = {
    "DA": "19000101",
    "DT": "19000101000000",
    "TM": "000000",
    "AS": "000Y",
    "DS": "0",
    "IS": "0",
    "UR": "",
}

Matcher = tuple[int, int, int, int]


class UidMap:
    """New UIDs for old ones, the same new UID for the same old one (within one map)."""

    def __init__(self) -> None:
        self._map: dict[str, str] = {}

    def __call__(self, old: str) -> str:
        if old not in self._map:
            self._map[old] = str(generate_uid())
        return self._map[old]


def annex_e_actions() -> tuple[dict[int, str], list[tuple[Matcher, str]]]:
    """The profile's action per tag, and per repeating-group mask (overlays, curves)."""
    from dicomanonymizer.dicom_anonymization_databases import dicomfields_2026c as table

    codes = {
        "D_TAGS": "D",
        "Z_TAGS": "Z",
        "X_TAGS": "X",
        "U_TAGS": "U",
        "Z_D_TAGS": "Z/D",
        "X_Z_TAGS": "X/Z",
        "X_D_TAGS": "X/D",
        "X_Z_D_TAGS": "X/Z/D",
        "X_Z_U_STAR_TAGS": "X/Z/U*",
    }
    exact: dict[int, str] = {}
    masked: list[tuple[Matcher, str]] = []
    for name, code in codes.items():
        for tag in getattr(table, name):
            if len(tag) == 2:
                exact[(tag[0] << 16) | tag[1]] = code
            else:
                masked.append(((tag[0], tag[1], tag[2], tag[3]), code))
    return exact, masked


def _resolve(code: str, keyword: str, top_level: bool) -> str:
    """One action from a combined code, by the attribute's type in a DX image."""
    if "/" not in code:
        return code
    options = code.split("/")
    if top_level and keyword in _TYPE1 and "D" in options:
        return "D"
    if top_level and keyword in DX_TYPE2 and "Z" in options:
        return "Z"
    if "U*" in options:
        return "X"
    return "X" if "X" in options else options[-1]


def _dummy(elem: DataElement) -> Any:
    if elem.VR in _DUMMIES:
        return _DUMMIES[elem.VR]
    if elem.VR in ("US", "SS", "UL", "SL", "FL", "FD", "UV", "SV"):
        return 0
    if elem.VR in ("OB", "OW", "OF", "OD", "OL", "OV", "UN"):
        return b""
    if elem.VR == "SQ":
        return []
    return _DUMMY_TEXT


def _empty(elem: DataElement) -> Any:
    return [] if elem.VR == "SQ" else None


def deidentify(ds: Dataset, uids: UidMap) -> list[str]:
    """Apply the profile to ``ds`` in place (file meta included); the actions taken, as text.

    Marks the copy: PatientIdentityRemoved YES, DeidentificationMethod and
    DeidentificationMethodCodeSequence (replacing any earlier marks).
    """
    exact, masked = annex_e_actions()
    done: list[str] = []
    ds.remove_private_tags()  # recursive: private attributes go at every depth

    def action_for(tag: int) -> str | None:
        code = exact.get(tag)
        if code is not None:
            return code
        group, element = tag >> 16, tag & 0xFFFF
        for (g, e, gm, em), masked_code in masked:
            if group & gm == g & gm and element & em == e & em:
                return masked_code
        return None

    def visit_level(dataset: Dataset, top_level: bool) -> None:
        for tag in list(dataset.keys()):
            elem = dataset[tag]
            code = action_for(int(tag))
            if code is not None:
                keyword = elem.keyword or ""
                action = _resolve(code, keyword, top_level)
                done.append(f"{keyword or tag}: {action}")
                if action == "X":
                    del dataset[tag]
                    continue
                if action == "Z":
                    elem.value = _empty(elem)
                elif action == "D":
                    elem.value = _dummy(elem) if elem.VR != "UI" else uids(str(elem.value))
                elif action == "U":
                    _replace_uids(elem, uids)
            if elem.VR == "SQ" and tag in dataset:
                for item in elem.value or []:
                    visit_level(item, False)

    visit_level(ds, True)
    meta = getattr(ds, "file_meta", None)
    if meta is not None:
        visit_level(meta, False)
        if "SOPInstanceUID" in ds:
            meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = METHOD
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = BASIC_PROFILE
    ds.DeidentificationMethodCodeSequence = [code]
    return done


def _replace_uids(elem: DataElement, uids: UidMap) -> None:
    value = elem.value
    if value is None or value == "":
        return
    if isinstance(value, str):
        elem.value = uids(value)
    else:
        elem.value = [uids(str(v)) for v in value]
