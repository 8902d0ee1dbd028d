"""The sidecar: names, round-trip, refusals that leave files untouched, crash-safe saves."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path

import jsonschema
import pytest

from ho_annotate.annotations.model import (
    AnnotationSet,
    HipReading,
    Hips,
    Item,
    ManualCalibration,
    Spacing,
)
from ho_annotate.annotations.naming import (
    backup_path,
    find_sidecars,
    reader_from_path,
    sidecar_path,
)
from ho_annotate.annotations.schema import annotation_schema, annotation_schema_text
from ho_annotate.annotations.store import (
    encode_annotations,
    load_annotations,
    load_sidecar,
    save_annotations,
    sidecar_state,
)
from ho_annotate.cli.sidecars import resolve_sidecar
from ho_annotate.errors import SidecarError

ROOT = Path(__file__).resolve().parents[2]


def rich_set(reader: str = "alice", uid: str = "1.2.826.0.1.3680043.8.498.1") -> AnnotationSet:
    """Every kind of item, a calibration, hip readings and awkward floats."""
    return AnnotationSet(
        sop_instance_uid=uid,
        reader=reader,
        study_instance_uid="1.2.3",
        view="AP",
        image_file="hip.dcm",
        side_basis="orientation",
        spacing=Spacing(row_mm=0.139, col_mm=0.1391, kind="estimated", source="PixelSpacing"),
        calibration=ManualCalibration(
            method="prosthetic_head", known_mm=28.0, row_mm=0.1, col_mm=0.1, uncertainty=0.013
        ),
        hips=Hips(right=HipReading(no_ho_confirmed=True)),
        items=[
            Item(
                kind="island",
                side="left",
                points=[(0.1, 0.2), (3.3333333333333335, 4.0), (5, 1e-7)],
            ),
            Item(kind="spur", side="left", origin="pelvis", points=[(0, 0), (0, 1), (1, 1)]),
            Item(kind="bone", side="left", origin="femur", points=[(9, 9), (9, 12), (12, 12)]),
            Item(kind="bridge", side="left", points=[(0, 0), (0, 1), (1, 1)], note="fused?"),
            Item(kind="gap", side="left", points=[(1.5, 2.5), (7.25, 2.5)], side_by_reader=True),
            Item(kind="calibration_line", side="right", points=[(0, 0), (0, 250)], known_mm=25.0),
            Item(
                kind="calibration_circle",
                side="right",
                points=[(0, 10), (10, 0), (0, -10)],
                known_mm=28.0,
            ),
        ],
    )


@pytest.mark.parametrize(
    ("image", "reader", "name"),
    [
        ("hip.dcm", "alice", "hip.alice.ho.json"),
        ("HIP.DCM", "ref-2", "HIP.ref-2.ho.json"),
        ("1.2.840.10008.5", "bob", "1.2.840.10008.5.bob.ho.json"),
        ("x.y.dicom", "reference", "x.y.reference.ho.json"),
    ],
)
def test_sidecar_names(tmp_path: Path, image: str, reader: str, name: str) -> None:
    assert sidecar_path(tmp_path / image, reader) == tmp_path / name
    assert sidecar_path(tmp_path / image, reader, tmp_path / "ann") == tmp_path / "ann" / name
    assert reader_from_path(name) == reader


@pytest.mark.parametrize("reader", ["", "a.b", "../x", "a b", "-x"])
def test_bad_reader_names_are_refused(tmp_path: Path, reader: str) -> None:
    with pytest.raises(SidecarError, match="reader name"):
        sidecar_path(tmp_path / "hip.dcm", reader)


def test_find_sidecars_lists_readers_of_this_image_only(tmp_path: Path) -> None:
    for name in ("a.alice.ho.json", "a.bob.ho.json", "a.b.carol.ho.json", "ab.dave.ho.json"):
        (tmp_path / name).write_text("{}")
    assert list(find_sidecars(tmp_path / "a.dcm")) == ["alice", "bob"]
    assert list(find_sidecars(tmp_path / "a.b.dcm")) == ["carol"]
    assert resolve_sidecar(tmp_path / "a.b.dcm") == tmp_path / "a.b.carol.ho.json"
    assert resolve_sidecar(tmp_path / "a.dcm", reader="bob") == tmp_path / "a.bob.ho.json"
    with pytest.raises(SidecarError, match="choose one with --reader"):
        resolve_sidecar(tmp_path / "a.dcm")
    with pytest.raises(SidecarError, match=r"no annotations by reader 'zed'.*alice, bob"):
        resolve_sidecar(tmp_path / "a.dcm", reader="zed")
    with pytest.raises(SidecarError, match=r"no annotations for x\.dcm"):
        resolve_sidecar(tmp_path / "x.dcm")


def test_round_trip_is_exact_and_byte_stable(tmp_path: Path) -> None:
    aset = rich_set()
    path = sidecar_path(tmp_path / "hip.dcm", "alice")
    save_annotations(aset, path)
    loaded = load_annotations(path, expected_sop_uid=aset.sop_instance_uid)
    assert loaded == aset
    assert not backup_path(path).exists()
    # re-saving what was loaded is byte-stable (ints in the input come back as floats)
    save_annotations(loaded, path)
    again = path.read_bytes()
    assert load_annotations(path) == aset
    assert encode_annotations(load_annotations(path)) == again


def test_sidecars_validate_against_the_published_schema(tmp_path: Path) -> None:
    path = tmp_path / "hip.alice.ho.json"
    save_annotations(rich_set(), path)
    jsonschema.validate(json.loads(path.read_text()), annotation_schema())


def test_the_schema_in_docs_is_current() -> None:
    doc = ROOT / "docs" / "annotation-format.schema.json"
    assert doc.read_text(encoding="utf-8") == annotation_schema_text(), (
        "regenerate with: python -c 'from ho_annotate.annotations.store import "
        "write_annotation_schema; "
        'write_annotation_schema("docs/annotation-format.schema.json")\''
    )


def _valid_json() -> dict[str, object]:
    return json.loads(encode_annotations(rich_set()))


def _broken(change: str) -> bytes:
    data = _valid_json()
    if change == "truncated":
        return encode_annotations(rich_set())[:200]
    if change == "wrong type":
        data["items"][0]["points"][1] = ["x", 1]  # type: ignore[index]
    elif change == "bad kind":
        data["items"][2]["kind"] = "implant"  # type: ignore[index]
    elif change == "newer version":
        data["format_version"] = 99
    elif change == "no version":
        del data["format_version"]
    elif change == "gap with three points":
        data["items"][4]["points"].append([1, 1])  # type: ignore[index]
    elif change == "spur without origin":
        data["items"][1]["origin"] = None  # type: ignore[index]
    elif change == "not an object":
        return b"[1, 2]"
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("truncated", "truncated"),
        ("wrong type", r"\$\.items\[0\]\.points\[1\]\[0\]"),
        ("bad kind", r"\$\.items\[2\]\.kind"),
        ("newer version", "format version 99 is not supported"),
        ("no version", "no format_version"),
        ("gap with three points", r"exactly 2 points - at `\$\.items\[4\]\.points`"),
        ("spur without origin", r"\$\.items\[1\]\.origin"),
        ("not an object", r"Expected `object`"),
    ],
)
def test_malformed_files_are_refused_and_left_untouched(
    tmp_path: Path, change: str, message: str
) -> None:
    path = tmp_path / "hip.alice.ho.json"
    data = _broken(change)
    path.write_bytes(data)
    before = os.stat(path)
    with pytest.raises(SidecarError, match=message) as info:
        load_annotations(path)
    assert str(path) in str(info.value)
    assert path.read_bytes() == data
    assert os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hip.alice.ho.json"]


def test_annotations_of_another_image_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "hip.alice.ho.json"
    save_annotations(rich_set(uid="1.2.3.4"), path)
    with pytest.raises(SidecarError, match="another image"):
        load_annotations(path, expected_sop_uid="1.2.3.5")


def test_saving_keeps_the_previous_version_as_backup(tmp_path: Path) -> None:
    path = tmp_path / "hip.alice.ho.json"
    first = rich_set()
    save_annotations(first, path)
    loaded = load_sidecar(path)
    second = rich_set()
    second.items.pop()
    state = save_annotations(second, path, expected=loaded.state)
    assert load_annotations(backup_path(path)) == first
    assert load_annotations(path) == second
    assert state == sidecar_state(path)
    # Besides the two, only the hidden lock file that guarded the save (issue 13).
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f".{path.name}.lock", path.name, backup_path(path).name]


def test_a_file_changed_on_disk_since_loading_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "hip.alice.ho.json"
    save_annotations(rich_set(), path)
    mine = load_sidecar(path)
    theirs = rich_set()
    theirs.items.pop(0)
    save_annotations(theirs, path)  # another window saves first
    on_disk = path.read_bytes()
    with pytest.raises(SidecarError, match="changed on disk since it was loaded"):
        save_annotations(mine.annotations, path, expected=mine.state)
    with pytest.raises(SidecarError, match="changed on disk"):
        save_annotations(mine.annotations, path, expected_mtime=mine.state.mtime_ns / 1e9 - 5)
    assert path.read_bytes() == on_disk
    # a file that appeared after we found none is not overwritten either
    new = tmp_path / "other.alice.ho.json"
    absent = sidecar_state(new)
    save_annotations(rich_set(), new)
    with pytest.raises(SidecarError, match="changed on disk"):
        save_annotations(rich_set(), new, expected=absent)


def test_another_readers_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "hip.alice.ho.json"
    with pytest.raises(SidecarError, match="file name is for reader 'alice'"):
        save_annotations(rich_set(reader="bob"), path)
    odd = tmp_path / "notes.json"
    save_annotations(rich_set(reader="alice"), odd)
    with pytest.raises(SidecarError, match="holds reader 'alice'"):
        save_annotations(rich_set(reader="bob"), odd)
    assert load_annotations(odd).reader == "alice"


def test_an_invalid_set_is_not_saved(tmp_path: Path) -> None:
    aset = rich_set()
    aset.items.append(Item(kind="gap", side="left", points=[(0, 0)]))
    path = tmp_path / "hip.alice.ho.json"
    with pytest.raises(SidecarError, match=r"not saved: .*\$\.items\[7\]\.points"):
        save_annotations(aset, path)
    assert not path.exists()


def _save_forever(path: Path, ready: int) -> None:
    """In a forked child: save growing sets in a loop until killed."""
    n = 0
    while True:
        n += 1
        items = [
            Item(kind="island", side="left", points=[(0, 0), (0, k), (k, k)], id=f"i{k}")
            for k in range(1, 50 + n % 7)
        ]
        save_annotations(AnnotationSet(sop_instance_uid="1.2", reader="alice", items=items), path)
        if n == 2:  # from now on there is a file and a backup
            os.write(ready, b"1")


def test_killing_a_save_never_leaves_a_corrupt_or_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "hip.alice.ho.json"
    rng = random.Random(4)
    for _ in range(25):
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child saves until it is killed; it never returns to pytest
            try:
                os.close(ready_r)
                _save_forever(path, ready_w)
            finally:
                os._exit(1)
        os.close(ready_w)
        assert os.read(ready_r, 1) == b"1"
        os.close(ready_r)
        time.sleep(rng.uniform(0.0, 0.02))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        aset = load_annotations(path, expected_sop_uid="1.2")
        assert aset.reader == "alice" and len(aset.items) >= 49
        load_annotations(backup_path(path), expected_sop_uid="1.2")


def test_temporary_files_of_killed_saves_are_cleaned_up_later(tmp_path: Path) -> None:
    path = tmp_path / "hip.alice.ho.json"
    old = tmp_path / ".hip.alice.ho.json.abc123.tmp"
    old_bak = tmp_path / ".hip.alice.ho.json.bak.def456.tmp"
    fresh = tmp_path / ".hip.alice.ho.json.fresh1.tmp"
    other = tmp_path / ".other.alice.ho.json.abc123.tmp"
    for p in (old, old_bak, fresh, other):
        p.write_text("partial")
    for p in (old, old_bak, other):
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    save_annotations(rich_set(), path)
    assert not old.exists() and not old_bak.exists()
    assert fresh.exists() and other.exists()


@pytest.mark.parametrize(
    "name",
    ["a.dcm", "a.DCM", ".dcm", "a.", "a..dcm", "x/y.IMA", "x/y.dcm/", ".", "a/.", "..",
     "1.2.840.1", "a.dcm.", "x.r.ho.json", "x.r.ho.json/", "d/x.a.b.ho.json", "x.ho.json"],
)  # fmt: skip
def test_image_stem_and_reader_read_a_name_as_pathlib_does(name: str) -> None:
    from ho_annotate.annotations.naming import DICOM_SUFFIXES, image_stem, reader_from_path

    path = Path(name)
    stem = path.stem if path.suffix.lower() in DICOM_SUFFIXES else path.name
    assert image_stem(name) == image_stem(path) == stem
    named = path.name.removesuffix(".ho.json").rpartition(".")
    reader = named[2] if path.name.endswith(".ho.json") and named[1] and named[2] else None
    assert reader_from_path(name) == reader_from_path(path) == reader
