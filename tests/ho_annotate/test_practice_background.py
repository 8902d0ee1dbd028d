"""Synthetic practice cases made in a child process: the first at once, the rest in the run's
order, identical to the serial generator, never a half-written case, the child gone with its
parent, a half-made set resumed. Real child processes, real DICOM files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pydicom
import pytest

from ho_annotate.errors import HoAnnotateError
from ho_annotate.practice.background import MANIFEST, SyntheticSetMaker, present_ready
from ho_annotate.practice.run import PracticeSession, create_run, prepare_run
from ho_annotate.practice.synthetic import generate_synthetic_set

SIZE = {"rows": 300, "columns": 360, "pixel_mm": 1.2}
#: Seconds allowed for a child on a busy machine (a bound, never a measured time).
PATIENCE = 120


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def hidden_temps(set_dir: Path) -> list[Path]:
    return [
        p
        for folder in ("images", "references")
        for p in (set_dir / folder).iterdir()
        if p.name.startswith(".") and not p.name.endswith(".lock")
    ]


def assert_same_case(made: Path, serial: Path, stem: str) -> None:
    """The same DICOM (pixels and every byte) and the same reference sidecar."""
    a = pydicom.dcmread(made / "images" / f"{stem}.dcm")
    b = pydicom.dcmread(serial / "images" / f"{stem}.dcm")
    assert a.PixelData == b.PixelData and a.SOPInstanceUID == b.SOPInstanceUID
    assert (made / "images" / f"{stem}.dcm").read_bytes() == (
        serial / "images" / f"{stem}.dcm"
    ).read_bytes()
    ref = f"{stem}.reference.ho.json"
    assert (made / "references" / ref).read_bytes() == (serial / "references" / ref).read_bytes()


def test_first_case_at_once_the_rest_in_a_child_identical_to_the_serial_set(
    tmp_path: Path,
) -> None:
    serial = generate_synthetic_set(tmp_path / "serial", 4, seed=3, **SIZE)
    maker = SyntheticSetMaker(tmp_path / "bg", 4, seed=3, order_seed=3, **SIZE)
    try:
        maker.make_first()
        # The run's first case exists, alone, before any other is started.
        assert maker.ready() == 1 and visible(maker.set_dir / "images") == [f"{maker.order[0]}.dcm"]
        session = create_run(maker.set_dir, tmp_path / "run", reader="eve")
        assert [c.name for c in present_ready(session, maker)] == ["case_001"]
        maker.start()
        assert maker.pid is not None and maker.pid != os.getpid()
        assert maker.wait(PATIENCE) and maker.error() is None
        assert maker.ready() == maker.total == 4
        assert [c.name for c in present_ready(session, maker)] == [
            "case_002",
            "case_003",
            "case_004",
        ]
    finally:
        maker.cancel()
    assert visible(maker.set_dir / "images") == visible(serial / "images")
    assert visible(maker.set_dir / "references") == visible(serial / "references")
    for name in maker.order:
        assert_same_case(maker.set_dir, serial, name)
    # The run presents the cases in the order prepare_run gives the finished set.
    finished = prepare_run(serial, tmp_path / "serial-run", reader="eve", seed=3)
    assert [c.source_sop_instance_uid for c in session.run.cases] == [
        c.source_sop_instance_uid for c in finished.run.cases
    ]
    assert [p.name for p in maker.set_dir.iterdir() if p.name.startswith(".")] == [
        ".synthetic-set.json.lock"  # the set's lock, nothing else
    ]


def test_stopping_or_killing_the_child_leaves_no_partial_case_and_the_set_resumes(
    tmp_path: Path,
) -> None:
    set_dir = tmp_path / "set"
    big = {"rows": 1200, "columns": 1400, "pixel_mm": 0.3}  # slower cases: stopped mid-way
    maker = SyntheticSetMaker(set_dir, 6, seed=1, **big)
    maker.make_first()
    maker.start()
    wait_until(lambda: maker.ready() >= 2)  # the child is at work
    maker.cancel()  # SIGTERM: the case being written is dropped with its temporary file
    assert not maker.running and maker.error() is None
    assert hidden_temps(set_dir) == []

    again = SyntheticSetMaker(set_dir, 6, seed=1, **big)
    assert again.ready() >= 1
    again.start()
    pid = again.pid
    assert pid is not None
    wait_until(lambda: again.ready() >= 3)
    os.kill(pid, signal.SIGKILL)  # no chance to clean up
    again.wait(PATIENCE)
    # Whatever was visible is whole: every image reads, and has its reference.
    for image in (set_dir / "images").glob("*.dcm"):
        ds = pydicom.dcmread(image)
        assert ds.pixel_array.shape == (1200, 1400)
        assert (set_dir / "references" / f"{image.stem}.reference.ho.json").is_file()
    # Resumed: the left-over temporary files are swept, the missing cases made.
    resumed = SyntheticSetMaker(set_dir, 6, seed=1, **big)
    assert hidden_temps(set_dir) == []
    resumed.make_all()
    assert resumed.complete and len(visible(set_dir / "images")) == 6


def test_two_sessions_on_one_half_made_set_take_turns(tmp_path: Path) -> None:
    big = {"rows": 1000, "columns": 1200, "pixel_mm": 0.3}  # cases slow enough to overlap
    serial = generate_synthetic_set(tmp_path / "serial", 5, seed=4, **big)
    first = SyntheticSetMaker(tmp_path / "set", 5, seed=4, order_seed=4, **big)
    first.make_first()
    first.start()
    second = SyntheticSetMaker(tmp_path / "set", 5, seed=4, order_seed=4, **big)
    second.start()  # while the first child is at work
    try:
        assert first.wait(PATIENCE) and second.wait(PATIENCE)
        assert first.error() is None and second.error() is None
    finally:
        first.cancel()
        second.cancel()
    assert second.complete and hidden_temps(first.set_dir) == []
    for name in first.order:
        assert_same_case(first.set_dir, serial, name)
    # Each case written once: a second save of a reference would have left a backup.
    assert not list((first.set_dir / "references").glob("*.bak"))


def test_a_new_session_leaves_the_temporary_files_of_a_maker_at_work(tmp_path: Path) -> None:
    set_dir = tmp_path / "set"
    SyntheticSetMaker(set_dir, 3, seed=0, **SIZE).make_first()
    live = set_dir / "images" / ".case_002.a1b2c3.partial.dcm"
    live.write_bytes(b"being written")
    holder = subprocess.Popen(  # another session's maker, writing a case under the lock
        [
            sys.executable,
            "-c",
            "import sys; from ho_annotate.files.lock import locked\n"
            "with locked(sys.argv[1]):\n    print('held', flush=True); sys.stdin.readline()",
            str(set_dir / MANIFEST),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        SyntheticSetMaker(set_dir, 3, seed=0, **SIZE)
        assert live.exists()
    finally:
        holder.communicate("\n", timeout=PATIENCE)
    # Left by a maker that died: the next session sweeps it.
    SyntheticSetMaker(set_dir, 3, seed=0, **SIZE)
    assert not live.exists()


def test_a_different_set_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    set_dir = tmp_path / "set"
    SyntheticSetMaker(set_dir, 2, seed=0, **SIZE).make_first()
    assert (set_dir / MANIFEST).is_file()
    with pytest.raises(HoAnnotateError, match="holds a synthetic set of 2 cases made with seed 0"):
        SyntheticSetMaker(set_dir, 5, seed=0, **SIZE)
    with pytest.raises(HoAnnotateError, match="seed 0 to go on"):
        SyntheticSetMaker(set_dir, 2, seed=7, **SIZE)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(HoAnnotateError, match="already holds files"):
        SyntheticSetMaker(other, 2, **SIZE)
    assert SyntheticSetMaker.resume(other) is None
    resumed = SyntheticSetMaker.resume(set_dir)
    assert resumed is not None and resumed.total == 2 and resumed.ready() == 1


def test_the_child_dies_with_its_parent_even_on_kill_9(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import os, signal, sys
        from pathlib import Path
        from ho_annotate.practice.background import SyntheticSetMaker
        maker = SyntheticSetMaker(Path(sys.argv[1]), 100, rows=300, columns=360, pixel_mm=1.2)
        maker.start()
        print(maker.pid, flush=True)
        sys.stdin.readline()  # the test says when
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "set")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as parent:
        assert parent.stdout is not None and parent.stdin is not None
        child = int(parent.stdout.readline())
        assert alive(child)
        parent.stdin.write("\n")
        parent.stdin.flush()
        assert parent.wait(PATIENCE) == -signal.SIGKILL
    # The child notices that its pipe closed and ends (bounded wait, not a timing).
    wait_until(lambda: not alive(child))
    assert len(visible(tmp_path / "set" / "images")) < 100


def alive(pid: int) -> bool:
    """Running (a zombie nobody reaped yet counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition: object) -> None:
    import time

    assert callable(condition)
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.1)


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ho_annotate", "practice", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=PATIENCE,
    )


