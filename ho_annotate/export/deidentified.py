"""De-identified exports for sharing: the source header through the Annex E profile, salted UIDs.

An export normally carries the source image's patient and study modules, as DICOM objects
should. For sharing, ``--pseudonymize SALT`` runs the export's copy of that header through the
same PS3.15 Annex E Basic Profile as practice copies (``dicom.deidentify``) and replaces every
UID by a keyed hash of it (HMAC-SHA256 with the salt, as a ``2.25`` UID). The same salt gives the
same UIDs in every export and in the de-identified copy of the image (``image_copy``), so
a shared SR, SEG or GSPS still refers to the shared image, and nobody without the salt can map
them back to the archive.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
from pathlib import Path
from typing import Final

import pydicom
from pydicom.dataset import Dataset

from ho_annotate.batch.pseudonymize import Pseudonymizer
from ho_annotate.dicom.deidentify import ANNEX_E_EDITION, UidMap, deidentify
from ho_annotate.export.source import ExportError

__all__ = ["METHOD", "SaltedUidMap", "deidentified_header", "image_copy"]

#: DeidentificationMethod of a de-identified export (LO: at most 64 characters).
METHOD: Final = f"ho-annotate export: PS3.15 Annex E Basic Profile {ANNEX_E_EDITION}"
#: The 2.25 form takes a 128-bit integer; a UID may have at most 64 characters.
_UID_BITS: Final = 128


class SaltedUidMap(UidMap):
    """The same new UID for the same old one under the same salt, in any run."""

    def __init__(self, salt: str) -> None:
        super().__init__()
        Pseudonymizer(salt)  # refuses empty and short salts, with the reason
        self._key = salt.encode("utf-8")

    def __call__(self, old: str) -> str:
        digest = hmac.new(self._key, f"dicom-uid:{old}".encode(), hashlib.sha256).digest()
        return f"2.25.{int.from_bytes(digest[: _UID_BITS // 8], 'big')}"


def deidentified_header(dataset: Dataset, salt: str) -> Dataset:
    """A de-identified copy of ``dataset`` (the source header); ``dataset`` is left as it was."""
    out = copy.deepcopy(dataset)
    deidentify(out, SaltedUidMap(salt))
    out.DeidentificationMethod = METHOD
    return out


def image_copy(image: str | os.PathLike[str], salt: str) -> Dataset:
    """A de-identified copy of ``image`` (pixels included) with the exports' UIDs.

    Refused when the image does not state that its pixels carry no burned-in text: header
    de-identification cannot remove a name written into the pixels.
    """
    source = Path(image)
    ds = pydicom.dcmread(source)
    burned = str(ds.get("BurnedInAnnotation", "") or "").strip().upper()
    if burned != "NO":
        raise ExportError(
            file=source,
            problem=(
                f"BurnedInAnnotation is {burned or 'not stated'}: names or dates may be written "
                "into the pixels, which de-identifying the header cannot remove"
            ),
            action="check the pixels and share a copy made by a tool that masks them",
        )
    return deidentified_header(ds, salt)
