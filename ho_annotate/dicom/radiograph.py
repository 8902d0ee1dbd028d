"""Load a CR/DX radiograph from DICOM: header facts, bone-bright pixels, window and spacing.

``read_header(path)`` reads the header only (no pixel decode, for batch work);
``load_radiograph(path)`` adds the pixels. Both refuse unusable input with ``RadiographError``
only, and neither ever writes to the file. See docs/dicom-loading.md for the rules.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset
from pydicom.uid import UID

from ho_annotate.annotations.model import ManualCalibration, Spacing, SpacingKind
from ho_annotate.dicom.lut import header_window, modality_range, percentile_window, rescale
from ho_annotate.dicom.pixels import RadiographWarning, oriented_pixels
from ho_annotate.dicom.reading import int_value, open_dataset, open_header, raw_ascii
from ho_annotate.dicom.scanned_header import HeaderSource, ScannedHeader
from ho_annotate.dicom.spacing import SPACING_KEYWORDS, header_spacing
from ho_annotate.errors import RadiographError

__all__ = [
    "Radiograph",
    "RadiographError",
    "RadiographHeader",
    "RadiographWarning",
    "load_radiograph",
    "read_header",
]

Window = tuple[float, float]


@dataclass(frozen=True, kw_only=True)
class RadiographHeader:
    """What the header says about one radiograph (no patient name or ID is kept)."""

    path: Path
    #: Empty when the file has none (then annotations cannot be bound to it safely).
    sop_instance_uid: str
    study_instance_uid: str | None = None
    series_instance_uid: str | None = None
    sop_class_uid: str | None = None
    modality: str | None = None
    #: 'L' or 'R' from ImageLaterality, else Laterality; ``None`` otherwise (e.g. 'B', 'U').
    laterality: str | None = None
    patient_orientation: tuple[str, str] | None = None
    view_position: str | None = None
    rows: int = 0
    columns: int = 0
    photometric: str = "MONOCHROME2"
    bits_stored: int | None = None
    transfer_syntax: str = ""
    #: Rescale ``(slope, intercept)`` as applied (identity when a Modality LUT Sequence is used).
    rescale: tuple[float, float] = (1.0, 0.0)
    #: The Modality-LUT image of the stored range; MONOCHROME1 is inverted as ``lo + hi - v``.
    value_range: tuple[float, float] = (0.0, 0.0)
    #: The header's display window, already in the bone-bright orientation, or ``None``.
    voi_window: Window | None = None
    voi_source: str = "none in header"
    spacing: Spacing | None = None

    @property
    def spacing_mm(self) -> tuple[float, float] | None:
        """``(row_mm, col_mm)`` or ``None``."""
        return None if self.spacing is None else self.spacing.mm

    @property
    def spacing_kind(self) -> SpacingKind | None:
        return None if self.spacing is None else self.spacing.kind

    @property
    def spacing_source(self) -> str:
        return "no spacing in header" if self.spacing is None else self.spacing.source


@dataclass(frozen=True, kw_only=True, eq=False)
class Radiograph(RadiographHeader):
    """A loaded radiograph: the header's facts plus ``pixels`` and a display ``window``."""

    #: 2-D, native byte order, Modality LUT applied, bone bright.
    pixels: npt.NDArray[Any] = field(repr=False)
    #: ``(center, width)`` in the units and orientation of ``pixels``.
    window: Window

    @property
    def header(self) -> RadiographHeader:
        """The header facts alone (no pixels)."""
        names = [f.name for f in dataclasses.fields(RadiographHeader)]
        return RadiographHeader(**{name: getattr(self, name) for name in names})

    def with_calibration(self, calibration: ManualCalibration) -> Radiograph:
        """The same radiograph with a manual calibration's spacing (kind ``manual``)."""
        return dataclasses.replace(self, spacing=calibration.as_spacing())


#: VRs whose values are plain ASCII (no character set applies), so raw bytes decode directly.
_ASCII_VRS = frozenset({"UI", "CS"})


def _text(ds: HeaderSource, keyword: str) -> str | None:
    done, text = raw_ascii(ds, keyword, _ASCII_VRS)
    if done and (text is None or "\\" not in text):  # multi-valued: pydicom's rules
        return text
    try:
        value = ds.get(keyword)
    except Exception:
        return None
    text = str(value).strip() if value is not None else ""
    return text or None


def _laterality(ds: HeaderSource) -> str | None:
    for keyword in ("ImageLaterality", "Laterality"):
        value = (_text(ds, keyword) or "").upper()
        if value in ("L", "R"):
            return value
    return None


def _orientation(ds: HeaderSource) -> tuple[str, str] | None:
    done, text = raw_ascii(ds, "PatientOrientation", _ASCII_VRS)
    value: Any
    if done:
        value = text.split("\\") if text is not None else None
    else:
        try:
            value = ds.get("PatientOrientation")
        except Exception:
            return None
    if value is None or isinstance(value, str | bytes):
        return None
    parts = [str(v).strip().upper() for v in value]
    if len(parts) != 2 or not all(parts):
        return None
    return (parts[0], parts[1])


