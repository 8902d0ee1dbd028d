"""Salted, keyed hashes that replace UIDs and file paths in a results table.

DICOM UIDs are not anonymous: the hospital's archive maps every Study, Series and SOP Instance
UID back to a patient, and file paths often carry names or record numbers. HMAC-SHA256 with a
secret salt gives the same pseudonym for the same value (so rows of one image still group,
across readers and across runs), but nobody without the salt can test a guessed UID.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Any, Final

from ho_annotate.batch.columns import UID_COLUMNS
from ho_annotate.errors import HoAnnotateError

_UID_PATTERN: Final = re.compile(r"\b\d+(?:\.\d+){3,}\b")
#: The shortest salt accepted. UIDs and paths are guessable, so with a short salt anyone
#: holding the table could try every salt until a known UID's pseudonym matches.
MIN_SALT_LENGTH: Final = 12


class Pseudonymizer:
    """Replaces UIDs and paths by ``uid-<hash>`` and ``img-<hash>`` (64-bit, hex)."""

    def __init__(self, salt: str) -> None:
        if len(salt) < MIN_SALT_LENGTH:
            raise HoAnnotateError(
                f"--pseudonymize: the salt must have at least {MIN_SALT_LENGTH} characters "
                f"(got {len(salt)}): a short salt can be found by trying them all, which would "
                "undo the pseudonyms; use a long random secret and keep it"
            )
        self._key = salt.encode("utf-8")

    def _hash(self, kind: str, value: str) -> str:
        digest = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return digest[:16]

    def uid(self, value: str) -> str:
        return f"uid-{self._hash('uid', value)}"

    def image(self, value: str) -> str:
        return f"img-{self._hash('image', value)}"

    def text(self, value: str, images: Iterable[str] = ()) -> str:
        """Free text (an error message) with known paths and anything UID-shaped replaced."""
        for image in images:
            if image:
                value = value.replace(image, self.image(image))
        return _UID_PATTERN.sub(lambda m: self.uid(m.group(0)), value)

    def row(self, row: dict[str, Any]) -> dict[str, Any]:
        """A copy of a results row with its identifying fields replaced."""
        out = dict(row)
        original = str(row.get("image") or "")
        if original:
            out["image"] = self.image(original)
        for column in UID_COLUMNS:
            if row.get(column):
                out[column] = self.uid(str(row[column]))
        if row.get("error"):
            out["error"] = self.text(str(row["error"]), [original])
        return out
