"""``discover`` (one listing per folder) finds exactly what it found before, on a tree with
every case it must keep: links, loops, hidden names, suffix-less DICOM, odd sidecar names."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import write_dx
from discover_before import discover_before
from discover_before import walk_file_names as walk_before

from ho_annotate.batch.discover import SidecarIndex, discover
from ho_annotate.files.walk import walk_file_names

PIXELS = np.zeros((4, 4), dtype=np.uint16)


def _dicom(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_dx(path, PIXELS)


def _touch(path: Path, text: str = "{}") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    _dicom(root / "a" / "b" / "x.dcm")
    for name in ("x.alice", "x.reference", "x.dcm.bob", "x.-bad", "x.a.b.odd_Reader-2"):
        _touch(root / "a" / "b" / f"{name}.ho.json")
    _dicom(root / "a" / "b" / "sub" / "deep.dicom")
    _touch(root / "a" / "b" / "sub" / "deep.reference.ho.json")
    _dicom(root / "a" / "noext")  # no suffix, the DICM marker: an image
    _touch(root / "a" / "noext.carol.ho.json")
    _touch(root / "a" / "notdicom", "plain bytes, no marker")
    _touch(root / "a" / "readme.txt", "not an image")
    _dicom(root / "a" / "UPPER.DCM")
    _touch(root / "a" / "UPPER.weird_Reader-1.ho.json")
    _touch(root / "a" / "UPPER.DCM.dave.ho.json")  # stem "UPPER.DCM": nobody's
    _dicom(root / "a" / "img.ima")
    _dicom(root / "a" / "img.dic")  # same stem as img.ima: both get its sidecars
    _touch(root / "a" / "img.erin.ho.json")
    _dicom(root / "a" / ".hidden.dcm")
    _dicom(root / "a" / ".hiddendir" / "y.dcm")
    _dicom(root / "a" / ".y.dcm")
    _touch(root / "a" / ".y.zed.ho.json")
    (root / "a" / "ylink.dcm").symlink_to(".y.dcm")  # a link to a hidden file beside it
    _dicom(root / "a.b" / "z.dcm")  # "a.b/z" sorts after "a/..." by parts, before as text
    _dicom(root / "a-c" / "w.dcm")
    (root / "a-c" / "dup.dcm").symlink_to(root / "a" / "b" / "x.dcm")
    _touch(root / "a-c" / "x.bob.ho.json")
    _touch(root / "a-c" / "dup.frank.ho.json")
    (root / "a" / "up").symlink_to(root, target_is_directory=True)  # a loop
    (root / "a" / "self").symlink_to(root / "a" / "self")
    (root / "a" / "broken.dcm").symlink_to(root / "nowhere.dcm")
    (root / "linkdir").symlink_to(root / "a" / "b", target_is_directory=True)
    _dicom(tmp_path / "other" / "target.dcm")
    _touch(tmp_path / "other" / "target.eve.ho.json")
    _dicom(tmp_path / "other" / ".hid.dcm")
    _touch(tmp_path / "other" / ".hid.gus.ho.json")
    (root / "ext.dcm").symlink_to(tmp_path / "other" / "target.dcm")
    (root / "ext2.dcm").symlink_to(Path("..") / "other" / ".hid.dcm")
    _dicom(root / "p" / "same" / "s.dcm")
    _dicom(root / "q" / "same" / "s.dcm")
    _touch(root / "q" / "same" / "s.hal.ho.json")
    for name in ("x.frank", "UPPER.reference", "UPPER.ivy", "noext.jo", "s.kim"):
        _touch(tmp_path / "notes" / f"{name}.ho.json")
    return root


CASES = [
    ["root"],
    ["root/a"],
    ["root/linkdir"],
    ["root/a", "root/linkdir", "root/ext.dcm", "root/a-c"],
    ["root/p/same", "root/q/same"],
    ["root/a-c/dup.dcm"],
    ["root/a/noext"],
]


@pytest.mark.parametrize("paths", CASES, ids="+".join)
@pytest.mark.parametrize("notes", [None, "notes"])
@pytest.mark.parametrize("include_reference", [False, True])
def test_discover_finds_what_it_found_before(
    tree: Path,
    paths: list[str],
    notes: str | None,
    include_reference: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = tree.parent
    absolute = [base / p for p in paths]
    notes_dir = base / notes if notes else None
    expected = discover_before(absolute, notes_dir, include_reference=include_reference)

    assert expected  # the case finds something to compare
    assert discover(absolute, notes_dir, include_reference=include_reference) == expected
    assert discover([str(p) for p in absolute], notes_dir, include_reference=include_reference) == (
        expected
    )
    monkeypatch.chdir(base)  # relative inputs and annotations folder, as typed
    relative = [f"./{p}/" if (base / p).is_dir() else p for p in paths]
    assert discover(relative, notes, include_reference=include_reference) == discover_before(
        relative, notes, include_reference=include_reference
    )


def test_the_tree_holds_the_cases_it_is_meant_to(tree: Path) -> None:
    tasks = discover([tree], include_reference=True)
    by_name = {t.image: t for t in tasks}
    other = tree.parent.resolve() / "other"

    assert list(by_name) == [
        "a-c/w.dcm", "a.b/z.dcm", "a/UPPER.DCM", "a/b/sub/deep.dicom", "a/b/x.dcm",
        "a/img.dic", "a/img.ima", "a/noext", "a/ylink.dcm", "ext.dcm", "ext2.dcm",
        "p/same/s.dcm", "q/same/s.dcm",
    ]  # fmt: skip
    assert by_name["a/b/x.dcm"].sidecars == (
        ("alice", str(tree.resolve() / "a" / "b" / "x.alice.ho.json")),
        ("reference", str(tree.resolve() / "a" / "b" / "x.reference.ho.json")),
    )
    assert by_name["ext.dcm"].path == str(other / "target.dcm")
    assert by_name["ext.dcm"].sidecars == (("eve", str(other / "target.eve.ho.json")),)
    assert by_name["ext2.dcm"].sidecars == (("gus", str(other / ".hid.gus.ho.json")),)
    assert by_name["a/ylink.dcm"].sidecars == (
        ("zed", str(tree.resolve() / "a" / ".y.zed.ho.json")),
    )
    assert by_name["a/img.dic"].sidecars == by_name["a/img.ima"].sidecars != ()


def test_walk_file_names_lists_what_it_listed_before(tree: Path) -> None:
    assert list(walk_file_names(tree)) == list(walk_before(tree))
    assert len(list(walk_file_names(tree))) > 20


def test_sidecar_index_reads_odd_names_as_before(tree: Path) -> None:
    folder = str(tree / "a" / "b")
    index = SidecarIndex()

    assert index.find(os.path.join(folder, "x.dcm")) == {
        "alice": os.path.join(folder, "x.alice.ho.json"),
        "reference": os.path.join(folder, "x.reference.ho.json"),
    }
    assert index.find(os.path.join(folder, "x.a.b")) == {
        "odd_Reader-2": os.path.join(folder, "x.a.b.odd_Reader-2.ho.json")
    }
    assert index.find(os.path.join(folder, "x.dcm.bob")) == {}