def _sop_instance_uid(ds: HeaderSource) -> str:
    uid = _text(ds, "SOPInstanceUID")
    meta = getattr(ds, "file_meta", None)
    if uid is None and meta is not None:
        uid = _text(meta, "MediaStorageSOPInstanceUID")
    return uid or ""


#: Every element ``_header_from(display=False)`` reads: a batch header read keeps only these.
_HEADER_KEYWORDS = (
    "PhotometricInterpretation",
    "SamplesPerPixel",
    "SOPInstanceUID",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "SOPClassUID",
    "Modality",
    "ImageLaterality",
    "Laterality",
    "PatientOrientation",
    "ViewPosition",
    "Rows",
    "Columns",
    "BitsStored",
    *SPACING_KEYWORDS,
)


def _full(ds: HeaderSource) -> Dataset:
    """pydicom's data set (what the display values read)."""
    return ds.dataset() if isinstance(ds, ScannedHeader) else ds


def _header_from(ds: HeaderSource, path: Path, display: bool = True) -> RadiographHeader:
    photometric = (_text(ds, "PhotometricInterpretation") or "MONOCHROME2").upper()
    samples = int_value(ds, "SamplesPerPixel", 1)
    lo, hi = modality_range(_full(ds)) if display else (0.0, 0.0)
    window: Window | None = None
    voi_source = "not read"
    if display:
        window, voi_source = header_window(_full(ds)) if samples == 1 else (None, "colour image")
    if window is not None and photometric == "MONOCHROME1":
        window = (lo + hi - window[0], window[1])
    meta = getattr(ds, "file_meta", None)
    syntax = _text(meta, "TransferSyntaxUID") if meta is not None else None
    return RadiographHeader(
        path=path,
        sop_instance_uid=_sop_instance_uid(ds),
        study_instance_uid=_text(ds, "StudyInstanceUID"),
        series_instance_uid=_text(ds, "SeriesInstanceUID"),
        sop_class_uid=_text(ds, "SOPClassUID"),
        modality=_text(ds, "Modality"),
        laterality=_laterality(ds),
        patient_orientation=_orientation(ds),
        view_position=_text(ds, "ViewPosition"),
        rows=int_value(ds, "Rows") or 0,
        columns=int_value(ds, "Columns") or 0,
        photometric=photometric,
        bits_stored=int_value(ds, "BitsStored"),
        transfer_syntax=UID(syntax).name if syntax else "",
        rescale=rescale(_full(ds)) if display else (1.0, 0.0),
        value_range=(lo, hi),
        voi_window=window,
        voi_source=voi_source,
        spacing=header_spacing(ds),
    )


def _as_path(path: str | os.PathLike[str]) -> Path:
    return Path(os.fspath(path))


@contextmanager
def _refusing(path: Path) -> Iterator[None]:
    """Turn any failure on damaged content into a ``RadiographError`` naming the file.

    pydicom parses elements lazily, so a damaged value (an unknown VR, a bad number) can fail
    at any later access; the loader's contract is that only ``RadiographError`` escapes.
    """
    try:
        yield
    except (RadiographError, MemoryError):
        raise
    except Exception as exc:
        raise RadiographError(
            f"{path}: damaged DICOM content ({type(exc).__name__}: {exc}); export it again"
        ) from exc


def read_header(path: str | os.PathLike[str], *, display: bool = True) -> RadiographHeader:
    """The header facts of one radiograph, without reading or decoding the pixel data.

    ``display=False`` skips what only showing the image needs (batch work): ``rescale``,
    ``value_range`` and ``voi_window`` keep their defaults and ``voi_source`` is "not read".
    """
    file = _as_path(path)
    with _refusing(file):
        ds: HeaderSource
        if display:
            ds = open_dataset(file, header_only=True)
        else:  # only the elements the facts need: far faster on the common layout
            ds = open_header(file, _HEADER_KEYWORDS)
        return _header_from(ds, file, display)


def load_radiograph(path: str | os.PathLike[str]) -> Radiograph:
    """Load one single-frame radiograph: bone-bright pixels, display window and spacing.

    Colour images load as luminance with a ``RadiographWarning``. Every refusal is a
    ``RadiographError`` naming the file and the reason.
    """
    file = _as_path(path)
    with _refusing(file):
        ds = open_dataset(file, header_only=False)
        header = _header_from(ds, file)
        pixels = oriented_pixels(ds, file)
        if not np.issubdtype(pixels.dtype, np.number):
            raise RadiographError(f"{file}: decoded pixels are not numbers ({pixels.dtype})")
        window = header.voi_window
        if window is None:
            window = percentile_window(pixels) if pixels.size else (0.0, 1.0)
    values = {f.name: getattr(header, f.name) for f in dataclasses.fields(RadiographHeader)}
    return Radiograph(**values, pixels=pixels, window=window)
