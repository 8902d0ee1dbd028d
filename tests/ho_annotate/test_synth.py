"""The synthetic radiograph generator: exact gaps, honest headers, real pixels, determinism."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from skimage.draw import polygon2mask

from ho_annotate import find_prosthetic_heads, grade, load_annotations, load_radiograph, read_header
from ho_annotate.cli import main
from ho_annotate.synth import CaseDesign, SideDesign, write_case

SMALL = {"rows": 240, "columns": 288, "pixel_mm": 1.4}
TINY = {"rows": 150, "columns": 180, "pixel_mm": 2.24}


def _script() -> str:
    exe = Path(sys.executable).with_name("ho-annotate")
    found = str(exe) if exe.exists() else shutil.which("ho-annotate")
    assert found
    return found


@pytest.mark.parametrize("seed", range(24))
def test_the_engine_reproduces_the_designed_gap(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    gap = round(float(rng.uniform(1.5, 19.0)), 2)
    kind = ("pelvic", "femoral", "both")[seed % 3]
    side = SideDesign(
        pelvic_spur=kind != "femoral", femoral_spur=kind != "pelvic", gap_mm=gap,
        prosthesis_mm=32.0 if seed % 4 == 0 else None,
    )  # fmt: skip
    spacing = ("fiducial", "ermf-true")[seed % 2]
    design = CaseDesign(
        left=side if seed % 2 else SideDesign(grade="0"),
        right=SideDesign(grade="0") if seed % 2 else side,
        spacing=spacing, magnification=float(rng.uniform(1.08, 1.3)), seed=seed, **TINY,
    )  # fmt: skip
    written = write_case(design, tmp_path, f"gap{seed}")
    header = read_header(written.image)
    assert header.spacing is not None
    report = grade(load_annotations(written.sidecar), header.spacing)
    res = report.sides["left" if seed % 2 else "right"]
    assert res.decisive is not None and res.auto_gap is not None
    assert res.decisive.length == pytest.approx(gap, abs=0.05)
    assert res.auto_gap.length == pytest.approx(gap, abs=0.05)
    assert res.grade == ("II" if gap >= 10.0 else "III")


@pytest.mark.parametrize(
    ("option", "kind", "divisor"),
    [
        ("fiducial", "calibrated", 1.15),
        ("ermf-true", "estimated", 1.15),
        ("ermf-nominal", "estimated", 1.10),
        ("detector", "detector", 1.0),
        ("none", None, None),
    ],
)
def test_each_spacing_option_writes_what_a_device_would(
    tmp_path: Path, option: str, kind: str | None, divisor: float | None
) -> None:
    design = CaseDesign(spacing=option, seed=1, **SMALL)  # type: ignore[arg-type]
    header = read_header(write_case(design, tmp_path, option).image)
    if kind is None:
        assert header.spacing is None
        return
    assert header.spacing is not None and divisor is not None
    assert header.spacing.kind == kind
    assert header.spacing.col_mm == pytest.approx(1.4 / divisor, rel=1e-9)
    assert header.spacing.row_mm == pytest.approx(1.4 / divisor, rel=1e-9)


def _ring_means(pixels: np.ndarray, points: list[tuple[float, float]]) -> tuple[float, float]:
    poly = Polygon([(c, r) for r, c in points])
    ring = poly.buffer(4.0).difference(poly.buffer(1.0))
    shape = pixels.shape

    def mask(geom: BaseGeometry) -> np.ndarray:
        out = np.zeros(shape, dtype=bool)
        for part in getattr(geom, "geoms", [geom]):
            out |= polygon2mask(shape, [(y, x) for x, y in part.exterior.coords])
            for hole in part.interiors:
                out &= ~polygon2mask(shape, [(y, x) for x, y in hole.coords])
        return out

    inside = mask(poly.buffer(-0.5))
    return float(pixels[inside].mean()), float(pixels[mask(ring)].mean())


@pytest.mark.parametrize(
    ("grade_", "photometric"),
    [("I", "MONOCHROME2"), ("II", "MONOCHROME1"), ("III", "MONOCHROME2"), ("IV", "MONOCHROME1")],
)
def test_every_ho_polygon_is_brighter_than_its_surroundings(
    tmp_path: Path, grade_: str, photometric: str
) -> None:
    design = CaseDesign(
        right=SideDesign(grade=grade_),  # type: ignore[arg-type]
        left=SideDesign(grade=grade_, prosthesis_mm=32.0),  # type: ignore[arg-type]
        photometric=photometric, rows=400, columns=480, pixel_mm=0.84, seed=11,
    )  # fmt: skip
    written = write_case(design, tmp_path, "px")
    rad = load_radiograph(written.image)
    aset = load_annotations(written.sidecar)
    ho = [i for i in aset.items if i.kind in ("island", "spur", "bridge")]
    assert ho
    for item in ho:
        inside, ring = _ring_means(np.asarray(rad.pixels, float), item.points)
        assert inside > ring, (item.kind, item.origin, inside, ring)


@pytest.mark.parametrize("seed", [3])
def test_the_head_finder_finds_every_designed_head_within_1_percent(
    tmp_path: Path, seed: int
) -> None:
    heads = {"right": 28.0 + 4 * (seed % 2), "left": 36.0}
    design = CaseDesign(
        right=SideDesign(grade="0", prosthesis_mm=heads["right"]),
        left=SideDesign(grade="III", prosthesis_mm=heads["left"]),
        rows=800, columns=960, pixel_mm=0.44, seed=seed,
    )  # fmt: skip
    written = write_case(design, tmp_path, "heads")
    frame = written.case.rendering.frame
    found = find_prosthetic_heads(load_radiograph(written.image))
    for side, p in written.case.rendering.prostheses.items():
        centre = frame.to_px(*p.head_centre)
        radius = p.head_diameter_mm / 2 / frame.s
        near = [h for h in found if np.hypot(*np.subtract(h.center, centre)) < 0.2 * radius]
        assert near, (side, centre, [h.center for h in found])
        assert near[0].radius_px == pytest.approx(radius, rel=0.01)


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    for syntax in ("uncompressed", "rle", "jpeg2000"):
        design = CaseDesign(
            left=SideDesign(grade="III"),
            transfer_syntax=syntax,
            seed=5,
            **SMALL,  # type: ignore[arg-type]
        )
        a = write_case(design, tmp_path / "a", syntax)
        b = write_case(design, tmp_path / "b", syntax)
        assert a.image.read_bytes() == b.image.read_bytes()
        assert a.sidecar.read_bytes() == b.sidecar.read_bytes()
    other = write_case(replace(design, seed=6), tmp_path / "c", "jpeg2000")
    assert other.image.read_bytes() != a.image.read_bytes()


def test_monochrome1_stores_the_same_image_inverted(tmp_path: Path) -> None:
    m2 = CaseDesign(right=SideDesign(grade="II"), seed=8, **SMALL)
    m1 = replace(m2, photometric="MONOCHROME1", transfer_syntax="rle")
    a = load_radiograph(write_case(m2, tmp_path, "m2").image)
    b = load_radiograph(write_case(m1, tmp_path, "m1").image)
    assert b.photometric == "MONOCHROME1"
    assert np.corrcoef(np.ravel(a.pixels), np.ravel(b.pixels))[0, 1] > 0.999


def test_a_single_hip_view_marks_the_other_hip_not_assessable(tmp_path: Path) -> None:
    design = CaseDesign(
        view="hip", laterality="R", right=SideDesign(grade="IV"), seed=2,
        rows=240, columns=200, pixel_mm=1.4,
    )  # fmt: skip
    written = write_case(design, tmp_path, "hipR")
    header = read_header(written.image)
    assert header.laterality == "R"
    report = grade(load_annotations(written.sidecar), header.spacing)
    assert report.sides["right"].grade == "IV"
    assert report.sides["left"].status == "not assessable"
    assert report.sides["left"].grade is None


def test_the_synth_command_writes_a_case_the_grade_command_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "case.dcm"
    made = subprocess.run(
        [_script(), "synth", str(out), "--left", "III", "--left-gap", "7.5", "--right", "I",
         "--spacing", "ermf-true", "--rows", "240", "--columns", "288", "--pixel-mm", "1.4",
         "--seed", "4"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert out.exists() and (tmp_path / "case.reference.ho.json").exists()
    capsys.readouterr()
    assert main(["grade", str(out), "--json", "--reader", "reference"]) == 0
    sides = json.loads(capsys.readouterr().out)["sides"]
    assert sides["left"]["grade"] == "III" and sides["left"]["gap_mm"] == 7.5
    assert sides["right"]["grade"] == "I"


def test_the_synth_command_refuses_an_impossible_gap(tmp_path: Path) -> None:
    made = subprocess.run(
        [_script(), "synth", str(tmp_path / "x.dcm"), "--left-gap", "80", "--rows", "120",
         "--columns", "144", "--pixel-mm", "2.8"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 2
    assert "x.dcm" in made.stderr and "gap" in made.stderr
