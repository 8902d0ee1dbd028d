"""Open a file as DICOM and refuse, with a clear reason, anything that is not one radiograph."""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydicom import dcmread
from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.tag import BaseTag
from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from ho_annotate.dicom.header_scan import scan
from ho_annotate.dicom.scanned_header import HeaderSource, ScannedHeader, scanned_dataset
from ho_annotate.errors import RadiographError

__all__ = ["VET_KEYWORDS", "code_value", "int_value", "open_dataset", "open_header", "raw_ascii"]

_GRAYSCALE = {"MONOCHROME1", "MONOCHROME2"}
_COLOUR = {"RGB", "YBR_FULL", "YBR_FULL_422", "YBR_ICT", "YBR_RCT", "YBR_PARTIAL_420"}

#: SOP classes that may carry pixel data but are not images to grade.
_NOT_IMAGES = {
    "1.2.840.10008.5.1.4.1.1.66.4": "a Segmentation",
    "1.2.840.10008.5.1.4.1.1.481.2": "an RT Dose",
    "1.2.840.10008.5.1.4.1.1.104.1": "an Encapsulated PDF",
}


@functools.cache
def _tag(keyword: str) -> BaseTag | str:
    """The tag of a keyword, looked up once (pydicom looks it up on every access)."""
    tag = tag_for_keyword(keyword)
    return BaseTag(tag) if tag is not None else keyword


def raw_ascii(ds: HeaderSource, keyword: str, vrs: frozenset[str]) -> tuple[bool, str | None]:
    """``(True, text)`` of an element still undecoded, or ``(False, None)`` for pydicom's way.

    Text is the raw ASCII value stripped of padding (``None`` when absent or empty), for VRs
    in ``vrs`` only. Converting through pydicom (VR lookup, validation, value objects) costs
    more per element than parsing it did, and batch work reads a dozen values per image.
    """
    try:
        raw = ds.get_item(_tag(keyword), keep_deferred=True)
    except Exception:
        return False, None
    if raw is None:
        return True, None
    if not isinstance(raw, RawDataElement) or raw.VR not in vrs:
        return False, None
    value = raw.value
    if not isinstance(value, bytes) or not value.isascii():
        return False, None
    return True, value.decode("ascii").rstrip("\0 ").strip() or None


_CODE_VRS = frozenset({"UI", "CS"})


def code_value(ds: HeaderSource, keyword: str) -> str:
    """``str(ds.get(keyword) or "")`` for a UID or code string, from the raw bytes if it can."""
    done, text = raw_ascii(ds, keyword, _CODE_VRS)
    if done and (text is None or "\\" not in text):
        return text or ""
    return str(ds.get(keyword, "") or "")


def int_value(ds: HeaderSource, keyword: str, default: int | None = None) -> int | None:
    """An integer attribute, ``default`` when absent, ``None`` when present but unreadable."""
    # A single little-endian US value read from the undecoded element: far cheaper than
    # pydicom's conversion, and Rows / Columns / SamplesPerPixel are read for every image.
    try:
        raw = ds.get_item(_tag(keyword), keep_deferred=True)
    except Exception:
        return None
    if raw is None:
        return default
    if (
        isinstance(raw, RawDataElement)
        and raw.VR == "US"
        and isinstance(raw.value, bytes)
        and len(raw.value) == 2
        and ds.original_encoding[1] is True
    ):
        return int.from_bytes(raw.value, "little")
    try:
        value = ds.get(keyword)
    except Exception:
        return None
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _read(path: Path, header_only: bool, force: bool) -> Dataset:
    if not header_only:
        return dcmread(path, force=force)
    with path.open("rb") as f:
        ds = dcmread(f, stop_before_pixels=True, force=force)
        _check_pixel_extent(f, path)
    return ds


