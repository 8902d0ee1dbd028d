"""Sidecars loaded together (``load_annotations_many``) are what each load gives alone."""

from __future__ import annotations

import json
import random
from pathlib import Path

from ho_annotate.annotations.model import POLYGON_KINDS, AnnotationSet, Item
from ho_annotate.annotations.outlines import outline_problem, outline_problems, plainly_fine_many
from ho_annotate.annotations.store import (
    encode_annotations,
    load_annotations,
    load_annotations_many,
)

UID = "1.2.826.0.1.3680043.8.498.7"


def _outline(rng: random.Random) -> list[tuple[float, float]]:
    """Random outlines: plain, crossing, touching itself, repeated points, on a line."""
    cx, cy = rng.uniform(50, 900), rng.uniform(50, 900)
    n = rng.choice([3, 4, 5, 7, 12, 32])
    pts = [(cx + rng.uniform(-40, 40), cy + rng.uniform(-40, 40)) for _ in range(n)]
    shape = rng.choice(["random", "bow tie", "touching", "repeat", "line", "tiny", "grid"])
    if shape == "bow tie":
        pts = [(cx, cy), (cx + 10, cy + 10), (cx + 10, cy), (cx, cy + 10)]
    elif shape == "touching":  # a ring that touches itself at one vertex
        pts = [(cx, cy), (cx + 10, cy), (cx + 5, cy + 5), (cx + 10, cy + 10), (cx, cy + 10)]
        pts += [(cx + 5, cy + 5)]
    elif shape == "repeat":
        pts.insert(rng.randrange(len(pts)), pts[rng.randrange(len(pts))])
    elif shape == "line":
        pts = [(cx + k, cy + 3 * k) for k in range(n)]
    elif shape == "tiny":
        pts = [(cx, cy), (cx + 1e-4, cy), (cx, cy + 1e-4)]
    elif shape == "grid":
        pts = [(float(round(x / 10) * 10), float(round(y / 10) * 10)) for x, y in pts]
    return pts


def _items(rng: random.Random) -> list[Item]:
    items = []
    for _ in range(rng.randint(0, 6)):
        kind = rng.choice([*sorted(POLYGON_KINDS), "gap"])
        points = _outline(rng) if kind != "gap" else [(1.0, 2.0), (3.0, 4.0)]
        if kind in POLYGON_KINDS and rng.random() < 0.1:
            points = points[:2]  # too few points: not an outline to test
        origin = "pelvis" if kind in ("spur", "bone") else None
        items.append(Item(kind=kind, side="left", origin=origin, points=points))
    return items


def test_outlines_tested_together_are_judged_as_one_by_one() -> None:
    rng = random.Random(2026)
    checked = crossing = 0
    for _ in range(150):
        sets = [_items(rng) for _ in range(rng.randint(1, 8))]
        together = plainly_fine_many(sets)
        for items, flags in zip(sets, together, strict=True):
            assert flags == plainly_fine_many([items])[0]  # the same as the set alone
            aset = AnnotationSet(sop_instance_uid=UID, reader="alice", items=items)
            assert list(outline_problems(aset, flags)) == list(outline_problems(aset))
            for item, fine in zip(items, flags, strict=True):  # "fine" is never wrong
                problem = outline_problem(item)
                checked += 1
                crossing += problem is not None and "crosses itself" in problem
                if fine:
                    assert problem is None
    assert checked > 1000 and crossing > 50  # the random outlines did include bad ones


def _write(path: Path, aset: AnnotationSet, change: str = "") -> Path:
    data = json.loads(encode_annotations(aset))
    if change == "bow tie":
        data["items"][0]["points"] = [[0, 0], [10, 10], [10, 0], [0, 10]]
    elif change == "two bad outlines":
        data["items"][0]["points"] = [[0, 0], [10, 10], [10, 0], [0, 10]]
        data["items"][1]["points"] = [[0, 0], [1, 1], [2, 2]]
    elif change == "v1 with a v2 field and a bow tie":
        data["format_version"] = 1
        data["items"][0]["points"] = [[0, 0], [10, 10], [10, 0], [0, 10]]
        data["items"][1]["made"] = "manual"
    elif change == "outside":
        data["items"][1]["points"][0] = [5000, 5]
    elif change == "spur without origin and a bow tie":
        data["items"][0]["points"] = [[0, 0], [10, 10], [10, 0], [0, 10]]
        data["items"][1]["origin"] = None
    elif change == "malformed":
        path.write_text(json.dumps(data)[:-9])
        return path
    path.write_text(json.dumps(data))
    return path


def test_sidecars_loaded_together_give_each_its_own_set_or_error(tmp_path: Path) -> None:
    base = AnnotationSet(
        sop_instance_uid=UID,
        reader="alice",
        items=[
            Item(kind="island", side="left", points=[(10, 10), (10, 30), (30, 20)]),
            Item(kind="spur", side="left", origin="pelvis", points=[(99, 9), (99, 40), (130, 20)]),
        ],
    )
    changes = [
        "",
        "bow tie",
        "two bad outlines",
        "v1 with a v2 field and a bow tie",
        "outside",
        "spur without origin and a bow tie",
        "malformed",
        "",
    ]
    requests: list[tuple[Path, str | None, tuple[int, int] | None]] = []
    for n, change in enumerate(changes):
        path = _write(tmp_path / f"im{n}.alice.ho.json", base, change)
        requests.append((path, UID, (1000, 1000)))
    requests += [
        (tmp_path / "im0.alice.ho.json", "1.2.3", None),  # another image's
        (tmp_path / "missing.alice.ho.json", UID, None),
        (_write(tmp_path / "im0.bob.ho.json", base), None, None),  # named for another reader
    ]

    together = load_annotations_many(requests)

    messages = []
    for (path, uid, shape), got in zip(requests, together, strict=True):
        try:
            alone: AnnotationSet | Exception = load_annotations(path, uid, image_shape=shape)
        except Exception as exc:  # compared with what the batch load gives
            alone = exc
        if isinstance(alone, Exception):
            assert type(got) is type(alone)
            assert str(got) == str(alone)
            messages.append(str(alone))
        else:
            assert got == alone
    assert len(messages) == len(requests) - 2  # the two good files loaded
    assert any("crosses itself" in m and "(and 1 more problems)" in m for m in messages)
    assert any("format version 2 field" in m and "(and 1 more problems)" in m for m in messages)
