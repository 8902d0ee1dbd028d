"""Regrading after one shape changes, as the live widget does, against a full recompute.

An image with 100 shapes of 200 vertices (per hip: 16 pelvic spurs, 16 femoral spurs, 16
islands, a pelvis and a femur outline). Target: one change regrades in a median <= 2 ms and
<= 0.1 of a full recompute measured in the same run.

    .venv/bin/python benchmarks/bench_regrade.py
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from ho_annotate.annotations.model import AnnotationSet, Item, Point, Spacing
from ho_annotate.grading import Grader

VERTICES = 200
SPACING = Spacing(row_mm=0.14, col_mm=0.14, kind="calibrated")


def blob(center: tuple[float, float], radius: float, rng: np.random.Generator) -> list[Point]:
    angles = np.linspace(0, 2 * np.pi, VERTICES, endpoint=False)
    r = radius * (1 + 0.15 * rng.random(VERTICES))
    return [
        (float(center[0] + ri * np.sin(a)), float(center[1] + ri * np.cos(a)))
        for ri, a in zip(r, angles, strict=True)
    ]


def build() -> AnnotationSet:
    rng = np.random.default_rng(1)
    items: list[Item] = []
    for side, c0 in (("right", 0.0), ("left", 2000.0)):
        for n in range(16):
            col = c0 + 60.0 * n
            items.append(
                Item(kind="spur", side=side, origin="pelvis", points=blob((100.0, col), 20.0, rng))
            )
            items.append(
                Item(
                    kind="spur",
                    side=side,
                    origin="femur",
                    points=blob((300.0 + 5 * n, col), 20.0, rng),
                )
            )
            items.append(Item(kind="island", side=side, points=blob((600.0, col), 15.0, rng)))
        items.append(
            Item(
                kind="bone",
                side=side,
                origin="pelvis",
                points=blob((-200.0, c0 + 450.0), 150.0, rng),
            )
        )
        items.append(Item(kind="bone", side=side, origin="femur",
                          points=blob((1000.0, c0 + 450.0), 150.0, rng)))  # fmt: skip
    assert len(items) == 100
    return AnnotationSet(sop_instance_uid="1.2.3", reader="bench", items=items)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> int:
    aset = build()
    full: list[float] = []
    for _ in range(15):
        t0 = time.perf_counter()
        Grader().grade(aset, SPACING)
        full.append(time.perf_counter() - t0)

    grader = Grader()
    reference = grader.grade(aset, SPACING)
    target = next(i for i, it in enumerate(aset.items) if it.origin == "femur")
    original = aset.items[target].points
    shifted = [(r - 3.0, c) for r, c in original]
    one: list[float] = []
    for n in range(60):
        aset.items[target].points = shifted if n % 2 == 0 else original
        t0 = time.perf_counter()
        report = grader.grade(aset, SPACING)
        one.append(time.perf_counter() - t0)
    aset.items[target].points = original
    assert grader.grade(aset, SPACING) == reference
    assert report == Grader().grade(aset, SPACING)

    full_ms, one_ms = median_ms(full), median_ms(one)
    ratio = one_ms / full_ms
    ok = one_ms <= 2.0 and ratio <= 0.1
    print(f"shapes: {len(aset.items)} x {VERTICES} vertices")
    print(f"full recompute:   median {full_ms:.2f} ms")
    print(f"one shape changed: median {one_ms:.3f} ms  ({ratio:.3f} of full)")
    print("target: <= 2 ms and <= 0.1 of full:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
