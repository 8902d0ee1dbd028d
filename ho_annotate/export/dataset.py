"""``measure --export-sr DIR``: one SR per image and reader of a dataset."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ho_annotate.annotations.naming import DICOM_SUFFIXES
from ho_annotate.batch.discover import discover
from ho_annotate.batch.pseudonymize import Pseudonymizer
from ho_annotate.errors import HoAnnotateError
from ho_annotate.export.deidentified import deidentified_header
from ho_annotate.export.source import prepare
from ho_annotate.export.sr import build_sr
from ho_annotate.export.writing import write_new
from ho_annotate.files.outputs import check_output_dir

__all__ = ["DatasetExport", "export_dataset_srs", "sr_name"]


@dataclass
class DatasetExport:
    """What a dataset export wrote, and one line per (image, reader) it could not."""

    written: list[Path] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def sr_name(image: str, reader: str) -> str:
    """``<image name, folders joined by __, without .dcm>.<reader>.sr.dcm``."""
    path = Path(image)
    stem = path.with_suffix("") if path.suffix.lower() in DICOM_SUFFIXES else path
    return f"{stem.as_posix().replace('/', '__')}.{reader}.sr.dcm"


def export_dataset_srs(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    annotations_dir: str | os.PathLike[str] | None = None,
    pseudonymize: str | None = None,
) -> DatasetExport:
    """Write an SR for every image and reader sidecar under ``paths`` into ``out_dir``.

    A file that already exists is left alone and reported, like any other failure; the run
    goes on. ``pseudonymize`` (a secret salt) de-identifies every SR as ``export`` does and
    names the files and failures by the image's pseudonym, as in the results table.
    """
    pseudonyms = Pseudonymizer(pseudonymize) if pseudonymize is not None else None
    out = Path(out_dir)
    check_output_dir(out, "SR folder")
    out.mkdir(parents=True, exist_ok=True)
    notes = Path(annotations_dir) if annotations_dir is not None else None
    tasks = discover([Path(p) for p in paths], notes)
    result = DatasetExport()
    for task in tasks:
        shown = pseudonyms.image(task.image) if pseudonyms is not None else task.image
        for reader, sidecar in task.sidecars:
            try:
                inp = prepare(task.path, sidecar)
                if pseudonymize is not None:
                    header = deidentified_header(inp.dataset, pseudonymize)
                    inp = dataclasses.replace(inp, dataset=header)
                result.written.append(write_new(build_sr(inp), out / sr_name(shown, reader)))
            except HoAnnotateError as exc:
                message = str(exc)
                if pseudonyms is not None:
                    message = pseudonyms.text(message, [task.image, str(task.path)])
                result.failed.append(f"{shown} (reader {reader}): {message}")
    return result
