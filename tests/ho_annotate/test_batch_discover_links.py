"""Discovery under folders whose symlinks point back up the tree or at themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from ho_annotate.batch.discover import discover


def test_symlink_loops_are_walked_once(tmp_path: Path) -> None:
    inner = tmp_path / "study" / "series"
    inner.mkdir(parents=True)
    (inner / "image.dcm").write_bytes(b"")
    (inner / "up").symlink_to(tmp_path, target_is_directory=True)
    (inner / "self").symlink_to(inner / "self")

    tasks = discover([tmp_path])

    assert [t.image for t in tasks] == ["study/series/image.dcm"]


def test_a_file_found_twice_keeps_its_first_name_in_path_order(tmp_path: Path) -> None:
    # Names are ordered by their parts, as Paths are: "a/b/x.dcm" before "a-c/...", although
    # "a-c" < "a/b" as plain strings ("-" sorts before "/").
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a-c").mkdir()
    (tmp_path / "a" / "b" / "x.dcm").write_bytes(b"")
    (tmp_path / "a-c" / "dup.dcm").symlink_to(tmp_path / "a" / "b" / "x.dcm")
    (tmp_path / "a-c" / "x.bob.ho.json").write_text("{}")
    (tmp_path / "a" / "b" / "x.alice.ho.json").write_text("{}")

    tasks = discover([tmp_path])

    assert [t.image for t in tasks] == ["a/b/x.dcm"]
    assert tasks[0].path == str((tmp_path / "a" / "b" / "x.dcm").resolve())
    assert tasks[0].sidecars == (
        ("alice", str(tmp_path.resolve() / "a" / "b" / "x.alice.ho.json")),
    )


def test_names_and_sidecars_from_a_relative_folder_and_an_annotations_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "img" / "sub").mkdir(parents=True)
    (tmp_path / "notes").mkdir()
    (tmp_path / "img" / "sub" / "Y.DCM").write_bytes(b"")
    (tmp_path / "img" / ".hidden.dcm").write_bytes(b"")
    (tmp_path / "img" / "readme.txt").write_text("not an image")
    (tmp_path / "notes" / "Y.carol.ho.json").write_text("{}")
    (tmp_path / "notes" / "Y.DCM.dave.ho.json").write_text("{}")  # not Y.DCM's: stem is "Y"
    monkeypatch.chdir(tmp_path)

    tasks = discover(["./img/"], "notes")

    assert [(t.image, t.sidecars) for t in tasks] == [
        ("sub/Y.DCM", (("carol", "notes/Y.carol.ho.json"),))
    ]