def _check_pixel_extent(f: BinaryIO, path: Path) -> None:
    """Refuse a file cut short inside its pixel data, without reading the pixels.

    Reading stopped at the Pixel Data element: its header gives the value's length, which
    must fit in the file (encapsulated data of undefined length cannot be checked this way).
    """
    start = f.tell()
    head = f.read(12)
    if len(head) < 8 or head[:4] not in (b"\xe0\x7f\x10\x00", b"\x7f\xe0\x00\x10"):
        return  # no pixel data here (checked later) or an unusual layout
    little = head[:4] == b"\xe0\x7f\x10\x00"
    order: Literal["little", "big"] = "little" if little else "big"
    if head[4:6].isalpha() and len(head) == 12:  # explicit VR: tag, VR, 2 reserved, length
        length, offset = int.from_bytes(head[8:12], order), 12
    else:
        length, offset = int.from_bytes(head[4:8], order), 8
    if length == 0xFFFFFFFF:
        return
    size = os.fstat(f.fileno()).st_size
    if start + offset + length > size:
        raise RadiographError(
            f"{path}: the file ends {start + offset + length - size} bytes before the end of "
            "its pixel data (truncated or damaged file); export it again"
        )


def open_dataset(path: Path, *, header_only: bool) -> Dataset:
    """Read ``path`` (never written) and check that it is a single-frame image.

    Raises ``RadiographError`` for every refusal, whatever went wrong underneath.
    """
    if not path.exists():
        raise RadiographError(f"{path}: no such file")
    if not path.is_file():
        raise RadiographError(f"{path}: is not a file (give one DICOM image)")
    if path.stat().st_size == 0:
        raise RadiographError(f"{path}: the file is empty; copy or export it again")
    forced = False
    try:
        try:
            ds = _read(path, header_only, force=False)
        except InvalidDicomError:
            forced = True
            ds = _read(path, header_only, force=True)
    except RadiographError:
        raise
    except Exception as exc:
        raise RadiographError(
            f"{path}: cannot be read as DICOM ({type(exc).__name__}: {exc}); "
            "the file may be truncated or not DICOM at all"
        ) from exc
    _vet(ds, path, forced=forced, header_only=header_only)
    _ensure_transfer_syntax(ds)
    return ds


#: Every element ``_vet`` reads (a header read with ``open_header`` must keep them).
VET_KEYWORDS = (
    "Rows",
    "Columns",
    "SOPClassUID",
    "NumberOfFrames",
    "SamplesPerPixel",
    "PhotometricInterpretation",
)


def open_header(path: Path, keywords: Iterable[str]) -> HeaderSource:
    """``open_dataset(path, header_only=True)``, holding only the elements of ``keywords``.

    The common file layout is walked without parsing the other elements (``header_scan``),
    far faster for batch work, and answered from the scanned elements (``ScannedHeader``);
    any other file is read by pydicom as ``open_dataset`` does.
    The checks, values and errors are the same either way. Meta group keywords are looked up
    in ``file_meta``; ``SpecificCharacterSet`` is always kept, for pydicom's text decoding.
    """
    tags = _kept_tags(tuple(keywords))
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return open_dataset(path, header_only=True)
    if not stat.S_ISREG(info.st_mode):
        return open_dataset(path, header_only=True)
    try:
        with path.open("rb") as f:
            ds = _scanned_header(f, info.st_size, path, tags)
    except OSError:
        ds = None  # pydicom's read reports it
    if ds is None:
        return open_dataset(path, header_only=True)
    _vet(ds, path, forced=False, header_only=True)
    return ds


@functools.cache
def _kept_tags(keywords: tuple[str, ...]) -> frozenset[int]:
    tags = {tag_for_keyword(k) for k in (*keywords, *VET_KEYWORDS, "SpecificCharacterSet")}
    tags |= {0x00020003, 0x00020010}  # MediaStorageSOPInstanceUID, TransferSyntaxUID
    return frozenset(t for t in tags if t is not None)