def test_cli_without_a_viewer_makes_every_case_and_goes_on_with_a_half_made_set(
    tmp_path: Path,
) -> None:
    done = cli("--synthetic", "2", tmp_path / "set", "--run", tmp_path / "run", "--no-viewer")
    assert done.returncode == 0, done.stderr
    assert "2 cases, 0 submitted" in done.stdout and "being made" not in done.stdout
    assert len(visible(tmp_path / "set" / "images")) == 2

    # A set left half made (the window closed early): practising on it again goes on.
    half = SyntheticSetMaker(tmp_path / "half", 3, seed=2, order_seed=2, **SIZE)
    half.make_first()
    session = create_run(half.set_dir, tmp_path / "half-run", reader="eve")
    present_ready(session, half)
    done = cli(tmp_path / "half-run", "--no-viewer")  # the set's seed orders the rest
    assert done.returncode == 0, done.stderr
    assert "3 cases, 0 submitted" in done.stdout
    assert half.complete and len(visible(tmp_path / "half-run" / "cases")) == 3
    assert [
        c.source_sop_instance_uid for c in PracticeSession(tmp_path / "half-run").run.cases
    ] == [half.source_uid(name) for name in half.order]
    # Another N for that folder: one clear line, no traceback.
    refused = cli("--synthetic", "5", tmp_path / "half", "--no-viewer")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "holds a synthetic set of 3 cases" in refused.stderr


def test_a_child_that_cannot_go_on_says_why(tmp_path: Path) -> None:
    maker = SyntheticSetMaker(tmp_path / "set", 3, **SIZE)
    maker.make_first()
    (maker.set_dir / MANIFEST).write_text("{not json")  # what the child reads first
    maker.start()
    assert maker.wait(PATIENCE) and not maker.running
    why = maker.error()
    assert why is not None and "not a synthetic-set file" in why and str(maker.set_dir) in why
    assert "Traceback" not in why and maker.ready() == 1
    maker.cancel()
    assert maker.error() is not None  # kept to be shown
