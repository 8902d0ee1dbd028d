"""Practice sets and runs on real DICOM files: neutral presentation, submit, resume, score."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from conftest import write_dx

from ho_annotate.annotations.model import AnnotationSet, HipReading, Hips, Item, Spacing
from ho_annotate.annotations.store import load_annotations, save_annotations
from ho_annotate.cli import main
from ho_annotate.errors import HoAnnotateError
from ho_annotate.practice.run import RUN_FILE, PracticeSession, prepare_run
from ho_annotate.practice.sets import find_references
from ho_annotate.practice.synthetic import generate_synthetic_set, practice_designs
from ho_annotate.synth.writer import uids

SPACING = Spacing(row_mm=0.1, col_mm=0.1, kind="calibrated", source="PixelSpacing (FIDUCIAL)")
TELLING = {
    "SeriesDescription": "Brooker III right hip",
    "StudyDescription": "HO answer key III",
    "ImageComments": "gap 8.0 mm, class III",
    "ProtocolName": "brooker-III-teaching",
    "DerivationDescription": "synthetic III",
}


def box(r0: float, c0: float, r1: float, c1: float) -> list[tuple[float, float]]:
    return [(r0, c0), (r0, c1), (r1, c1), (r1, c0)]


def spurs(gap_px: float, side: str = "right") -> list[Item]:
    """Pelvic spur above femoral spur, a gap line of ``gap_px`` between them (image left half)."""
    top, bottom = 40.0, 40.0 + gap_px
    s = side
    return [
        Item(kind="spur", side=s, origin="pelvis", points=box(20, 10, top, 30), id="ps"),  # type: ignore[arg-type]
        Item(kind="spur", side=s, origin="femur", points=box(bottom, 10, bottom + 10, 30), id="fs"),  # type: ignore[arg-type]
        Item(kind="gap", side=s, points=[(top, 20.0), (bottom, 20.0)], id="g"),  # type: ignore[arg-type]
    ]


def island(side: str = "left") -> Item:
    return Item(kind="island", side=side, points=box(30, 90, 45, 105), id="is")  # type: ignore[arg-type]


def aset(uid: str, reader: str, items: list[Item], no_ho: tuple[str, ...] = ()) -> AnnotationSet:
    return AnnotationSet(
        sop_instance_uid=uid,
        reader=reader,
        spacing=SPACING,
        items=items,
        hips=Hips(
            left=HipReading(no_ho_confirmed="left" in no_ho),
            right=HipReading(no_ho_confirmed="right" in no_ho),
        ),
    )


#: Source file name -> reference reading (items, hips confirmed without HO).
#: Grades: A right III / left 0; B left I / right 0; C right II / left 0.
DESIGN = {
    "A_brooker_III_gap8mm": (spurs(80.0), ("left",)),
    "B_brooker_I_island": ([island()], ("right",)),
    "C_brooker_II_gap12mm": (spurs(120.0), ("left",)),
}


def make_set(root: Path) -> tuple[Path, dict[str, str]]:
    """A practice set: DX files with telling names and descriptions, references apart."""
    set_dir, refs = root / "set", root / "set" / "references"
    refs.mkdir(parents=True)
    uids = {}
    rng = np.random.default_rng(1)
    for name, (items, no_ho) in DESIGN.items():
        image = write_dx(
            set_dir / f"{name}.dcm",
            rng.integers(0, 4096, size=(128, 128), dtype=np.uint16),
            PixelSpacing=[0.1, 0.1],
            PixelSpacingCalibrationType="FIDUCIAL",
            **TELLING,
        )
        uid = str(pydicom.dcmread(image, stop_before_pixels=True).SOPInstanceUID)
        uids[name] = uid
        ref = aset(uid, "reference", items, no_ho)
        ref.image_file = image.name
        save_annotations(ref, refs / f"{name}.reference.ho.json")
    return set_dir, uids


def test_presented_case_leaks_neither_file_name_nor_description(tmp_path: Path) -> None:
    set_dir, _ = make_set(tmp_path)
    session = prepare_run(set_dir, set_dir / "run", reader="alice", seed=3)
    cases = session.run.cases
    assert [c.name for c in cases] == ["case_001", "case_002", "case_003"]
    run_text = (set_dir / "run" / RUN_FILE).read_text()
    for case in cases:
        path = session.image_path(case)
        assert path.name == f"{case.name}.dcm"
        ds = pydicom.dcmread(path)
        for keyword in TELLING:
            assert keyword not in ds, keyword
        assert ds.PatientName.family_name == case.name and ds.PatientID == case.name
        assert not ds.get("PatientBirthDate")  # Type 2: kept, empty
        raw = path.read_bytes().lower()
        for needle in ["brooker", "gap", "answer", "teaching", "synthetic", "test^patient"]:
            assert needle.encode() not in raw, needle
        assert ds.pixel_array.shape == (128, 128)  # the picture itself is intact
        assert float(ds.PixelSpacing[0]) == pytest.approx(0.1)
    # The run file points to references by UID only: no source name in it either.
    for name in DESIGN:
        assert name not in run_text
    # The shuffle is seeded: the same seed gives the same order. The presented copies of the
    # run inside the set are not taken for more cases.
    again = prepare_run(set_dir, tmp_path / "run2", reader="alice", seed=3)
    assert [c.source_sop_instance_uid for c in again.run.cases] == [
        c.source_sop_instance_uid for c in cases
    ]
    # Presented copies get new UIDs (PS3.15 Annex E), different from the source's.
    assert all(c.sop_instance_uid != c.source_sop_instance_uid for c in cases)


def test_run_submit_resume_and_reference_only_after_submit(tmp_path: Path) -> None:
    set_dir, uids = make_set(tmp_path)
    run_dir = tmp_path / "run"
    session = prepare_run(set_dir, run_dir, reader="alice", seed=0)
    first = session.next_case()
    assert first is not None
    with pytest.raises(HoAnnotateError, match="after you submit"):
        session.reference(first)
    # The student draws nothing and picks grades by hand.
    by_uid = {v: k for k, v in uids.items()}
    design = by_uid[first.source_sop_instance_uid]
    result = session.submit(first, None, {"left": "0", "right": "III"})
    ref = session.reference(first)
    assert ref.sop_instance_uid == first.sop_instance_uid
    expected_right = {"A": "right", "B": "wrong", "C": "wrong"}[design[0]]
    assert result.sides["right"].outcome == expected_right
    assert result.sides["left"].outcome == ("wrong" if design[0] == "B" else "right")

    # Resume from disk: the first case is done, the next one comes up, the score is there.
    resumed = PracticeSession(run_dir)
    assert resumed.run.cases[0].submitted is not None
    assert resumed.next_case() is not None and resumed.next_case().name == "case_002"  # type: ignore[union-attr]
    on_disk = json.loads((run_dir / RUN_FILE).read_text())
    summary = on_disk["summary"]
    assert summary["hips"] == 2
    assert summary["right"] == [c.outcome for c in result.sides.values()].count("right")
    assert sum(sum(row.values()) for row in summary["confusion"].values()) == 2
    # A run folder is never prepared twice.
    with pytest.raises(HoAnnotateError, match="already exists"):
        prepare_run(set_dir, run_dir, reader="alice")


def test_score_cli_on_a_small_set_with_known_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_dir, uids = make_set(tmp_path)
    students = tmp_path / "students"
    students.mkdir()
    # A: gap measured 12 mm instead of 8 (II, wrong), left confirmed no HO (right).
    save_annotations(
        aset(uids["A_brooker_III_gap8mm"], "alice", spurs(120.0), ("left",)),
        students / "case_A.alice.ho.json",
    )
    # B: the island found (right), the right hip left unread. C: no file at all.
    save_annotations(
        aset(uids["B_brooker_I_island"], "alice", [island()]), students / "case_B.alice.ho.json"
    )
    cmd = [sys.executable, "-m", "ho_annotate", "score", str(students), str(set_dir / "references")]
    out = subprocess.run([*cmd, "--json"], capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    summary = data["summary"]
    assert (summary["hips"], summary["right"], summary["wrong"], summary["not_read"]) == (
        6,
        2,
        1,
        3,
    )
    assert summary["accuracy"] == pytest.approx(2 / 6, abs=1e-4)
    assert summary["confusion"]["III"]["II"] == 1
    assert summary["confusion"]["0"] == {"0": 1, "I": 0, "II": 0, "III": 0, "IV": 0, "none": 2}
    assert summary["confusion"]["II"]["none"] == 1
    assert summary["kappa_hips"] == 3
    cases = {c["case"]: c for c in data["cases"]}
    assert cases["case_A"]["sides"]["right"]["gap_diff_mm"] == pytest.approx(4.0)
    assert cases["case_A"]["sides"]["right"]["reason"].startswith("Class III")
    assert cases["case_B"]["sides"]["left"]["outcome"] == "right"
    assert cases["C_brooker_II_gap12mm"]["sides"]["right"]["outcome"] == "not read"
    # The table and a refusal, in process (the subprocess above covers the console entry).
    assert main(cmd[3:]) == 0
    table = capsys.readouterr().out
    assert "2 of 6 hips right (33%)" in table
    assert re.search(r"case_A\s+right\s+III\s+II\s+wrong\s+\+4\.0\s+1\s+1", table)
    assert main([*cmd[3:-1], str(tmp_path / "nope")]) == 2
    assert "nope" in capsys.readouterr().err


def test_practice_cli_prepares_then_resumes_without_a_viewer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_dir, _ = make_set(tmp_path)
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "ho_annotate", "practice", str(set_dir), "--run", str(run_dir)]
    cmd += ["--reader", "bob", "--no-viewer"]
    first = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert "3 cases, 0 submitted" in first
    session = PracticeSession(run_dir)
    assert session.run.reader == "bob" and len(list((run_dir / "cases").glob("*.dcm"))) == 3
    case = session.next_case()
    assert case is not None
    session.submit(case, None, {"left": "0", "right": "0"})
    # Given the run folder itself: the run resumes.
    assert main(["practice", str(run_dir), "--no-viewer"]) == 0
    again = capsys.readouterr().out
    assert "3 cases, 1 submitted" in again and "of 2 hips right" in again


def test_synthetic_mix_over_samples_the_hard_cases() -> None:
    designs = practice_designs(150, seed=5)
    hips = [d.side(s) for d in designs for s in ("left", "right")]
    boundary = [h for h in hips if h.gap_mm is not None and 8.0 <= h.gap_mm <= 12.0]
    islands = [h for h in hips if any(7.0 <= x <= 13.0 for x in h.islands)]
    assert 0.3 <= len(boundary) / len(hips) <= 0.5
    assert 0.12 <= len(islands) / len(hips) <= 0.3
    assert {d.spacing for d in designs} == {"fiducial"}  # the reference can always grade
    # Both sides of the II/III boundary are present.
    assert any(h.gap_mm < 10.0 for h in boundary) and any(h.gap_mm >= 10.0 for h in boundary)  # type: ignore[operator]
    assert practice_designs(3, seed=5) == designs[:3]


def test_synthetic_set_presented_and_graded_as_designed(tmp_path: Path) -> None:
    size = {"rows": 300, "columns": 360, "pixel_mm": 1.2}
    set_dir = generate_synthetic_set(tmp_path / "set", 2, seed=2, **size)
    with pytest.raises(HoAnnotateError, match="already holds files"):
        generate_synthetic_set(set_dir, 1)
    designs = {
        uids(d, f"synthetic_2_{n:03d}")["sop"]: d
        for n, d in enumerate(practice_designs(2, seed=2, **size), start=1)
    }
    session = prepare_run(set_dir, tmp_path / "run", reader="eve")
    for case in session.run.cases:
        ds = pydicom.dcmread(session.image_path(case), stop_before_pixels=True)
        assert "ImageComments" not in ds and "SeriesDescription" not in ds
        assert "synthetic_2" not in session.image_path(case).read_bytes().decode("latin-1")
        result = session.submit(case, None, {})
        design = designs[case.source_sop_instance_uid]
        for side, comparison in result.sides.items():
            sd = design.side(side)  # type: ignore[arg-type]
            truth = sd.true_grade() if sd.explicit else sd.grade
            assert comparison.reference_grade == truth, (side, sd)
            assert comparison.outcome == "not read"


def test_score_takes_header_spacing_from_the_images_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_dir, uids = make_set(tmp_path)
    refs = tmp_path / "refs-without-spacing"
    refs.mkdir()
    for name, (items, no_ho) in DESIGN.items():
        ref = aset(uids[name], "reference", items, no_ho)
        ref.spacing = None
        save_annotations(ref, refs / f"{name}.reference.ho.json")
    students = tmp_path / "nobody"
    students.mkdir()
    assert main(["score", str(students), str(refs), "--json"]) == 0
    bare = json.loads(capsys.readouterr().out)["summary"]
    assert main(["score", str(students), str(refs), "--images", str(set_dir), "--json"]) == 0
    with_images = json.loads(capsys.readouterr().out)["summary"]
    # Without mm, the II and III hips (A right, C right) have no reference grade to score.
    assert (bare["hips"], bare["not_read"]) == (4, 4)
    assert (with_images["hips"], with_images["not_read"]) == (6, 6)
    assert with_images["confusion"]["III"]["none"] == 1


def test_references_beside_the_images_and_answers_never_taken_for_references(
    tmp_path: Path,
) -> None:
    set_dir, _ = make_set(tmp_path)
    # An instructor's references (reader "teacher") beside the images, no references folder.
    for path in (set_dir / "references").glob("*.ho.json"):
        ref = load_annotations(path)
        ref.reader = "teacher"
        save_annotations(ref, set_dir / path.name.replace(".reference.", ".teacher."))
    shutil.rmtree(set_dir / "references")
    session = prepare_run(set_dir, set_dir / "0-run", reader="alice")
    assert len(session.run.cases) == 3
    # The student's answer (inside the run, same image UID) sorts before "teacher" by path.
    case = session.run.cases[0]
    save_annotations(aset(case.sop_instance_uid, "alice", []), session.answer_path(case))
    assert find_references(set_dir)[case.source_sop_instance_uid].name.endswith(".teacher.ho.json")
    result = session.submit(case, session.load_answer(case), {})
    assert {s.outcome for s in result.sides.values()} == {"not read"}
    assert session.reference(case).reader == "teacher"
