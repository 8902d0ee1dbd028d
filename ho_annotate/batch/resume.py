"""What an earlier run left in a results file, and which images it finished (``--resume``).

An image counts as done only when every row it should have is there and whole: one row per
side for each of its readers (or that reader's sidecar error row), or the one error row of an
unreadable radiograph. Damaged lines (a cut write, an unterminated quote, bytes that are not
UTF-8) are dropped, and the rows of unfinished images are removed before the run measures
those images again, so no row is ever duplicated.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ho_annotate.batch.discover import ImageTask
from ho_annotate.batch.pseudonymize import Pseudonymizer
from ho_annotate.errors import HoAnnotateError

_PSEUDONYM: Final = re.compile(r"img-[0-9a-f]{16}")
SIDES: Final = ("left", "right")


@dataclass
class Previous:
    """The whole rows of an earlier run, and how many damaged lines were dropped."""

    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    dropped: int = 0


def _refuse(path: Path, why: str) -> HoAnnotateError:
    return HoAnnotateError(f"{path}: {why}; cannot resume (write a new file)")


def read_previous_csv(path: Path, columns: Sequence[str]) -> Previous:
    """Rows of a CSV results file, line by line, so that one damaged line loses only itself."""
    with path.open("rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    try:
        header = next(csv.reader([lines[0].decode("utf-8").rstrip("\r")])) if lines else []
    except (UnicodeDecodeError, csv.Error):
        raise _refuse(path, "is not a results table written by ho-annotate measure") from None
    if header != list(columns):
        raise _refuse(path, "its columns differ from this run's")
    previous = Previous(list(columns))
    for raw in lines[1:]:
        try:
            record = next(csv.reader([raw.decode("utf-8").rstrip("\r")], strict=True))
        except (UnicodeDecodeError, csv.Error, StopIteration):
            previous.dropped += 1
            continue
        if len(record) != len(columns):
            previous.dropped += 1
            continue
        previous.rows.append(record)
    return previous


def read_previous_parquet(path: Path, columns: Sequence[str]) -> Previous:
    """Rows of a Parquet results file (an unreadable file is refused, never replaced)."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise _refuse(path, f"cannot be read as Parquet ({type(exc).__name__})") from exc
    if table.schema.names != list(columns):
        raise _refuse(path, "its columns differ from this run's")
    rows = [[_text(v) for v in record.values()] for record in table.to_pylist()]
    return Previous(list(columns), rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if value == value else ""
    return str(value)


def check_pseudonyms(
    path: Path, previous: Previous, tasks: Sequence[ImageTask], pseudo: Pseudonymizer | None
) -> None:
    """Refuse to mix raw and pseudonymised rows, or pseudonyms of two different salts."""
    at = previous.columns.index("image")
    images = {r[at] for r in previous.rows}
    if not images:
        return
    hashed = {i for i in images if _PSEUDONYM.fullmatch(i)}
    if pseudo is None and hashed:
        raise _refuse(path, "its rows were written with --pseudonymize and this run has none")
    if pseudo is not None and hashed != images:
        raise _refuse(path, "its rows were written without --pseudonymize and this run has it")
    if pseudo is not None and tasks and not images & {pseudo.image(t.image) for t in tasks}:
        raise _refuse(
            path, "none of its images match this run's: a different salt, or other images"
        )


def finished_images(
    previous: Previous, tasks: Sequence[ImageTask], key: dict[str, str]
) -> set[str]:
    """The output names (``key`` maps a task's image to it) of images whose rows are all there.

    Images in the file that this run does not have are kept as they are and count as done.
    """
    col = {name: i for i, name in enumerate(previous.columns)}
    by_image: dict[str, list[list[str]]] = defaultdict(list)
    for row in previous.rows:
        by_image[row[col["image"]]].append(row)
    expected = {key[t.image]: [r for r, _ in t.sidecars] or [""] for t in tasks}
    done: set[str] = set()
    for image, rows in by_image.items():
        readers = expected.get(image)
        if readers is None or _complete(rows, readers, col):
            done.add(image)
    return done


def _complete(rows: list[list[str]], readers: list[str], col: dict[str, int]) -> bool:
    def is_error(row: list[str]) -> bool:
        return bool(row[col["error"]]) and row[col["side"]] == ""

    if any(is_error(r) and r[col["reader"]] == "" for r in rows):
        return True  # the radiograph itself could not be read: one row says so
    for reader in readers:
        mine = [r for r in rows if r[col["reader"]] == reader]
        if not (any(is_error(r) for r in mine) or {r[col["side"]] for r in mine} >= set(SIDES)):
            return False
    return True


def keep_rows(previous: Previous, done: set[str]) -> list[list[str]]:
    """The previous rows of finished images (rows of unfinished ones will be written anew)."""
    at = previous.columns.index("image")
    seen: set[tuple[str, ...]] = set()
    kept = []
    for row in previous.rows:
        if row[at] in done and tuple(row) not in seen:  # an exact duplicate is dropped too
            seen.add(tuple(row))
            kept.append(row)
    return kept
