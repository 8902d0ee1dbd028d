"""What every export instance says about where it came from: series, device and creator."""

from __future__ import annotations

from typing import Any, Final, Literal

from pydicom.uid import generate_uid

from ho_annotate._version import __version__
from ho_annotate.export.source import ExportInput

__all__ = ["MANUFACTURER", "SERIES_DESCRIPTION", "SERIES_NUMBER", "new_content_instance"]

#: SeriesDescription of every export: research use, not a clinical report.
SERIES_DESCRIPTION: Final = "ho-annotate research measurements - not for clinical use"
MANUFACTURER: Final = "ho-annotate project"
#: Series numbers of our exports (SR, SEG, GSPS), high enough not to clash with the scanner's.
SERIES_NUMBER: Final[dict[str, int]] = {"sr": 9701, "seg": 9702, "gsps": 9703}


def new_content_instance(
    kind: Literal["seg", "gsps"], inp: ExportInput, label: str, description: str
) -> dict[str, Any]:
    """The keyword arguments highdicom's SEG and GSPS constructors share: a new series and
    instance, our device, and the reader as content creator (a DICOM person name)."""
    return {
        "series_instance_uid": generate_uid(),
        "series_number": SERIES_NUMBER[kind],
        "sop_instance_uid": generate_uid(),
        "instance_number": 1,
        "manufacturer": MANUFACTURER,
        "manufacturer_model_name": "ho-annotate",
        "software_versions": __version__,
        "device_serial_number": "-",
        "content_label": label,
        "content_description": description,
        "content_creator_name": inp.annotations.reader.replace("^", " ")[:60] + "^",
        "series_description": SERIES_DESCRIPTION,
    }
