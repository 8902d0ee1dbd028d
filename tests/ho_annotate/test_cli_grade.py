"""``ho-annotate grade``: real DICOM files, real sidecars, the console script in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import WriteDX

from ho_annotate import read_header, save_annotations, sidecar_path
from ho_annotate.annotations.model import HipReading, Hips, Item
from ho_annotate.annotations.store import new_annotation_set
from ho_annotate.cli import main


def _script() -> str:
    exe = Path(sys.executable).with_name("ho-annotate")
    found = str(exe) if exe.exists() else shutil.which("ho-annotate")
    assert found
    return found


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_script(), "grade", *map(str, args)], capture_output=True, text=True, check=False
    )


# Tall enough for the femoral spur at rows 84-94 (points far outside an image are refused).
TALL = np.zeros((100, 64), dtype=np.uint16)


def rect(r0: float, c0: float, r1: float, c1: float) -> list[tuple[float, float]]:
    return [(r0, c0), (r0, c1), (r1, c1), (r1, c0)]


def annotate(image: Path, reader: str = "reference", folder: Path | None = None) -> Path:
    """Left hip: spurs 74 px apart (7.4 mm at 0.1 mm); right hip: confirmed no HO."""
    aset = new_annotation_set(read_header(image), reader)
    aset.hips = Hips(right=HipReading(no_ho_confirmed=True))
    aset.items = [
        Item(kind="spur", side="left", origin="pelvis", points=rect(0, 30, 10, 40)),
        Item(kind="spur", side="left", origin="femur", points=rect(84, 30, 94, 40)),
        Item(kind="island", side="left", points=rect(40, 2, 45, 6)),
    ]
    path = sidecar_path(image, reader, folder)
    path.parent.mkdir(exist_ok=True)
    save_annotations(aset, path)
    return path


@pytest.fixture
def calibrated(dx_file: WriteDX) -> Path:
    return dx_file(
        "hip.dcm",
        TALL,
        PixelSpacing=[0.1, 0.1],
        PixelSpacingCalibrationType="FIDUCIAL",
        PatientOrientation=["L", "F"],
    )


def test_json_output_is_one_object_with_the_agreed_fields(calibrated: Path) -> None:
    annotate(calibrated)
    out = run(calibrated, "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert list(result) == ["image", "scheme", "spacing_kind", "sides"]
    assert result["image"] == str(calibrated)
    assert result["scheme"] == "brooker"
    assert result["spacing_kind"] == "calibrated"
    left, right = result["sides"]["left"], result["sides"]["right"]
    assert left["grade"] == "III" and left["gap_mm"] == 7.4 and left["status"] == "annotated"
    assert left["reason"] == (
        "Class III: the pelvic spur comes within 7.4 mm of the femoral spur, under 1 cm."
    )
    assert left["needs"] == [] and left["borderline"] is False and left["warnings"] == []
    assert right["grade"] == "0" and right["status"] == "no HO" and right["gap_mm"] is None


def test_text_output_and_della_valle(calibrated: Path) -> None:
    annotate(calibrated)
    out = run(calibrated, "--scheme", "della-valle", "--reader", "reference")
    assert out.returncode == 0, out.stderr
    assert "left hip: C (gap 7.4 mm, from outlines)" in out.stdout
    assert "right hip: A" in out.stdout
    assert "Grade C: the pelvic spur comes within 7.4 mm" in out.stdout


def test_bad_input_fails_with_a_clear_message(tmp_path: Path, calibrated: Path) -> None:
    out = run(calibrated)
    assert out.returncode == 2
    assert "no annotations for hip.dcm" in out.stderr
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"not dicom at all")
    out = run(junk)
    assert out.returncode == 2 and "junk.dcm" in out.stderr
    assert out.stdout == ""


def test_annotations_folder_and_reader_choice(
    tmp_path: Path, calibrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ann"
    annotate(calibrated, "reference", folder)
    annotate(calibrated, "alice", folder)
    assert main(["grade", str(calibrated), "--annotations", str(folder)]) == 2
    assert "choose one with --reader" in capsys.readouterr().err
    assert (
        main(
            ["grade", str(calibrated), "--annotations", str(folder), "--reader", "alice", "--json"]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["sides"]["left"]["grade"] == "III"
    single = sidecar_path(calibrated, "alice", folder)
    assert main(["grade", str(calibrated), "--annotations", str(single), "--json"]) == 0
    capsys.readouterr()
    assert main(["grade", str(calibrated), "--annotations", str(single), "--reader", "bob"]) == 2
    assert "not 'bob'" in capsys.readouterr().err
    assert main(["grade", str(calibrated), "--annotations", str(tmp_path / "nope")]) == 2
    assert "no such annotation file or folder" in capsys.readouterr().err


def test_refusals(dx_file: WriteDX, calibrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    annotate(calibrated)
    assert main(["grade", str(calibrated), "--scheme", "nope"]) == 2
    assert "unknown grading scheme 'nope'" in capsys.readouterr().err
    other = dx_file("other.dcm", PixelSpacing=[0.1, 0.1])
    stolen = sidecar_path(other, "reference")
    stolen.write_bytes(sidecar_path(calibrated, "reference").read_bytes())
    assert main(["grade", str(other)]) == 2
    assert "belong to another image" in capsys.readouterr().err


def test_uncalibrated_images_ask_for_calibration(
    dx_file: WriteDX, capsys: pytest.CaptureFixture[str]
) -> None:
    detector = dx_file("det.dcm", TALL, ImagerPixelSpacing=[0.1, 0.1])
    bare = dx_file("bare.dcm", TALL)
    for image, kind in ((detector, "detector"), (bare, None)):
        annotate(image)
        assert main(["grade", str(image), "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["spacing_kind"] == kind
        left = result["sides"]["left"]
        assert left["grade"] == ("III" if kind else None)
        assert left["needs"] == ([] if kind else ["calibration"])
        assert any(w.startswith("Sides assumed") for w in left["warnings"])
