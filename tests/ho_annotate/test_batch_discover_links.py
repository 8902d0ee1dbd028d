"""Discovery under folders whose symlinks point back up the tree or at themselves."""

from __future__ import annotations

from pathlib import Path

from ho_annotate.batch.discover import discover


def test_symlink_loops_are_walked_once(tmp_path: Path) -> None:
    inner = tmp_path / "study" / "series"
    inner.mkdir(parents=True)
    (inner / "image.dcm").write_bytes(b"")
    (inner / "up").symlink_to(tmp_path, target_is_directory=True)
    (inner / "self").symlink_to(inner / "self")

    tasks = discover([tmp_path])

    assert [t.image for t in tasks] == ["study/series/image.dcm"]
