"""Class 2 and 7 of issue 13: no command destroys an input or answers with a traceback.

Every case runs the real ``ho-annotate`` console entry point in a child process, then checks
for one line on stderr, a non-zero exit and every input file byte for byte as it was.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from adversarial_helpers import (
    CLI,
    assert_clean_failure,
    make_study,
    run_cli,
    tree_digest,
)

GIB = 1024**3


@pytest.fixture
def study(tmp_path: Path) -> Path:
    make_study(tmp_path / "study", 3)
    return tmp_path / "study"


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("case0000.dcm", "is a DICOM file"),
        ("case0000.bob.ho.json", "is an annotation sidecar"),
    ],
)
def test_measure_never_writes_over_an_input(study: Path, target: str, needle: str) -> None:
    before = tree_digest(study)
    for flag in ("--overwrite", "--resume"):  # not even when the user says so
        result = run_cli("measure", study, "-o", study / target, "-q", flag)
        assert_clean_failure(result, needle)
    assert tree_digest(study) == before


def test_measure_refuses_an_existing_results_file_without_overwrite(
    study: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mine.csv"
    out.write_text("my own notes, not a results table\n")
    assert_clean_failure(run_cli("measure", study, "-o", out, "-q"), "--overwrite")
    assert out.read_text() == "my own notes, not a results table\n"
    assert run_cli("measure", study, "-o", out, "-q", "--overwrite").returncode == 0
    assert out.read_text().startswith("image,side,reader,status")


@pytest.mark.parametrize("command", ["measure", "demo", "synth"])
def test_special_files_are_refused(study: Path, tmp_path: Path, command: str) -> None:
    args = {
        "measure": ("measure", study, "-o", "/dev/full", "-q"),
        "demo": ("demo", "--out", "/dev/full"),
        "synth": ("synth", "/dev/full"),
    }[command]
    assert_clean_failure(run_cli(*args, cwd=tmp_path))


def test_demo_refuses_a_file_as_its_folder_and_foreign_files_inside(tmp_path: Path) -> None:
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    assert_clean_failure(run_cli("demo", "--out", existing), "not a folder")
    assert existing.read_text() == "keep me"
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "demo.csv").write_text("my table")
    assert_clean_failure(run_cli("demo", "--out", folder), "--overwrite")
    assert (folder / "demo.csv").read_text() == "my table"


def test_synth_never_replaces_a_file_it_did_not_make(study: Path) -> None:
    before = tree_digest(study)
    for args in (("case0000.dcm",), ("case0000.dcm", "--overwrite")):
        assert_clean_failure(run_cli("synth", study / args[0], *args[1:]), "case0000")
    assert_clean_failure(run_cli("synth", study / "case0000.alice.ho.json"), "sidecar")
    assert tree_digest(study) == before


def test_synth_replaces_its_own_case_only_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "case.dcm"
    assert (
        run_cli("synth", out, "--right", "II", "--rows", "512", "--columns", "600").returncode == 0
    )
    first = tree_digest(tmp_path)
    assert_clean_failure(run_cli("synth", out, "--right", "III"), "--overwrite")
    assert tree_digest(tmp_path) == first
    again = run_cli(
        "synth", out, "--right", "III", "--rows", "512", "--columns", "600", "--overwrite"
    )
    assert again.returncode == 0, again.stderr
    assert tree_digest(tmp_path) != first


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--left-gap", "nan"), "gap"),
        (("--right-gap", "inf"), "gap"),
        (("--rows", "100", "--columns", "100"), "rows and columns"),
        (("--rows", "60000", "--columns", "60000"), "rows and columns"),
        (("--rows", "400", "--columns", "400"), "does not fit"),
        (("--right-prosthesis", "-28"), "prosthetic head"),
        (("--magnification", "nan"), "magnification"),
    ],
)
def test_synth_rejects_impossible_designs_quickly(
    tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    # Under a 3 GiB address space: the 60000 x 60000 case used to try 26.8 GiB.
    result = run_cli("synth", tmp_path / "x.dcm", *args, address_space=3 * GIB, timeout=60)
    assert_clean_failure(result, needle)
    assert not list(tmp_path.iterdir())


def test_scheduler_that_is_not_an_address_fails_within_seconds(study: Path, tmp_path: Path) -> None:
    start = time.monotonic()
    result = run_cli("measure", study, "-o", tmp_path / "r.csv", "--scheduler", "not a url")
    assert_clean_failure(result, "not a scheduler address")
    assert time.monotonic() - start < 15
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize("salt", ["", "short-salt"])
def test_empty_and_short_salts_are_refused_with_the_reason(
    study: Path, tmp_path: Path, salt: str
) -> None:
    result = run_cli("measure", study, "-o", tmp_path / "r.csv", "-q", "--pseudonymize", salt)
    assert_clean_failure(result, "at least 12 characters", "trying")
    assert not (tmp_path / "r.csv").exists()


def test_a_closed_pipe_ends_quietly(study: Path) -> None:
    # The reader of our stdout is gone before we write (``grade ... | head -1``).
    proc = subprocess.Popen(
        [*CLI, "grade", str(study / "case0000.dcm"), "--reader", "alice", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.close()
    _, stderr = proc.communicate(timeout=60)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    assert proc.returncode != 0


@pytest.fixture
def readonly_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write to, holding a study and a results table."""
    from ho_annotate.batch import measure_to_file

    root = tmp_path / "ro"
    make_study(root / "study", 2)
    measure_to_file([root / "study"], root / "study" / "results.csv")
    modes = os.geteuid() != 0  # as root, run_cli mounts the folder read-only instead
    if modes:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield root
    finally:
        if modes:
            for path in [root, *root.rglob("*")]:
                path.chmod(0o755)


@pytest.mark.parametrize(
    "args",
    [
        ("measure", "study", "-o", "study/new.csv", "-q"),
        ("measure", "study", "-o", "study/results.csv", "-q", "--resume"),
        ("measure", "study", "-o", "study/new.parquet", "-q"),
        ("demo", "--out", "study/demo"),
        ("synth", "study/new.dcm", "--view", "hip", "--laterality", "L", "--rows", "400"),
        ("practice", "--synthetic", "1", "study/set", "--run", "study/run", "--no-viewer"),
        ("agreement", "study/results.csv", "--plots", "study/plots"),
    ],
)
def test_a_read_only_folder_gives_one_line(readonly_folder: Path, args: tuple[str, ...]) -> None:
    root = readonly_folder
    before = tree_digest(root)
    result = run_cli(*args, cwd=root, readonly=root, timeout=120)
    assert_clean_failure(result)
    assert ".lock" not in result.stderr  # the file the user named, not a hidden lock file
    assert tree_digest(root) == before


def test_a_finished_synthetic_set_in_a_read_only_folder_can_be_practised(
    tmp_path: Path,
) -> None:
    from ho_annotate.practice.background import SyntheticSetMaker

    ro = tmp_path / "ro"
    maker = SyntheticSetMaker(ro / "set", 2, seed=5, rows=300, columns=360, pixel_mm=1.2)
    maker.make_all()
    for lock in ro.rglob(".*.lock"):  # a set shared without its hidden files (a zip, a copy)
        lock.unlink()
    if os.geteuid() != 0:  # as root, run_cli mounts the folder read-only instead
        for path in [ro, *ro.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
    before = tree_digest(ro)
    result = run_cli(
        "practice", ro / "set", "--run", tmp_path / "run", "--no-viewer", readonly=ro, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "2 cases, 0 submitted" in result.stdout
    assert tree_digest(ro) == before
