"""Pick a few raw elements out of a DICOM header without parsing the rest (batch speed).

``scan(f, size, tags)`` walks a Part 10 file laid out the common way (128-byte preamble and
``DICM``, an Explicit VR Little Endian meta group, an Implicit or Explicit VR Little Endian data
set) up to its pixel data, and keeps only the elements in ``tags``, as the same
``RawDataElement`` values pydicom's reader makes; every other element is skipped by its length
without being decoded. Anything unusual (another transfer syntax, an encoding switch, a VR it
does not know, an undefined length that is not a well-formed sequence, a file cut short)
returns ``None``: the caller then reads the file with pydicom, so values, refusals and error
messages stay pydicom's. Walking the elements costs a fraction of building pydicom's data set
of every element, which is most of the time a batch run spends per image.
"""

from __future__ import annotations

from dataclasses import dataclass
from struct import Struct
from typing import Any, BinaryIO

from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement, empty_value_for_VR
from pydicom.tag import BaseTag
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32, VR

__all__ = ["Scanned", "scan"]

_CHUNK = 1 << 16
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_PIXEL_TAGS = frozenset({0x7FE00010, 0x7FE00009, 0x7FE00008})
_MAX_DEPTH = 16
#: Transfer syntaxes whose data set is not Explicit VR Little Endian nor Implicit: left to pydicom.
_IMPLICIT_LE = "1.2.840.10008.1.2"
_ELSEWHERE = frozenset({"1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"})
_LONG_VRS = frozenset(str(v).encode() for v in EXPLICIT_VR_LENGTH_32)
_SHORT_VRS = frozenset(v.value.encode() for v in VR if len(v.value) == 2) - _LONG_VRS
_EXPLICIT = Struct("<HH2sH")
_IMPLICIT = Struct("<HHL")
_LONG = Struct("<L")


_Elements = dict[BaseTag, RawDataElement | DataElement]


class _Bail(Exception):
    """The layout is not the simple one: pydicom must read this file."""


@dataclass(frozen=True)
class Scanned:
    """The raw elements kept (every meta group element), how the data set is encoded, and
    where its pixel data starts."""

    meta: _Elements
    elements: _Elements
    implicit: bool
    #: Offset of the pixel data element, or ``None`` when the data set ends without one.
    pixel_offset: int | None


class _Buffer:
    """A window on the file: reads ahead in chunks and seeks over long values."""

    def __init__(self, f: BinaryIO, size: int) -> None:
        self.f, self.size = f, size
        self.base, self.data = 0, f.read(_CHUNK)

    def get(self, offset: int, length: int) -> tuple[bytes, int]:
        """The buffer holding ``length`` bytes at ``offset``, and their index in it."""
        if offset + length > self.size:
            raise _Bail
        start = offset - self.base
        if start < 0 or start + length > len(self.data):
            self.f.seek(offset)
            self.base, self.data = offset, self.f.read(max(_CHUNK, length))
            start = 0
            if len(self.data) < length:
                raise _Bail
        return self.data, start

    def bytes(self, offset: int, length: int) -> bytes:
        data, start = self.get(offset, length)
        return data[start : start + length]


