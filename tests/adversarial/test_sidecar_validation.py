"""Issue 13, class 4: a hostile or clumsy sidecar is a ``SidecarError``, never a wrong grade.

Each case is a real file on disk beside a real 400 x 500 DX image, read through the public
loaders, the ``grade`` command in a child process and ``measure`` (an error row, not a crash).
Saves are checked to refuse exactly what loads refuse, and to leave the file and its backup as
they were. A seeded mutation fuzz closes the suite: any change to a valid sidecar either loads or
is one ``SidecarError``.
"""

from __future__ import annotations

import copy
import json
import os
import random
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from adversarial_helpers import assert_clean_failure, run_cli
from conftest import write_dx

from ho_annotate import read_header
from ho_annotate.annotations.limits import (
    MAX_ITEMS,
    MAX_SIDECAR_BYTES,
    MAX_VERTICES_PER_ITEM,
)
from ho_annotate.annotations.model import AnnotationSet, Item, ManualCalibration
from ho_annotate.annotations.naming import backup_path, sidecar_path
from ho_annotate.annotations.store import (
    decode_annotations,
    encode_annotations,
    load_annotations,
    load_sidecar,
    save_annotations,
)
from ho_annotate.batch import measure
from ho_annotate.errors import SidecarError

SHAPE = (400, 500)
Mutation = Callable[[dict[str, Any]], object]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("image")
    return write_dx(
        folder / "hip.dcm",
        np.zeros(SHAPE, dtype=np.uint16),
        PixelSpacing=[0.1, 0.1],
        PixelSpacingCalibrationType="FIDUCIAL",
    )


def _valid(image: Path, reader: str = "alice") -> AnnotationSet:
    aset = AnnotationSet(
        sop_instance_uid=read_header(image).sop_instance_uid, reader=reader, side_basis="reader"
    )
    spur = [(100.0, 100.0), (100.0, 140.0), (130.0, 120.0)]
    aset.items.append(Item(kind="spur", side="left", origin="pelvis", points=spur, id="spur1"))
    gap = [(130.0, 120.0), (190.0, 120.0)]
    aset.items.append(Item(kind="gap", side="left", points=gap, id="gap1"))
    island = [(300.0, 300.0), (300.0, 320.0), (320.0, 320.0), (320.0, 300.0)]
    aset.items.append(Item(kind="island", side="right", points=island, id="island1"))
    return aset


