"""DICOM-native results: TID 1500 SR, SEG and GSPS exports of an annotation set, and SR import.

``prepare(image, sidecar)`` reads what an export needs; ``sr.build_sr``, ``seg.build_seg`` and
``gsps.build_gsps`` make the objects; ``export_files`` writes them as new files (never replacing
one); ``importing.import_sr`` reads our own SR, or OHIF Length measurements, back into an
annotation set. See docs/dicom-export.md.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

from pydicom.dataset import Dataset

from ho_annotate.export.source import ExportError, ExportInput, prepare

__all__ = ["EXPORT_KINDS", "ExportError", "ExportInput", "build", "export_files", "prepare"]

#: What ``export_files`` can write, in the order it writes them.
EXPORT_KINDS: Final = ("sr", "seg", "gsps")


def build(kind: str, inp: ExportInput) -> Dataset:
    """The DICOM object of one kind (``sr``, ``seg`` or ``gsps``) for ``inp``."""
    from ho_annotate.export.gsps import build_gsps
    from ho_annotate.export.seg import build_seg
    from ho_annotate.export.sr import build_sr

    builders: dict[str, Callable[[ExportInput], Dataset]] = {
        "sr": build_sr,
        "seg": build_seg,
        "gsps": build_gsps,
    }
    if kind not in builders:
        raise ExportError(f"unknown export kind {kind!r}; choose from {', '.join(EXPORT_KINDS)}")
    return builders[kind](inp)


def export_files(
    image: str | os.PathLike[str],
    sidecar: str | os.PathLike[str],
    outputs: Mapping[str, str | os.PathLike[str]],
    *,
    reader: str | None = None,
    pseudonymize: str | None = None,
) -> dict[str, Path]:
    """Write each requested export (``{"sr": path, ...}``) as a new file; returns the paths.

    Every path is checked before anything is built: none may exist, be the image or a sidecar,
    or repeat another. ``reader``, when given, must be the sidecar's reader. ``pseudonymize``
    (a secret salt) de-identifies the exports for sharing (``export.deidentified``), and then
    ``outputs`` may also name an ``"image"``: a de-identified copy of the image with the same
    UIDs, so the exports still refer to it.
    """
    from ho_annotate.export.writing import check_new_file, write_new

    if "image" in outputs and pseudonymize is None:
        raise ExportError(
            "a de-identified image copy needs a salt to de-identify with",
            option="pseudonymize",
        )
    source = Path(image).resolve()
    paths = {kind: Path(outputs[kind]) for kind in (*EXPORT_KINDS, "image") if kind in outputs}
    seen: set[Path] = set()
    for kind, path in paths.items():
        check_new_file(path, f"{kind.upper()} export")
        resolved = path.resolve()
        if resolved == source or resolved in seen:
            raise ExportError(
                file=path, problem="is given twice (or is the image); name each output"
            )
        seen.add(resolved)
    inp = prepare(image, sidecar)
    if reader is not None and inp.annotations.reader != reader:
        raise ExportError(
            file=sidecar,
            problem=f"holds reader {inp.annotations.reader!r}'s annotations, not {reader!r}'s",
            action="give that reader's sidecar",
            option="reader",
        )
    if pseudonymize is None:
        built = {kind: build(kind, inp) for kind in paths}
    else:
        from ho_annotate.export.deidentified import deidentified_header, image_copy

        shared = dataclasses.replace(inp, dataset=deidentified_header(inp.dataset, pseudonymize))
        built = {
            kind: image_copy(image, pseudonymize) if kind == "image" else build(kind, shared)
            for kind in paths
        }
    return {kind: write_new(ds, paths[kind]) for kind, ds in built.items()}
