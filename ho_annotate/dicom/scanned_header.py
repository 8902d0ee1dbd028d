"""The scanned elements of a header, read like a pydicom data set without building one.

``header_scan.scan`` picks the raw elements a batch row needs; the header code reads them
through ``get_item(tag, keep_deferred=True)`` and ``original_encoding`` (raw ASCII text, one
little-endian US value). ``ScannedHeader`` answers those from the scanned dictionaries
directly, and builds pydicom's data set (sharing the same dictionaries, set up as pydicom's
reader sets up its own) only when a value needs pydicom's conversion: setting up two data
sets cost more than reading the values a row needs.
"""

from __future__ import annotations

from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset

from ho_annotate.dicom.header_scan import Scanned

__all__ = ["HeaderSource", "ScannedHeader", "scanned_dataset"]

_GROUP_LENGTH = 0x00020000


def scanned_dataset(found: Scanned) -> Dataset:
    """A data set of the scanned raw elements, set up as pydicom's reader sets up its own."""
    ds = Dataset(found.elements)
    meta = FileMetaDataset(found.meta)
    meta.set_original_encoding(False, True, "iso8859")
    ds.file_meta = meta
    # The character set read is only used to write the data set back, which never happens.
    ds.set_original_encoding(found.implicit, True, "iso8859")
    return ds


class ScannedHeader:
    """The data set or its meta group (``meta=True``) of a scan, for the header readers."""

    def __init__(self, found: Scanned, *, meta: bool = False, owner: ScannedHeader | None = None):
        self._found, self._meta = found, meta
        elements = found.meta if meta else found.elements
        # Plain int keys: a lookup among pydicom's BaseTag keys calls BaseTag.__eq__, Python
        # code, for every element read.
        self._raw = {int(tag): raw for tag, raw in elements.items()}
        self._owner = owner
        self._ds: Dataset | None = None
        self._file_meta: ScannedHeader | None = None
        self.original_encoding = (False if meta else found.implicit, True)

    def dataset(self) -> Dataset:
        """pydicom's data set of the same elements (built once, on first need)."""
        if self._owner is not None:
            return self._owner.dataset().file_meta
        if self._ds is None:
            self._ds = scanned_dataset(self._found)
        return self._ds

    @property
    def file_meta(self) -> ScannedHeader:
        if self._file_meta is None:
            self._file_meta = ScannedHeader(self._found, meta=True, owner=self)
        return self._file_meta

    def _built(self) -> bool:
        return (self._owner or self)._ds is not None

    def get_item(self, key: int | str, *, keep_deferred: bool = False) -> Any:
        """As ``Dataset.get_item``: the element as read, until pydicom's data set is built
        (then from it, as it may have converted the element in place)."""
        if not keep_deferred or not isinstance(key, int) or self._built():
            return self.dataset().get_item(key, keep_deferred=keep_deferred)
        return self._raw.get(int(key))

    def get(self, keyword: str, default: Any = None) -> Any:
        """As ``Dataset.get`` (pydicom converts the value)."""
        return self.dataset().get(keyword, default)

    def meta_readable(self) -> bool:
        """The meta group's first element and its group length need no conversion to be read:
        a 4-byte UL group length, which pydicom's conversion cannot refuse."""
        raw = self._found.meta.get(_GROUP_LENGTH)  # type: ignore[call-overload]
        return (
            isinstance(raw, RawDataElement)
            and raw.VR == "UL"
            and isinstance(raw.value, bytes)
            and len(raw.value) == 4
        )


#: What the header readers accept: pydicom's data set, or the scanned elements.
HeaderSource = Dataset | ScannedHeader
