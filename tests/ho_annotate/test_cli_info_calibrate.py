"""``ho-annotate info`` and ``ho-annotate calibrate`` as real subprocesses on real DICOM files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import WriteDX
from tests.ho_annotate.synthetic_hips import hip_image


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("ho-annotate")
    script = str(exe) if exe.exists() else shutil.which("ho-annotate")
    assert script, "the ho-annotate console script is not installed"
    return subprocess.run(
        [script, *map(str, args)], capture_output=True, text=True, check=False, timeout=120
    )


def test_info_text_and_json_without_patient_identity(dx_file: WriteDX) -> None:
    path = dx_file(
        ImagerPixelSpacing=[0.15, 0.15],
        EstimatedRadiographicMagnificationFactor=1.2,
        ImageLaterality="R",
        WindowCenter=1500,
        WindowWidth=1000,
        photometric="MONOCHROME1",
    )
    text = _run("info", path)
    assert text.returncode == 0, text.stderr
    assert "estimated" in text.stdout and "ImagerPixelSpacing / ERMF 1.2" in text.stdout
    assert "0.125 x 0.125 mm" in text.stdout
    assert "center 2595, width 1000" in text.stdout  # 4095 - 1500: bone-bright orientation
    out = _run("info", path, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["spacing_kind"] == "estimated"
    assert data["spacing_mm"] == pytest.approx([0.125, 0.125])
    assert data["laterality"] == "R"
    assert data["rows"] == 64 and data["columns"] == 48
    assert data["sop_instance_uid"] and data["study_instance_uid"]
    for output in (text.stdout, out.stdout):
        assert "Test^Patient" not in output and "TEST-0001" not in output


def test_info_refuses_non_dicom(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    out = _run("info", path)
    assert out.returncode == 2
    assert str(path) in out.stderr and "not a DICOM image" in out.stderr


def test_calibrate_json_gives_the_implied_spacing(dx_file: WriteDX) -> None:
    true_spacing = 0.3 / 1.2
    image, center = hip_image(head_radius=32 / 2 / true_spacing, seed=21, cup="gap")
    path = dx_file(pixels=image, ImagerPixelSpacing=[0.3, 0.3])
    out = _run("calibrate", path, "--head-diameter", "32", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"center", "radius_px", "spacing_mm", "uncertainty"}
    assert data["center"] == pytest.approx(list(center), abs=1.0)
    assert data["spacing_mm"] == pytest.approx([true_spacing, true_spacing], rel=0.01)
    assert 0 < data["uncertainty"] < 0.02
    text = _run("calibrate", path, "--head-diameter", "32")
    assert text.returncode == 0, text.stderr
    ratio = re.search(r"header / implied = ([0-9.]+)", text.stdout)
    assert ratio is not None and float(ratio.group(1)) == pytest.approx(1.2, rel=0.01)


def test_calibrate_without_a_head_fails_clearly(dx_file: WriteDX) -> None:
    image, _ = hip_image((300, 280), seed=5, prosthesis=False)
    out = _run("calibrate", dx_file(pixels=image), "--head-diameter", "28", "--json")
    assert out.returncode != 0
    assert out.stdout == ""
    assert "no prosthetic femoral head found" in out.stderr


def test_calibrate_rejects_a_bad_diameter(dx_file: WriteDX) -> None:
    out = _run("calibrate", dx_file(), "--head-diameter", "-3")
    assert out.returncode == 2
    assert "head diameter" in out.stderr
