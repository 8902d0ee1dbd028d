"""The rows of one radiograph: one per side and reader, fields named as in ``grade --json``.

Only the DICOM header is read (``read_header(display=False)``: ``stop_before_pixels``); pixels
are never decoded. Any failure on one file becomes a row with an ``error`` message instead of
stopping the run. No patient name, ID or birth date ever reaches a row.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ho_annotate.annotations.model import SIDES, AnnotationSet
from ho_annotate.batch.columns import columns, record_row
from ho_annotate.batch.discover import ImageTask
from ho_annotate.batch.grade_basis import basis_row
from ho_annotate.errors import HoAnnotateError

if TYPE_CHECKING:
    from ho_annotate.grading import Grader

Row = dict[str, Any]


@dataclass(frozen=True)
class RowOptions:
    """What every image is measured with (picklable: it travels to worker processes)."""

    schemes: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        return list(_columns(self.schemes))


@lru_cache(maxsize=16)
def _columns(schemes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(columns(schemes))


def _blank(options: RowOptions, task: ImageTask) -> Row:
    row: Row = dict.fromkeys(_columns(options.schemes))
    row.update(image=task.image, side="", reader="")
    return row


def _error(exc: BaseException, task: ImageTask, extra: Sequence[str] = ()) -> str:
    """The exception as one line, with absolute paths shortened to the output's names."""
    text = " ".join(str(exc).split())
    if not isinstance(exc, HoAnnotateError):
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    # Absolute paths become the image's output name, which --pseudonymize then replaces
    # (a sidecar's own name would repeat the image's file name).
    for path in (*extra, task.path):
        text = text.replace(path, task.image)
    return text


def image_rows(task: ImageTask, options: RowOptions) -> list[Row]:
    """Every row of one radiograph, sides in ``left, right`` order and readers sorted.

    Library warnings about a malformed header quote its values (names, accession numbers):
    they are silenced here, in every worker; the row's ``error`` says what went wrong.
    """
    return measure_chunk([task], options)[0]


def measure_chunk(tasks: Sequence[ImageTask], options: RowOptions) -> list[list[Row]]:
    """Rows of several images (one list per image, as ``image_rows``): the unit of work.

    Done in stages, every header, then every sidecar, then the grading: each stage's code
    stays warm in the processor's caches (image by image, the same work costs about a
    quarter more CPU). The rows and errors are those of one image at a time.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        headers = [_header(task) for task in tasks]
        loaded = _loaded(tasks, headers)
        graders = iter(_graders(headers, loaded))
        return [
            _image_rows(task, header, sets, options, graders)
            for task, header, sets in zip(tasks, headers, loaded, strict=True)
        ]


def _graders(headers: list[Any], loaded: list[list[AnnotationSet | Exception]]) -> list[Grader]:
    """One grader per loaded set (in order), the shapes of all of them built together."""
    from ho_annotate.grading import Grader
    from ho_annotate.measurement.hips import prefetch_many

    readings = [
        (header, aset)
        for header, sets in zip(headers, loaded, strict=True)
        for aset in sets
        if isinstance(aset, AnnotationSet)
    ]
    graders = [Grader() for _ in readings]
    # Anything that cannot be built at once is built (or refused, with why) by its own grading.
    with contextlib.suppress(Exception):
        prefetch_many(
            [
                (grader.measurer, aset, aset.effective_spacing(header.spacing))
                for grader, (header, aset) in zip(graders, readings, strict=True)
            ]
        )
    return graders


def _header(task: ImageTask) -> Any:
    """The radiograph's header, or the message of why it cannot be read."""
    from ho_annotate import read_header

    try:
        return read_header(task.path, display=False)
    except Exception as exc:  # one bad file must not stop a batch
        return f"radiograph: {_error(exc, task)}"


def _loaded(
    tasks: Sequence[ImageTask], headers: list[Any]
) -> list[list[AnnotationSet | Exception]]:
    """Each image's annotations per reader (``task.sidecars`` order), or why they cannot be
    used (a malformed or mismatched sidecar); none for an image whose header was refused."""
    from ho_annotate.annotations.store import load_annotations_many

    requests = [
        (sidecar, h.sop_instance_uid, (h.rows, h.columns))
        for task, h in zip(tasks, headers, strict=True)
        if not isinstance(h, str)
        for _reader, sidecar in task.sidecars
    ]
    sets = iter(load_annotations_many(requests))
    return [
        [] if isinstance(h, str) else [next(sets) for _ in task.sidecars]
        for task, h in zip(tasks, headers, strict=True)
    ]


def _image_rows(
    task: ImageTask,
    header: Any,
    sets: list[AnnotationSet | Exception],
    options: RowOptions,
    graders: Iterator[Grader],
) -> list[Row]:
    """The image's rows; ``graders`` hands out the next grader for each loaded set."""
    if isinstance(header, str):
        row = _blank(options, task)
        row["error"] = header
        return [row]
    base = _blank(options, task)
    base.update(
        sop_instance_uid=header.sop_instance_uid,
        study_instance_uid=header.study_instance_uid,
        series_instance_uid=header.series_instance_uid,
        spacing_kind=header.spacing_kind,
    )
    if not task.sidecars:
        return [{**base, "side": side, "status": "not read"} for side in SIDES]
    rows: list[Row] = []
    for (reader, sidecar), aset in zip(task.sidecars, sets, strict=True):
        failure: Exception | None = None
        if isinstance(aset, Exception):
            failure = aset
        else:
            grader = next(graders)
            try:
                rows.extend(_reader_rows(base, header, reader, aset, options, grader))
            except Exception as exc:  # a sidecar the grading refuses
                failure = exc
        if failure is not None:
            error = f"sidecar: {_error(failure, task, [sidecar])}"
            rows.append({**base, "reader": reader, "error": error})
    return rows


def _reader_rows(
    base: Row, header: Any, reader: str, aset: AnnotationSet, options: RowOptions, grader: Grader
) -> list[Row]:
    from ho_annotate.grading import HipRecord

    reports = grader.grade_many(aset, header.spacing, options.schemes)  # one measurement
    rows: list[Row] = []
    for side in SIDES:
        record = HipRecord.from_results(
            side, [(s, r.sides[side]) for s, r in zip(options.schemes, reports, strict=True)]
        )
        rows.append({**base, "reader": reader, **record_row(record)})
        rows[-1]["spacing_kind"] = record.spacing_kind or base["spacing_kind"]
        rows[-1].update(basis_row(record, rows[-1]["spacing_kind"], aset.items))
    return rows
