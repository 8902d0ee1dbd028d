"""Results files written row by row, so that an interrupted run leaves a valid table.

CSV (the default) is appended and flushed after each image. Parquet (a name ending in
``.parquet``, needs pyarrow) is written to a hidden partial file in row groups and moved into
place when the writer closes, which also happens on Ctrl-C.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ho_annotate.batch.columns import LEAD_COLUMNS
from ho_annotate.errors import HoAnnotateError

if TYPE_CHECKING:
    import pandas as pd

FLOAT_COLUMNS = frozenset({"gap_mm", "largest_island_mm"})
INT_COLUMNS = frozenset({"island_count"})
BOOL_COLUMNS = frozenset({"borderline"})


class RowWriter(Protocol):
    def write(self, rows: Sequence[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if value == value else ""
    return str(value)


class CsvWriter:
    """Appends rows to a CSV file and flushes after every call to :meth:`write`."""

    def __init__(self, path: Path, columns: Sequence[str], *, append: bool) -> None:
        self.columns = list(columns)
        if append and path.exists() and path.stat().st_size > 0:
            _repair_tail(path)
            self._file = path.open("a", newline="", encoding="utf-8")
        else:
            self._file = path.open("w", newline="", encoding="utf-8")
            self._emit([self.columns])

    def _emit(self, records: list[list[str]]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(records)
        self._file.write(buffer.getvalue())  # one write per image: no half rows on Ctrl-C
        self._file.flush()

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._emit([[_cell(row.get(c)) for c in self.columns] for row in rows])

    def close(self) -> None:
        self._file.close()


def _repair_tail(path: Path) -> None:
    """Drop an unterminated last line (a run killed in the middle of a write)."""
    with path.open("rb+") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        f.seek(0)
        data = f.read()
        f.truncate(data.rfind(b"\n") + 1)


class ParquetWriter:
    """Writes row groups to ``.<name>.partial`` and renames it to ``path`` on close."""

    def __init__(self, path: Path, columns: Sequence[str], *, append: bool) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise HoAnnotateError(
                f"{path}: Parquet output needs pyarrow: pip install 'ho-annotate[parquet]'"
            ) from exc
        self._pa = pa
        self.path = path
        self.columns = list(columns)
        self.schema = pa.schema([(c, _arrow_type(pa, c)) for c in self.columns])
        self.partial = path.with_name(f".{path.name}.partial")
        self._writer = pq.ParquetWriter(self.partial, self.schema)
        self._buffer: list[dict[str, Any]] = []
        if append and path.exists():
            previous = pq.read_table(path)
            if previous.schema.names != self.columns:
                self._writer.close()
                self.partial.unlink()
                raise HoAnnotateError(
                    f"{path}: its columns differ from this run's; cannot resume (write a new file)"
                )
            self._writer.write_table(previous.cast(self.schema))

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        self._buffer.extend(rows)
        if len(self._buffer) >= 2000:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            table = self._pa.Table.from_pylist(self._buffer, schema=self.schema)
            self._writer.write_table(table)
            self._buffer = []

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()
            os.replace(self.partial, self.path)


def _arrow_type(pa: Any, column: str) -> Any:
    if column in FLOAT_COLUMNS:
        return pa.float64()
    if column in INT_COLUMNS:
        return pa.int64()
    if column in BOOL_COLUMNS:
        return pa.bool_()
    return pa.string()


def open_writer(path: Path, columns: Sequence[str], *, append: bool) -> RowWriter:
    """A writer for ``path``; ``append`` keeps the rows already there (``--resume``)."""
    if is_parquet(path):
        return ParquetWriter(path, columns, append=append)
    return CsvWriter(path, columns, append=append)


def done_images(path: Path, columns: Sequence[str]) -> set[str]:
    """Images an earlier run already wrote to ``path`` (empty when there is no such file)."""
    if not path.exists() or path.stat().st_size == 0:
        return set()
    if is_parquet(path):
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        names = table.schema.names
        images = table.column("image").to_pylist() if "image" in names else None
    else:
        _repair_tail(path)
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            names = next(reader, [])
            at = names.index("image") if "image" in names else None
            images = [r[at] for r in reader if at is not None and len(r) > at]
    if list(names) != list(columns) or images is None:
        raise HoAnnotateError(
            f"{path}: its columns differ from this run's; cannot resume (write a new file)"
        )
    return {str(i) for i in images}


def read_results(path: str | Path) -> pd.DataFrame:
    """A results table (CSV or Parquet) as a pandas DataFrame; grades stay text ("0", "I")."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise HoAnnotateError(f"{path}: no such results file (write one with ho-annotate measure)")
    try:
        if is_parquet(path):
            table = pd.read_parquet(path)
        else:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:
        raise HoAnnotateError(f"{path}: cannot read the results table ({exc})") from exc
    missing = set(LEAD_COLUMNS) - set(table.columns)
    if missing:
        raise HoAnnotateError(
            f"{path}: not a measure results table (missing columns {sorted(missing)})"
        )
    for column in FLOAT_COLUMNS & set(table.columns):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    for column in INT_COLUMNS & set(table.columns):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
    for column in BOOL_COLUMNS & set(table.columns):
        flags = table[column].map({"True": True, "False": False, True: True, False: False})
        table[column] = flags.astype("boolean")
    return table