class _Walker:
    def __init__(self, buffer: _Buffer, tags: frozenset[int]) -> None:
        self.buf, self.tags = buffer, tags

    def header(self, pos: int, implicit: bool) -> tuple[int, str | None, int, int]:
        """Tag, VR (``None`` when implicit), value length and value offset of one element."""
        if implicit:
            data, i = self.buf.get(pos, 8)
            group, elem, length = _IMPLICIT.unpack_from(data, i)
            return group << 16 | elem, None, length, pos + 8
        data, i = self.buf.get(pos, 8)
        group, elem, vr, length = _EXPLICIT.unpack_from(data, i)
        tag = group << 16 | elem
        if tag in (_ITEM, _ITEM_END, _SEQUENCE_END):
            return tag, None, _IMPLICIT.unpack_from(data, i)[2], pos + 8
        if vr in _LONG_VRS:
            return tag, vr.decode(), _LONG.unpack(self.buf.bytes(pos + 8, 4))[0], pos + 12
        if vr in _SHORT_VRS:
            return tag, vr.decode(), length, pos + 8
        raise _Bail

    def walk_plain(self, pos: int, implicit: bool, kept: _Elements) -> int:
        """Walk plain elements from ``pos`` on (keeping those of ``tags`` in ``kept``); the
        offset of the first element that is not plain.

        Plain: header and value in the buffer, a defined length, a known VR, not pixel data
        nor an item tag. The general path (``header``, ``element``) handles the rest; this
        loop only saves its per-element cost on the common case.
        """
        data, base, tags = self.buf.data, self.buf.base, self.tags
        limit = base + len(data)
        while base <= pos <= limit - 12:
            i = pos - base
            if implicit:
                group, elem, length = _IMPLICIT.unpack_from(data, i)
                code, value_at = b"", pos + 8
            else:
                group, elem, code, length = _EXPLICIT.unpack_from(data, i)
                if code in _SHORT_VRS:
                    value_at = pos + 8
                elif code in _LONG_VRS:
                    length, value_at = _LONG.unpack_from(data, i + 8)[0], pos + 12
                else:
                    return pos
            tag = group << 16 | elem
            end = value_at + length
            if length == _UNDEFINED or tag >= 0xFFFE0000 or tag in _PIXEL_TAGS or end > limit:
                return pos
            if tag in tags:
                vr = None if implicit else code.decode()
                start = value_at - base
                value: Any = (
                    data[start : start + length] if length else empty_value_for_VR(vr, True)
                )
                key = BaseTag(tag)
                kept[key] = RawDataElement(key, vr, length, value, value_at, implicit, True)
            pos = end
        return pos

    def element(
        self,
        tag: int,
        vr: str | None,
        length: int,
        value_at: int,
        implicit: bool,
        depth: int,
        keep: bool = False,
    ) -> tuple[RawDataElement | None, int]:
        """The kept element (or ``None``) and the offset after it; ``keep`` keeps any tag."""
        if length == _UNDEFINED:
            if vr is None:
                try:
                    vr = dictionary_VR(tag)
                except KeyError:
                    raise _Bail from None
            if vr != "SQ" or tag in self.tags:
                raise _Bail
            return None, self.sequence(value_at, implicit, depth + 1)
        end = value_at + length
        if end > self.buf.size:
            raise _Bail
        if tag not in self.tags and not keep:
            return None, end
        value: Any = self.buf.bytes(value_at, length) if length else empty_value_for_VR(vr, True)
        raw = RawDataElement(BaseTag(tag), vr, length, value, value_at, implicit, True)
        return raw, end

    def sequence(self, pos: int, implicit: bool, depth: int) -> int:
        """The offset after an undefined-length sequence starting at ``pos``."""
        if depth > _MAX_DEPTH:
            raise _Bail
        while True:
            data, i = self.buf.get(pos, 8)
            group, elem, length = _IMPLICIT.unpack_from(data, i)
            tag = group << 16 | elem
            if tag == _SEQUENCE_END:
                return pos + 8
            if tag != _ITEM:
                raise _Bail
            end = None if length == _UNDEFINED else pos + 8 + length
            pos = self.item(pos + 8, end, implicit, depth)

    def item(self, pos: int, end: int | None, implicit: bool, depth: int) -> int:
        """The offset after one sequence item (its elements are checked, not kept)."""
        if not implicit and self._looks_implicit(pos, end):
            raise _Bail  # pydicom would read this item as implicit VR
        while end is None or pos < end:
            tag, vr, length, value_at = self.header(pos, implicit)
            if tag == _ITEM_END and end is None:
                return pos + 8
            if tag in (_ITEM, _ITEM_END, _SEQUENCE_END):
                raise _Bail
            _, pos = self.element(tag, vr, length, value_at, implicit, depth)
        if pos != end:
            raise _Bail
        return pos

    def _looks_implicit(self, pos: int, end: int | None) -> bool:
        if end is not None and pos >= end:
            return False
        data, i = self.buf.get(pos, 8)
        if int.from_bytes(data[i : i + 4], "little") in (_ITEM_END, _SEQUENCE_END):
            return False
        return not (0x40 < data[i + 4] < 0x5B and 0x40 < data[i + 5] < 0x5B)


def _meta(walker: _Walker) -> tuple[_Elements, int]:
    elements: _Elements = {}
    pos = 132
    while True:
        data, i = walker.buf.get(pos, 8)
        if _IMPLICIT.unpack_from(data, i)[0] != 2:
            return elements, pos
        tag, vr, length, value_at = walker.header(pos, False)
        if vr is None or length == _UNDEFINED:
            raise _Bail
        raw, pos = walker.element(tag, vr, length, value_at, False, 0, keep=True)
        if raw is not None:
            elements[raw.tag] = raw


def _implicit(meta: _Elements) -> bool:
    raw = meta.get(BaseTag(0x00020010))
    value = raw.value if raw is not None else None
    if not isinstance(value, bytes):
        raise _Bail
    syntax = value.rstrip(b"\0 ").strip()
    if not syntax or syntax.strip(b"0123456789.") or syntax.decode() in _ELSEWHERE:
        raise _Bail
    return syntax.decode() == _IMPLICIT_LE


def scan(f: BinaryIO, size: int, tags: frozenset[int]) -> Scanned | None:
    """The elements of ``tags`` (meta group tags included) of the file open as ``f``, or ``None``.

    ``size`` is the file's length in bytes; ``tags`` must hold (0002,0010) Transfer Syntax UID.
    """
    if size < 140:
        return None
    walker = _Walker(_Buffer(f, size), tags)
    try:
        if walker.buf.bytes(128, 4) != b"DICM":
            return None
        meta, pos = _meta(walker)
        implicit = _implicit(meta)
        data, i = walker.buf.get(pos, 8)
        if data[i : i + 2] == b"\0\0":
            raise _Bail  # a command set group: pydicom's case
        looks_implicit = not (0x40 < data[i + 4] < 0x5B and 0x40 < data[i + 5] < 0x5B)
        if looks_implicit != implicit:
            raise _Bail  # pydicom switches encoding, with a warning
        elements: _Elements = {}
        while pos + 8 <= size:
            pos = walker.walk_plain(pos, implicit, elements)
            if pos + 8 > size:
                break
            tag, vr, length, value_at = walker.header(pos, implicit)
            if tag in _PIXEL_TAGS:
                return Scanned(meta, elements, implicit, pos)
            if tag in (_ITEM, _ITEM_END, _SEQUENCE_END):
                raise _Bail
            raw, pos = walker.element(tag, vr, length, value_at, implicit, 0)
            if raw is not None:
                elements[raw.tag] = raw
        return Scanned(meta, elements, implicit, None)
    except _Bail:
        return None
