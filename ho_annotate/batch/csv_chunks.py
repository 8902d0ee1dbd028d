"""Chunks of images measured and formatted as CSV text in the worker process.

For a CSV results file the parent then only writes text: the rows are not pickled as
dictionaries, sent back and formatted one by one beside the workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ho_annotate.batch.discover import ImageTask
from ho_annotate.batch.output import csv_text
from ho_annotate.batch.pseudonymize import Pseudonymizer
from ho_annotate.batch.rows import RowOptions, measure_chunk


class CsvText(NamedTuple):
    """The CSV lines of a chunk's images (whole images, in task order) and their counts."""

    text: str
    images: int
    rows: int
    errors: int


@dataclass(frozen=True)
class CsvChunk:
    """Measures a chunk as ``measure_chunk``, pseudonymized when asked, as ``csv_text``.

    Picklable (it travels to worker processes); the text is byte for byte what
    ``CsvWriter.write`` makes of the same rows.
    """

    options: RowOptions
    pseudo: Pseudonymizer | None = None

    def __call__(self, tasks: Sequence[ImageTask]) -> CsvText:
        rows = [row for image in measure_chunk(tasks, self.options) for row in image]
        if self.pseudo is not None:
            rows = [self.pseudo.row(r) for r in rows]
        errors = sum(1 for r in rows if r.get("error"))
        return CsvText(csv_text(rows, self.options.columns), len(tasks), len(rows), errors)
