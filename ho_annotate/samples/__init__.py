"""The bundled sample radiographs (``bundled``) and the demo that grades them (``demo``)."""

from __future__ import annotations

from ho_annotate.samples.bundled import (
    CASES_CSV,
    COLUMNS,
    SampleRow,
    sample_data_dir,
    sample_files,
    sample_rows,
    write_cases_csv,
)

__all__ = [
    "CASES_CSV",
    "COLUMNS",
    "SampleRow",
    "sample_data_dir",
    "sample_files",
    "sample_rows",
    "write_cases_csv",
]
