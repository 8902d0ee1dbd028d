"""``study export``: the ``measure`` table of every read, with the reading's own columns.

One row per image, side, reader and read: the measure columns (``image`` relative to the
images' common folder) plus ``case``, ``read``, ``reading_seconds``, ``submitted_at`` and
``amended`` (a case never submitted has them empty). A case a reader has not annotated is a
``not read`` row under that reader.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ho_annotate.study.model import Study
from ho_annotate.study.store import load_study

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["READ_COLUMNS", "export_study", "study_table"]

READ_COLUMNS: Final = ("case", "read", "reading_seconds", "submitted_at", "amended")


def _read_rows(
    study_dir: Path, s: Study, reader: str, read: int, schemes: Sequence[str] | None
) -> list[dict[str, Any]]:
    from ho_annotate.batch import measure

    folder = study_dir / "reads" / reader / str(read)
    folder.mkdir(parents=True, exist_ok=True)  # never the sidecars beside the images
    images = {c.sop_instance_uid: (study_dir / c.path).resolve() for c in s.cases}
    labels = {c.sop_instance_uid: c.case for c in s.cases}
    root = Path(os.path.commonpath([str(p.parent) for p in images.values()]))
    table = measure(
        sorted(images.values()), annotations_dir=folder, schemes=schemes, include_reference=True
    )
    done = s.submitted(reader, read)
    rows = []
    for row in table.to_dict("records"):
        if row["reader"] not in ("", reader) and isinstance(row["reader"], str):
            continue
        uid = row.get("sop_instance_uid")
        label = labels.get(uid) if isinstance(uid, str) else None
        if label is not None:
            row["image"] = images[uid].relative_to(root).as_posix()
        sub = done.get(label) if label is not None else None
        row.update(
            reader=reader,
            case=label,
            read=read,
            reading_seconds=sub.reading_seconds if sub else None,
            submitted_at=sub.submitted_at if sub else None,
            amended=bool(sub.amendments) if sub else None,
        )
        rows.append(row)
    return rows


def study_table(study_dir: str | Path, schemes: Sequence[str] | None = None) -> pd.DataFrame:
    """The export as a DataFrame (columns: ``measure``'s, then ``READ_COLUMNS``)."""
    import pandas as pd

    from ho_annotate.batch import columns as measure_columns
    from ho_annotate.batch import default_schemes
    from ho_annotate.batch.run import typed_frame

    root = Path(study_dir)
    s = load_study(root)
    names = measure_columns(tuple(dict.fromkeys(schemes)) if schemes else default_schemes())
    rows: list[dict[str, Any]] = []
    for reader in [*s.readers, *([s.reference] if s.reference else [])]:
        for read in range(1, s.reads_of(reader) + 1):
            rows.extend(_read_rows(root, s, reader, read, schemes))
    columns = [*names, *(c for c in READ_COLUMNS if c not in names)]
    frame = typed_frame(pd.DataFrame(rows, columns=columns))
    return frame.astype({"read": "Int64", "reading_seconds": "float64", "amended": "boolean"})


def export_study(
    study_dir: str | Path,
    output: str | Path,
    *,
    schemes: Sequence[str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the export to CSV or Parquet (by the name's ending); return its path."""
    from ho_annotate.batch.output import open_writer
    from ho_annotate.files.outputs import check_output_file

    out = Path(output)
    check_output_file(out, overwrite=overwrite, what="study export")
    table = study_table(study_dir, schemes)
    writer = open_writer(out, list(table.columns), append=False)
    try:
        records = table.astype(object).where(table.notna(), None).to_dict("records")
        writer.write(records)
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return out
