"""``measure_chunk`` works in stages over many images: each image's rows stay its own."""

from __future__ import annotations

import shutil
from pathlib import Path

from batch_dataset import READERS, make_dataset

from ho_annotate.batch.discover import discover
from ho_annotate.batch.rows import RowOptions, image_rows, measure_chunk
from ho_annotate.batch.run import default_schemes


def test_a_chunk_gives_each_image_the_rows_it_gets_alone(tmp_path: Path) -> None:
    make_dataset(tmp_path, 4)
    images = sorted(tmp_path.rglob("*.dcm"))
    (tmp_path / "broken.dcm").write_bytes(b"not a radiograph")  # refused header
    shutil.copy(images[0], tmp_path / "unread.dcm")  # no sidecar
    sidecars = sorted(images[1].parent.glob(f"{images[1].stem}.*.ho.json"))
    sidecars[0].write_text("{ not json")  # one reader refused, the others measured
    tasks = discover([tmp_path])
    options = RowOptions(default_schemes())

    chunk = measure_chunk(tasks, options)

    assert chunk == [image_rows(task, options) for task in tasks]
    by_image = {rows[0]["image"]: rows for rows in chunk}
    assert [r["image"] for rows in chunk for r in rows] == [
        t.image for t, rows in zip(tasks, chunk, strict=True) for _ in rows
    ]
    assert by_image["broken.dcm"][0]["error"].startswith("radiograph: ")
    assert [r["status"] for r in by_image["unread.dcm"]] == ["not read", "not read"]
    refused = [r for rows in chunk for r in rows if (r["error"] or "").startswith("sidecar: ")]
    assert len(refused) == 1 and refused[0]["reader"] == sidecars[0].name.split(".")[-3]
    measured = [r for rows in chunk for r in rows if r["reader"] and not r["error"]]
    assert len(measured) == 2 * (len(READERS) * 4 - 1)  # sides x (readings - the refused one)