def _base(image: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(encode_annotations(_valid(image)))
    return data


def _set(*path_and_value: Any) -> Mutation:
    *keys, value = path_and_value

    def apply(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return apply


def _item(n: int, **fields: object) -> Mutation:
    return lambda doc: doc["items"][n].update(fields)


CALIBRATION = {"method": "line", "known_mm": 25.0, "row_mm": 0.1, "col_mm": 0.1}

# (name, mutation of the parsed file, words the error must contain)
HOSTILE: list[tuple[str, Mutation, str]] = [
    ("huge coordinate", _set("items", 1, "points", [[1e308, 120.0], [190.0, 120.0]]), "65536"),
    ("huge negative", _set("items", 0, "points", 0, [-1e300, 1.0]), "outside any image"),
    ("gap far outside", _set("items", 1, "points", [[130.0, 120.0], [1e5 / 2, 120.0]]), "outside"),
    ("point past edge", _set("items", 1, "points", 1, [190.0, 620.0]), "400 x 500"),
    ("bow tie island", _set("items", 2, "points", [[0, 0], [16, 16], [0, 16], [16, 0]]), "crosses"),
    ("flat island", _set("items", 2, "points", [[0, 0], [10, 10], [20, 20]]), "no area"),
    ("one-point island", _set("items", 2, "points", [[5, 5], [5, 5], [5, 5]]), "no area"),
    ("crossing spur", _set("items", 0, "points", [[0, 0], [9, 0], [0, 9], [9, 9]]), "crosses"),
    (
        "negative uncertainty",
        _set("calibration", {**CALIBRATION, "uncertainty": -0.5}),
        "uncertainty",
    ),
    ("huge uncertainty", _set("calibration", {**CALIBRATION, "uncertainty": 50.0}), "0 to 1"),
    (
        "tiny calibration",
        _set("calibration", {**CALIBRATION, "row_mm": 1e-300, "uncertainty": 0.01}),
        "mm per pixel",
    ),
    (
        "huge calibration",
        _set("calibration", {**CALIBRATION, "col_mm": 1e300, "uncertainty": 0.01}),
        "mm per pixel",
    ),
    (
        "huge known size",
        _set("calibration", {**CALIBRATION, "known_mm": 1e300, "uncertainty": 0.01}),
        "known_mm",
    ),
    (
        "spacing uncertainty",
        _set("spacing", {"row_mm": 0.1, "col_mm": 0.1, "kind": "manual", "uncertainty": -1}),
        "uncertainty",
    ),
    ("tiny spacing", _set("spacing", {"row_mm": 1e-320, "col_mm": 0.1, "kind": "unknown"}), "mm"),
    ("another reader", _set("reader", "bob"), "'alice'"),
    # Format version 2 item fields: clicks and snapped ends are points too.
    (
        "clicks far away",
        _item(1, made="snapped", clicks=[[130, 120], [1e6, 120]]),
        "clicks[1]",
    ),
    ("clicks off the image", _item(2, made="outlined", clicks=[[300, 900]]), "400 x 500"),
    (
        "snapped end off the image",
        _item(1, made="snapped", clicks=[[130, 120]], snapped_points=[[130, 120], [999, 120]]),
        "snapped_points[1]",
    ),
    ("huge uncertainty_mm", _item(1, made="manual", uncertainty_mm=1e300), "uncertainty_mm"),
    ("negative uncertainty_mm", _item(1, made="manual", uncertainty_mm=-2.0), "uncertainty_mm"),
    ("enum kind", _set("items", 0, "kind", "Spur"), "Spur"),
    ("enum side", _set("items", 0, "side", "middle"), "middle"),
    ("points as text", _set("items", 1, "points", "130,120"), "points"),
    ("point of three", _set("items", 1, "points", [[1, 2, 3], [4, 5, 6]]), "points"),
    ("null items", _set("items", None), "items"),
    ("huge integer", _set("items", 1, "points", [[10**400, 1], [2, 3]]), "annotation"),
    ("huge version", _set("format_version", 10**30), "annotation"),
]


def _write(path: Path, doc: object) -> None:
    # json.dumps writes 10**400 as digits and float('inf') as Infinity: both must be refused.
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(("name", "mutate", "needle"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_sidecars_are_refused_on_load(
    image: Path, tmp_path: Path, name: str, mutate: Mutation, needle: str
) -> None:
    doc = copy.deepcopy(_base(image))
    mutate(doc)
    path = sidecar_path(tmp_path / image.name, "alice")
    _write(path, doc)
    with pytest.raises(SidecarError) as caught:
        load_annotations(path, read_header(image).sop_instance_uid, image_shape=SHAPE)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert needle in message, message


def test_a_gap_far_outside_the_image_is_not_graded(image: Path, tmp_path: Path) -> None:
    # The case: a gap ending 56 m away was graded as a 565333.1 mm gap.
    study = tmp_path / "study"
    study.mkdir()
    copy_ = study / image.name
    copy_.write_bytes(image.read_bytes())
    doc = _base(image)
    doc["items"][1]["points"] = [[130.0, 120.0], [5653461.0, 120.0]]
    _write(sidecar_path(copy_, "alice"), doc)
    assert_clean_failure(run_cli("grade", copy_, "--reader", "alice"), "outside")
    doc["items"][1]["points"] = [[130.0, 120.0], [1000.0, 120.0]]  # in range, off the image
    _write(sidecar_path(copy_, "alice"), doc)
    assert_clean_failure(run_cli("grade", copy_, "--reader", "alice"), "400 x 500")
    table = measure([study])
    assert len(table) == 1 and "400 x 500" in table["error"].iloc[0]
    assert table["gap_mm"].isna().all()


def test_a_file_named_for_alice_holding_bob_is_not_measured_as_alice(
    image: Path, tmp_path: Path
) -> None:
    study = tmp_path / "study"
    study.mkdir()
    copy_ = study / image.name
    copy_.write_bytes(image.read_bytes())
    sidecar_path(copy_, "alice").write_bytes(encode_annotations(_valid(image, reader="bob")))
    table = measure([study])
    assert list(table["reader"].unique()) == ["alice"]
    assert table["gap_mm"].isna().all()
    assert table["error"].str.contains("reader 'bob'").all()


def _deep(depth: int) -> bytes:
    return b'{"format_version":1,"reader":"alice","sop_instance_uid":"1","items":[' + (
        b"[" * depth + b"]" * depth + b"]}"
    )


def _many_items(count: int) -> bytes:
    item = b'{"kind":"gap","side":"left","points":[[1,1],[2,2]]}'
    head = b'{"format_version":1,"reader":"alice","sop_instance_uid":"1","items":['
    return head + b",".join([item] * count) + b"]}"


def _many_vertices(key: str, count: int) -> bytes:
    points = b",".join([b"[1,1]"] * count)
    extra = b"" if key == "points" else b'"points":[[1,1],[2,2]],'
    item = b'{"kind":"gap","side":"left",' + extra + f'"{key}":['.encode() + points + b"]}"
    return b'{"format_version":1,"reader":"alice","sop_instance_uid":"1","items":[' + item + b"]}"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (_deep(100_000), "nested too deeply"),
        (_deep(5_000_000), "nested too deeply"),
        (b'{"format_version":1,"reader":"alice","x":' + b"[" * 100_000 + b"}", "nested"),
        (_many_items(MAX_ITEMS + 1), f"more than the {MAX_ITEMS}"),
        (_many_vertices("points", MAX_VERTICES_PER_ITEM + 1), "vertices"),
        # A later format's per-item list of clicks counts against the same budget.
        (_many_vertices("clicks", MAX_VERTICES_PER_ITEM), "vertices"),
        (b"", "not a valid annotation file"),
        (b"\xff\xfe{\x00}\x00", "not a valid annotation file"),
        (b'{"format_version":1,"reader":"alice","sop_instance_uid":"1","items":[', "valid"),
    ],
    ids=["deep", "very deep", "deep unknown key", "items", "vertices", "clicks", "empty",
         "utf16", "cut"],
)  # fmt: skip
def test_oversized_and_malformed_files_fail_fast(tmp_path: Path, data: bytes, needle: str) -> None:
    path = tmp_path / "hip.alice.ho.json"
    path.write_bytes(data)
    started = time.monotonic()
    with pytest.raises(SidecarError, match=needle):
        load_annotations(path)
    assert time.monotonic() - started < 10  # a million items took 110 s


def test_a_million_items_built_in_code_are_refused_at_once(tmp_path: Path) -> None:
    aset = AnnotationSet(sop_instance_uid="1", reader="alice")
    gap = Item(kind="gap", side="left", points=[(1.0, 1.0), (2.0, 2.0)], id="g")
    aset.items = [gap] * 1_000_000
    path = tmp_path / "hip.alice.ho.json"
    started = time.monotonic()
    with pytest.raises(SidecarError, match="1000000 items"):
        save_annotations(aset, path)
    aset.items = [Item(kind="island", side="left", points=[(1.0, 1.0)] * 20_000)]
    with pytest.raises(SidecarError, match="20000 vertices"):
        save_annotations(aset, path)
    assert time.monotonic() - started < 5  # not a check of each item first
    assert not path.exists()


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "hip.alice.ho.json"
    with path.open("wb") as f:  # sparse: nothing written, nothing read
        f.truncate(MAX_SIDECAR_BYTES + 1)
    with pytest.raises(SidecarError, match="MiB"):
        load_annotations(path)
    with pytest.raises(SidecarError, match="MiB"):
        decode_annotations(b" " * (MAX_SIDECAR_BYTES + 1), str(path))


@pytest.mark.parametrize("kind", ["fifo", "folder", "device", "socket"])
def test_only_regular_files_are_read(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "hip.alice.ho.json"
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would block forever
    elif kind == "folder":
        path.mkdir()
    elif kind == "device":
        path.symlink_to("/dev/zero")  # never ends
    else:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.close()
    for load in (load_annotations, load_sidecar):
        with pytest.raises(SidecarError, match="not a regular file"):
            load(path)
    with pytest.raises(SidecarError, match="not a regular file"):
        save_annotations(AnnotationSet(sop_instance_uid="1", reader="alice"), path)


def test_measure_gives_an_error_row_for_a_fifo_sidecar(image: Path, tmp_path: Path) -> None:
    study = tmp_path / "study"
    study.mkdir()
    copy_ = study / image.name
    copy_.write_bytes(image.read_bytes())
    os.mkfifo(sidecar_path(copy_, "alice"))
    sidecar_path(copy_, "bob").write_bytes(encode_annotations(_valid(image, reader="bob")))
    table = measure([study]).set_index("reader")
    assert table.loc[["alice"], "error"].str.contains("named pipe").all()
    assert table.loc["bob", "error"].isna().all()


def _bad_sets(image: Path) -> list[tuple[str, AnnotationSet, str]]:
    cases: list[tuple[str, AnnotationSet, str]] = []

    def case(name: str, needle: str, change: Callable[[AnnotationSet], None]) -> None:
        aset = _valid(image)
        change(aset)
        cases.append((name, aset, needle))

    def item(n: int, field: str, value: object) -> Callable[[AnnotationSet], None]:
        return lambda a: setattr(a.items[n], field, value)

    case("kind Spur", "Spur", item(0, "kind", "Spur"))
    case("side middle", "middle", item(0, "side", "middle"))
    case("origin hip", "hip", item(0, "origin", "hip"))
    case("points set", "points", item(1, "points", {1.0, 2.0}))
    case("points text", "points", item(1, "points", "abc"))
    case("points None", "points", item(1, "points", None))
    case("known_mm text", "known_mm", item(1, "known_mm", "25"))
    case("numpy points", "cannot be written", item(1, "points", np.zeros((2, 2))))
    case("object note", "cannot be written", item(1, "note", object()))
    case("bow tie", "crosses", item(2, "points", [(0.0, 0.0), (9.0, 9.0), (0.0, 9.0), (9.0, 0.0)]))
    case("1e308", "65536", item(1, "points", [(1e308, 1.0), (2.0, 2.0)]))
    case("nan", "points", item(1, "points", [(float("nan"), 1.0), (2.0, 2.0)]))
    case("empty uid", "empty", lambda a: setattr(a, "sop_instance_uid", " "))
    case(
        "negative uncertainty",
        "uncertainty",
        lambda a: setattr(
            a,
            "calibration",
            ManualCalibration(method="line", known_mm=25, row_mm=0.1, col_mm=0.1, uncertainty=-1),
        ),
    )
    case("too many items", "items", lambda a: a.items.extend(a.items[1:2] * MAX_ITEMS))
    return cases


def test_saves_refuse_what_loads_refuse_and_touch_nothing(image: Path, tmp_path: Path) -> None:
    path = sidecar_path(tmp_path / image.name, "alice")
    save_annotations(_valid(image), path)
    save_annotations(_valid(image), path)  # now with a backup
    before = (path.read_bytes(), backup_path(path).read_bytes())
    for name, aset, needle in _bad_sets(image):
        with pytest.raises(SidecarError) as caught:
            save_annotations(aset, path)
        message = str(caught.value)
        assert message.startswith(f"{path}: not saved: ") and "\n" not in message, name
        assert needle in message, (name, message)
        assert (path.read_bytes(), backup_path(path).read_bytes()) == before, name
        fresh = tmp_path / "new" / f"x.{aset.reader}.ho.json"
        fresh.parent.mkdir(exist_ok=True)
        with pytest.raises(SidecarError):
            save_annotations(aset, fresh)
        assert not fresh.exists(), name
    with pytest.raises(SidecarError, match="not an AnnotationSet"):
        save_annotations(json.loads(path.read_bytes()), path)  # type: ignore[arg-type]
    assert (path.read_bytes(), backup_path(path).read_bytes()) == before
    # What was saved reads back (the backup too), and the valid set round-trips.
    assert load_annotations(backup_path(path)).items == _valid(image).items
    assert load_annotations(path, image_shape=SHAPE).items == _valid(image).items


def test_a_valid_reading_at_the_edges_still_loads(image: Path, tmp_path: Path) -> None:
    aset = _valid(image)
    corner = [(-0.5, -0.5), (-0.5, 10.0), (10.0, -0.5)]
    aset.items.append(Item(kind="bone", side="left", origin="femur", points=corner))
    far = [(399.0 + 20, 499.0 + 20), (200.0, 250.0)]  # a click just past the edge is kept
    aset.items.append(Item(kind="gap", side="right", points=far))
    aset.calibration = ManualCalibration(
        method="circle", known_mm=28.0, row_mm=0.12, col_mm=0.12, uncertainty=0.0
    )
    path = sidecar_path(tmp_path / image.name, "alice")
    save_annotations(aset, path)
    assert load_annotations(path, image_shape=SHAPE).items == aset.items


def test_mutation_fuzz_gives_only_sidecar_errors(image: Path, tmp_path: Path) -> None:
    rng = random.Random(13)
    valid = encode_annotations(_valid(image))
    path = tmp_path / "hip.alice.ho.json"
    values: list[object] = [
        None, True, -1, 0, 1e308, -1e308, 1e-320, "", "Spur", [], {}, [[]], [1e308, 1],
        [[0, 0]] * 3, "x" * 1000, 10**30,
    ]  # fmt: skip
    outcomes = {"loaded": 0, "refused": 0}
    for _ in range(400):
        doc = json.loads(valid)
        for _ in range(rng.randint(1, 3)):
            target: Any = doc
            while isinstance(target, dict | list) and target and rng.random() < 0.7:
                key = rng.choice(list(target)) if isinstance(target, dict) else None
                index = key if key is not None else rng.randrange(len(target))
                if not isinstance(target[index], dict | list):
                    target[index] = rng.choice(values)
                    break
                target = target[index]
        data = json.dumps(doc).encode()
        if rng.random() < 0.2:  # and some byte-level damage
            at = rng.randrange(len(data))
            data = data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
        path.write_bytes(data)
        try:
            load_annotations(path, image_shape=SHAPE)
            outcomes["loaded"] += 1
        except SidecarError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
    assert outcomes["loaded"] > 0 and outcomes["refused"] > 0