def _scanned_header(
    f: BinaryIO, size: int, path: Path, tags: frozenset[int]
) -> HeaderSource | None:
    try:
        found = scan(f, size, tags)
    except Exception:  # whatever the walk cannot handle, pydicom decides
        return None
    if found is None:
        return None
    scanned = ScannedHeader(found)
    ds: HeaderSource | None = scanned
    if not scanned.meta_readable():  # pydicom's conversion decides
        ds = _checked_meta(scanned_dataset(found))
        if ds is None:
            return None
    if found.pixel_offset is not None:
        f.seek(found.pixel_offset)
        _check_pixel_extent(f, path)
    return ds


def _checked_meta(ds: Dataset) -> Dataset | None:
    """``ds``, or ``None`` when pydicom's reader would refuse its meta group at once."""
    try:  # the meta values pydicom's reader converts at once: a damaged one is its refusal
        meta = ds.file_meta
        if len(meta):
            meta[min(meta.keys())]  # pydicom converts the first in tag order
        meta.get("FileMetaInformationGroupLength")
    except Exception:
        return None
    return ds


def _vet(ds: HeaderSource, path: Path, *, forced: bool, header_only: bool) -> None:
    rows, columns = int_value(ds, "Rows"), int_value(ds, "Columns")
    has_image = bool(rows and columns and rows > 0 and columns > 0)
    if not header_only:
        has_image = has_image and _has_pixel_data(ds)
    if forced and not has_image:
        raise RadiographError(
            f"{path}: is not a DICOM image (no 'DICM' marker and no readable image attributes)"
        )
    sop_class = code_value(ds, "SOPClassUID")
    if sop_class in _NOT_IMAGES:
        raise RadiographError(f"{path}: is {_NOT_IMAGES[sop_class]} object, not a radiograph")
    if not has_image:
        what = UID(sop_class).name if sop_class else "this object"
        raise RadiographError(
            f"{path}: contains no image pixels ({what}); open the radiograph itself"
        )
    frames = int_value(ds, "NumberOfFrames", 1)
    if frames is None:
        raise RadiographError(
            f"{path}: has an unreadable NumberOfFrames value; export the single image again"
        )
    if frames > 1:
        raise RadiographError(
            f"{path}: has {frames} frames; a radiograph is one frame: export the single image"
        )
    _vet_pixel_format(ds, path)


def _vet_pixel_format(ds: HeaderSource, path: Path) -> None:
    samples = int_value(ds, "SamplesPerPixel", 1)
    photometric = code_value(ds, "PhotometricInterpretation").strip().upper()
    if samples == 1 and photometric in _GRAYSCALE | {""}:
        return
    if samples == 3 and photometric in _COLOUR:
        return
    if photometric == "PALETTE COLOR":
        raise RadiographError(
            f"{path}: is a palette-colour image, not a grayscale radiograph; "
            "export it as grayscale (MONOCHROME2)"
        )
    raise RadiographError(
        f"{path}: has an unsupported pixel format "
        f"(SamplesPerPixel {samples}, PhotometricInterpretation {photometric or 'missing'}); "
        "export it as a grayscale image (MONOCHROME2)"
    )


def _has_pixel_data(ds: HeaderSource) -> bool:
    try:
        element: Any = ds.get("PixelData")
    except Exception:
        return False
    return element is not None and len(element) > 0


def _ensure_transfer_syntax(ds: Dataset) -> None:
    """Files without a meta header are native-encoded: tell the decoder how (in memory only)."""
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "TransferSyntaxUID" in meta:
        return
    if "PixelData" in ds and ds["PixelData"].is_undefined_length:
        return  # encapsulated data of an unknown codec: decoding will refuse it
    implicit, little = ds.original_encoding
    if implicit is None or little is None:
        return
    if meta is None:
        meta = FileMetaDataset()
        ds.file_meta = meta
    if implicit:
        meta.TransferSyntaxUID = ImplicitVRLittleEndian
    else:
        meta.TransferSyntaxUID = ExplicitVRLittleEndian if little else ExplicitVRBigEndian
