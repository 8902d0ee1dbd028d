"""Sidecar format version 2: how items were made, round trip, v1 migration, equal checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from ho_annotate.annotations.model import FORMAT_VERSION, AnnotationSet, Item
from ho_annotate.annotations.naming import backup_path
from ho_annotate.annotations.schema import annotation_schema
from ho_annotate.annotations.store import (
    decode_annotations,
    encode_annotations,
    load_annotations,
    load_sidecar,
    save_annotations,
)
from ho_annotate.errors import SidecarError

TRIANGLE = [(10.0, 10.0), (10.0, 30.0), (25.0, 20.0)]


def made_set() -> AnnotationSet:
    """A snapped gap line, an outlined island, a hand-placed line with its snapped version, and
    an item with no provenance."""
    return AnnotationSet(
        sop_instance_uid="1.2.826.0.1.3680043.8.498.7",
        reader="alice",
        side_basis="orientation",
        items=[
            Item(
                kind="gap",
                side="left",
                id="snap",
                points=[(100.25, 40.5), (201.125, 41.0)],
                made="snapped",
                clicks=[(98.0, 42.0), (204.5, 39.0)],
                uncertainty_mm=0.12,
            ),
            Item(
                kind="island",
                side="left",
                id="isl",
                points=TRIANGLE,
                made="outlined",
                clicks=[(15.0, 20.0)],
                uncertainty_mm=0.3,
            ),
            Item(
                kind="gap",
                side="right",
                id="hand",
                points=[(0.0, 0.0), (0.0, 100.0)],
                made="manual",
                snapped_points=[(0.0, 1.5), (0.0, 97.0)],
            ),
            Item(kind="spur", side="right", id="old", origin="femur", points=TRIANGLE),
        ],
    )


def test_version_2_fields_round_trip_and_match_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "hip.alice.ho.json"
    aset = made_set()
    save_annotations(aset, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format_version"] == FORMAT_VERSION == 2
    assert data["items"][0]["made"] == "snapped"
    assert data["items"][0]["clicks"] == [[98.0, 42.0], [204.5, 39.0]]
    assert data["items"][1]["uncertainty_mm"] == 0.3
    assert data["items"][2]["snapped_points"] == [[0.0, 1.5], [0.0, 97.0]]
    assert data["items"][3]["made"] is None and data["items"][3]["clicks"] is None
    assert "[98.0, 42.0]" in path.read_text(encoding="utf-8")  # one point per line
    jsonschema.validate(data, annotation_schema())
    assert load_annotations(path) == aset
    assert encode_annotations(load_annotations(path)) == path.read_bytes()


def _as_version_1(aset: AnnotationSet) -> bytes:
    data = json.loads(encode_annotations(aset))
    data["format_version"] = 1
    for item in data["items"]:
        for name in ("made", "clicks", "uncertainty_mm", "snapped_points"):
            del item[name]
    return json.dumps(data, indent=2).encode()


def test_a_version_1_file_is_read_and_migrated_when_saved(tmp_path: Path) -> None:
    path = tmp_path / "hip.alice.ho.json"
    old = AnnotationSet(
        sop_instance_uid="1.2.3",
        reader="alice",
        items=[Item(kind="spur", side="left", origin="pelvis", points=TRIANGLE, note="v1")],
    )
    v1 = _as_version_1(old)
    path.write_bytes(v1)
    loaded = load_sidecar(path)
    aset = loaded.annotations
    assert aset.format_version == 2  # migrated in memory; the file is untouched
    assert path.read_bytes() == v1
    assert aset.items[0].made is None and aset.items[0].uncertainty_mm is None
    assert aset.items[0].note == "v1" and aset.items[0].points == TRIANGLE
    aset.items.append(Item(kind="gap", side="left", points=[(0, 0), (9, 9)], made="manual"))
    save_annotations(aset, path, expected=loaded.state)
    assert json.loads(path.read_bytes())["format_version"] == 2
    assert backup_path(path).read_bytes() == v1  # the version 1 file is kept as the backup
    again = load_annotations(path)
    assert again == aset and again.items[1].made == "manual"


def test_a_version_1_file_with_version_2_fields_is_refused(tmp_path: Path) -> None:
    data = json.loads(_as_version_1(made_set()))
    data["items"][1]["uncertainty_mm"] = 0.3
    path = tmp_path / "hip.alice.ho.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        SidecarError,
        match=r"version 2 field in a version 1 file - at `\$\.items\[1\]\.uncertainty_mm`",
    ):
        load_annotations(path)


def test_a_version_2_file_is_marked_so_that_version_1_refuses_it(tmp_path: Path) -> None:
    """ho-annotate releases that read version 1 refuse any ``format_version`` other than 1."""
    path = tmp_path / "hip.alice.ho.json"
    save_annotations(made_set(), path)
    assert json.loads(path.read_bytes())["format_version"] != 1
    newer = json.loads(path.read_bytes())
    newer["format_version"] = 3
    with pytest.raises(SidecarError, match=r"format version 3 is not supported .*versions 1 and 2"):
        decode_annotations(json.dumps(newer).encode(), "newer.json")


def _break(aset: AnnotationSet, change: str) -> None:
    snap, isl, hand, old = aset.items
    if change == "made is no way of making":
        hand.made = "origin"  # type: ignore[assignment]
    elif change == "an island cannot be snapped":
        isl.made = "snapped"
    elif change == "negative uncertainty":
        snap.uncertainty_mm = -0.1
    elif change == "clicks without made":
        old.clicks = [(1.0, 1.0)]
    elif change == "three snapped points":
        hand.snapped_points = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]
    elif change == "no clicks":
        isl.clicks = []


CASES = [
    ("made is no way of making", r"\$\.items\[2\]\.made"),
    ("an island cannot be snapped", r"\$\.items\[1\]\.made"),
    ("negative uncertainty", r"\$\.items\[0\]\.uncertainty_mm"),
    ("clicks without made", r"\$\.items\[3\]\.clicks"),
    ("three snapped points", r"\$\.items\[2\]\.snapped_points"),
    ("no clicks", r"\$\.items\[1\]\.clicks"),
]


@pytest.mark.parametrize(("change", "where"), CASES)
def test_what_a_load_refuses_a_save_refuses(tmp_path: Path, change: str, where: str) -> None:
    path = tmp_path / "hip.alice.ho.json"
    broken = made_set()
    _break(broken, change)
    data: dict[str, Any] = json.loads(encode_annotations(made_set()))
    data["items"] = msgspec.to_builtins(broken.items)  # the same change, in a file
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SidecarError, match=where) as on_load:
        load_annotations(path)
    assert str(path) in str(on_load.value)
    target = tmp_path / "new.alice.ho.json"
    with pytest.raises(SidecarError, match=f"not saved: .* - at `{where}`"):
        save_annotations(broken, target)
    assert not target.exists()


def test_a_save_checks_the_bytes_it_writes(tmp_path: Path) -> None:
    """A value only the typed decode catches (set in code, where types are not enforced) is
    refused by a save as by a load, and nothing is written."""
    path = tmp_path / "hip.alice.ho.json"
    save_annotations(made_set(), path)
    before = path.read_bytes()
    aset = made_set()
    aset.items[2].side = "middle"  # type: ignore[assignment]
    with pytest.raises(SidecarError, match=r"not saved: .*'middle' - at `\$\.items\[2\]\.side`"):
        save_annotations(aset, path)
    assert path.read_bytes() == before
    data = json.loads(before)
    data["items"][2]["side"] = "middle"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SidecarError, match=r"'middle' - at `\$\.items\[2\]\.side`"):
        load_annotations(path)
