"""Batch measurement of many radiographs into one results table (``ho-annotate measure``).

>>> table = measure(["study/"], workers=2)  # pandas DataFrame, one row per image, side, reader
"""

from __future__ import annotations

from ho_annotate.batch.columns import columns, scheme_column
from ho_annotate.batch.discover import ImageTask, discover
from ho_annotate.batch.output import read_results
from ho_annotate.batch.pseudonymize import Pseudonymizer
from ho_annotate.batch.rows import RowOptions, image_rows
from ho_annotate.batch.run import RunSummary, default_schemes, measure, measure_to_file

__all__ = [
    "ImageTask",
    "Pseudonymizer",
    "RowOptions",
    "RunSummary",
    "columns",
    "default_schemes",
    "discover",
    "image_rows",
    "measure",
    "measure_to_file",
    "read_results",
    "scheme_column",
]
