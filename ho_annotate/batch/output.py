"""Results files written row by row, so that an interrupted run leaves a valid table.

CSV (the default) is appended and flushed after each chunk of whole images. Parquet (a name
ending in ``.parquet``, needs pyarrow) is written to a hidden partial file in row groups and
moved into place when the writer closes, which also happens on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ho_annotate.batch.columns import LEAD_COLUMNS, field_name
from ho_annotate.errors import HoAnnotateError
from ho_annotate.files.atomic import atomic_path

if TYPE_CHECKING:
    import pandas as pd

#: Typed columns by field name (``brooker__borderline`` is a ``borderline``, see ``field_name``).
FLOAT_COLUMNS = frozenset(
    {"gap_mm", "largest_island_mm", "borderline_band_mm", "auto_gap_mm", "reading_seconds"}
)
INT_COLUMNS = frozenset({"island_count", "read"})
BOOL_COLUMNS = frozenset({"borderline", "amended"})


class RowWriter(Protocol):
    def write(self, rows: Sequence[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


def is_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if value == value else ""
    return str(value)


def _cells(row: dict[str, Any], columns: list[str]) -> list[str]:
    """``_cell`` of each column's value; empty and text cells (most of them) without a call."""
    return ["" if v is None else v if type(v) is str else _cell(v) for v in map(row.get, columns)]


def csv_text(rows: Sequence[dict[str, Any]], columns: list[str]) -> str:
    """Rows as the lines ``CsvWriter`` writes for them (workers format their own rows)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([_cells(row, columns) for row in rows])
    return buffer.getvalue()


class CsvWriter:
    """Writes rows to a CSV file, one whole write and a flush per image or chunk of images.

    ``mode`` ``"new"`` creates ``path`` and writes it in place (a run killed half-way leaves a
    valid table that ``--resume`` continues); ``"append"`` adds to an existing table, and a
    failed write (a full disk) is cut back so the table stays as it was; ``"replace"`` writes
    a hidden partial file that replaces ``path`` only when the run ends.
    ``keep`` (append only) are the previous rows to keep when some must go: the table is then
    rewritten atomically before anything is appended.
    """

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        *,
        mode: str = "new",
        keep: list[list[str]] | None = None,
    ) -> None:
        self.path = path
        self.columns = list(columns)
        self.partial: Path | None = None
        self.mode = mode
        self.rows = 0
        if mode == "append" and keep is not None:
            with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
                csv.writer(f, lineterminator="\n").writerows([self.columns, *keep])
        if mode == "append":
            self._file = path.open("a", newline="", encoding="utf-8")
            return
        target = path
        if mode == "replace":
            target = self.partial = path.with_name(f".{path.name}.partial")
        self._file = target.open("w", newline="", encoding="utf-8")
        self._emit([self.columns])

    def _emit(self, records: list[list[str]]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(records)
        self._emit_text(buffer.getvalue())

    def _emit_text(self, text: str) -> None:
        good = os.fstat(self._file.fileno()).st_size  # flushed after every write
        try:
            self._file.write(text)  # one write of whole images: no half rows on Ctrl-C
            self._file.flush()
        except OSError:
            self._cut_back(good)
            raise

    def _cut_back(self, size: int) -> None:
        """Remove what a failed write left past ``size`` (the table stays as it was)."""
        target = self.partial or self.path
        with contextlib.suppress(OSError, ValueError):
            self._file.close()  # may flush a little more of the failed write: cut after it
        with contextlib.suppress(OSError):
            os.truncate(target, size)

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._emit_text(csv_text(rows, self.columns))
            self.rows += len(rows)

    def write_text(self, text: str, rows: int) -> None:
        """Write ``rows`` rows of whole images already formatted by ``csv_text``."""
        if rows:
            self._emit_text(text)
            self.rows += rows

    def close(self) -> None:
        if self._file.closed:
            return
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        except BaseException:
            self.abort()
            raise
        if self.partial is not None:
            os.replace(self.partial, self.path)

    def abort(self) -> None:
        """Stop after a failure: a partial replacement is discarded, the old table kept."""
        with contextlib.suppress(OSError, ValueError):
            self._file.close()
        discard = self.partial or (self.path if self.mode == "new" and not self.rows else None)
        if discard is not None:  # a partial replacement, or a new file with no rows
            with contextlib.suppress(OSError):
                discard.unlink()


class ParquetWriter:
    """Writes row groups to ``.<name>.partial`` and renames it to ``path`` on close.

    With ``keep`` (a resume) the rows of those images are copied from the existing file first.
    The rename happens only when the file was closed whole: a failure (a full disk) discards
    the partial file and leaves the existing table untouched.
    """

    def __init__(self, path: Path, columns: Sequence[str], *, keep: set[str] | None = None) -> None:
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
        self._buffer: list[dict[str, Any]] = []
        previous = None
        if keep is not None and path.exists():
            import pyarrow.compute as pc

            previous = pq.read_table(path)
            previous = previous.filter(pc.is_in(previous["image"], pa.array(sorted(keep))))
        self._writer = pq.ParquetWriter(self.partial, self.schema)
        try:
            if previous is not None:
                self._writer.write_table(previous.cast(self.schema))
        except BaseException:
            self.abort()
            raise

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
            self._writer.close()
            _fsync(self.partial)
        except BaseException:
            self.abort()
            raise
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
        with contextlib.suppress(OSError):
            self.partial.unlink()


def _fsync(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


def _arrow_type(pa: Any, column: str) -> Any:
    column = field_name(column)
    if column in FLOAT_COLUMNS:
        return pa.float64()
    if column in INT_COLUMNS:
        return pa.int64()
    if column in BOOL_COLUMNS:
        return pa.bool_()
    return pa.string()


def open_writer(
    path: Path,
    columns: Sequence[str],
    *,
    append: bool,
    keep_images: set[str] | None = None,
    keep_rows: list[list[str]] | None = None,
) -> RowWriter:
    """A writer for ``path``.

    ``append`` (``--resume``) keeps the table there: every row of a CSV, or only
    ``keep_rows`` when given; the rows of ``keep_images`` of a Parquet file. Without it, an
    existing file is replaced when the run ends, a new one is written as rows come in.
    """
    if is_parquet(path):
        return ParquetWriter(path, columns, keep=keep_images if append else None)
    if append and path.exists():
        return CsvWriter(path, columns, mode="append", keep=keep_rows)
    return CsvWriter(path, columns, mode="replace" if path.exists() else "new")


def read_results(path: str | Path) -> pd.DataFrame:
    """A results table (CSV or Parquet) as a pandas DataFrame; grades stay text ("0", "I")."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise HoAnnotateError(f"{path}: no such results file (write one with ho-annotate measure)")
    try:
        if is_parquet(path):
            table = pd.read_parquet(path)
            for column in table.select_dtypes(include="object").columns:  # "": missing, as in CSV
                table[column] = table[column].where(table[column] != "", None)
        else:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:
        raise HoAnnotateError(f"{path}: cannot read the results table ({exc})") from exc
    missing = set(LEAD_COLUMNS) - set(table.columns)
    if missing:
        raise HoAnnotateError(
            f"{path}: not a measure results table (missing columns {sorted(missing)})"
        )
    names = [str(c) for c in table.columns]
    for column in (c for c in names if field_name(c) in FLOAT_COLUMNS):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    for column in (c for c in names if field_name(c) in INT_COLUMNS):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
    for column in (c for c in names if field_name(c) in BOOL_COLUMNS):
        flags = table[column].map({"True": True, "False": False, True: True, False: False})
        table[column] = flags.astype("boolean")
    return table
