"""The bundled sample data: complete, small, and graded by the tool exactly as cases.csv says."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ho_annotate import (
    find_prosthetic_heads,
    grade,
    load_annotations,
    load_radiograph,
    read_header,
    sidecar_path,
)
from ho_annotate.calibration.prosthesis import head_calibration
from ho_annotate.cli import main
from ho_annotate.samples.bundled import SampleRow, sample_data_dir, sample_files, sample_rows
from ho_annotate.synth import write_case
from ho_annotate.synth.catalog import LESSON_HEAD_MM, sample_case

FOLDER = sample_data_dir()
ROWS = sample_rows()
FILES = sample_files()


def _script() -> str:
    exe = Path(sys.executable).with_name("ho-annotate")
    found = str(exe) if exe.exists() else shutil.which("ho-annotate")
    assert found
    return found


def test_the_folder_is_small_and_every_image_has_a_reference_sidecar() -> None:
    images = sorted(FOLDER.glob("*.dcm"))
    assert sorted(FILES) == images
    assert 5 <= len(images) <= 12
    assert {p.name for p in images} >= _SUBPROCESS
    assert sum(p.stat().st_size for p in FOLDER.iterdir()) <= 15e6
    for image in images:
        assert sidecar_path(image, "reference").is_file()
    assert (FOLDER / "README.md").is_file()


#: Graded through a real subprocess; the others through the same entry point in-process.
_SUBPROCESS = {"calibration_lesson.dcm", "monochrome1_islands.dcm"}


def _graded(
    image: Path, scheme: str, capsys: pytest.CaptureFixture[str]
) -> dict[str, dict[str, object]]:
    argv = ["grade", str(image), "--json", "--reader", "reference", "--scheme", scheme]
    if image.name in _SUBPROCESS:
        out = subprocess.run([_script(), *argv], capture_output=True, text=True, check=False)
        assert out.returncode == 0, out.stderr
        text = out.stdout
    else:
        capsys.readouterr()
        assert main(argv) == 0
        text = capsys.readouterr().out
    sides: dict[str, dict[str, object]] = json.loads(text)["sides"]
    return sides


@pytest.mark.parametrize("image", FILES, ids=[p.stem for p in FILES])
def test_the_grade_command_reproduces_cases_csv(
    image: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    brooker = _graded(image, "brooker", capsys)
    rad = read_header(image)
    della_valle = grade(
        load_annotations(sidecar_path(image, "reference")), rad.spacing, "della-valle"
    ).to_json()["sides"]
    rows = [r for r in ROWS if r.file == image.name]
    for row in rows:
        got = brooker[row.side]
        assert got["grade"] == row.brooker, (row.side, got["reason"])
        assert della_valle[row.side]["grade"] == row.della_valle, della_valle[row.side]["reason"]
        assert got["gap_mm"] == row.gap_mm
        assert got["borderline"] is row.borderline
    for side in {"left", "right"} - {r.side for r in rows}:
        assert brooker[side]["status"] == "not assessable"


def _rows(predicate: object) -> list[SampleRow]:
    return [r for r in ROWS if predicate(r)]  # type: ignore[operator]


def test_the_cases_cover_what_the_issue_asks_for() -> None:
    assert {"0", "I", "II", "III", "IV"} <= {r.brooker for r in ROWS}
    assert _rows(lambda r: r.borderline and 9.5 <= (r.true_gap_mm or 0) <= 10.5)
    by_file: dict[str, set[str | None]] = {}
    for r in ROWS:
        by_file.setdefault(r.file, set()).add(r.true_brooker)
    assert any(len(g) == 2 and "0" not in g for g in by_file.values())  # bilateral, different
    headers = {p.name: read_header(p) for p in FILES}
    assert any(h.laterality in ("L", "R") for h in headers.values())
    assert any(h.photometric == "MONOCHROME1" for h in headers.values())
    assert any(h.spacing is None for h in headers.values())
    syntaxes = {str(_syntax(p)) for p in FILES}
    assert "1.2.840.10008.1.2.4.90" in syntaxes  # JPEG 2000 lossless
    assert len({r.file for r in ROWS if r.prosthesis_mm}) >= 3


def _syntax(path: Path) -> str:
    from pydicom import dcmread

    return str(dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)


def test_the_calibration_lesson() -> None:
    image = FOLDER / "calibration_lesson.dcm"
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"diameter is \*\*(\d+) mm\*\*", readme)
    assert stated and float(stated.group(1)) == LESSON_HEAD_MM
    rad = load_radiograph(image)
    assert rad.spacing is not None and rad.spacing.kind == "detector"
    aset = load_annotations(sidecar_path(image, "reference"))
    before = grade(aset, rad.spacing).sides["left"]
    assert before.grade is None and before.gap_mm == 10.6
    assert [n.code for n in before.needs] == ["calibration"]
    assert "8.2" in before.reason and "10.1" in before.reason
    head = max(find_prosthetic_heads(rad), key=lambda h: h.center[1])
    aset.calibration = head_calibration(head, LESSON_HEAD_MM, rad.spacing)
    after = grade(aset, rad.spacing).sides["left"]
    assert after.grade == "III"
    assert after.gap_mm == pytest.approx(9.2, abs=0.1)


def test_the_regeneration_script_reproduces_a_shipped_file(tmp_path: Path) -> None:
    case = sample_case("single_hip_left")
    written = write_case(case.design, tmp_path, case.name)
    shipped = FOLDER / written.image.name
    assert written.image.read_bytes() == shipped.read_bytes()
    assert written.sidecar.read_bytes() == sidecar_path(shipped, "reference").read_bytes()
