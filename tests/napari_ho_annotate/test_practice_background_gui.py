"""Practice starts on case 1 while the other synthetic cases are made in a child process: the
progress shows, Next waits for the case it needs and opens it when it arrives (run under Xvfb).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from napari_ho_annotate.practice_widget import PracticeWidget
from qtpy.QtCore import Qt

from ho_annotate.cli import main
from ho_annotate.practice.background import SyntheticSetMaker, present_ready
from ho_annotate.practice.run import RUN_FILE, PracticeSession, create_run

pytestmark = pytest.mark.gui
SIZE = {"rows": 300, "columns": 360, "pixel_mm": 1.2}
#: A bound for a child on a busy machine, never a measured time (ms).
PATIENCE_MS = 120_000
SCREENSHOT_ENV = "HO_PRACTICE_BG_SCREENSHOT"


def answer_and_submit(widget: PracticeWidget, qtbot: Any) -> None:
    widget.pick["right"].setCurrentText("0")
    widget.pick["left"].setCurrentText("II")
    qtbot.mouseClick(widget.submit_button, Qt.MouseButton.LeftButton)
    qtbot.wait(30)


def test_widget_opens_case_1_shows_progress_and_next_waits_for_case_2(
    make_napari_viewer: Any, qtbot: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    maker = SyntheticSetMaker(tmp_path / "set", 3, seed=4, order_seed=4, **SIZE)
    try:
        maker.make_first()  # as the CLI does; the child is started below
        present_ready(create_run(maker.set_dir, tmp_path / "run", reader="student"), maker)
        viewer = make_napari_viewer(show=True)
        widget = PracticeWidget(viewer, tmp_path / "run", preparing=maker)
        viewer.window.add_dock_widget(widget, name="Practice")
        qtbot.wait(50)
        # Case 1 is open while cases 2 and 3 do not exist yet.
        assert maker.ready() == 1
        assert "case 1 of 3" in widget.case_label.text() and widget.image is not None
        assert widget.progress_label.isVisible()
        assert widget.progress_label.text() == "Preparing cases: 1 of 3 ready"
        if os.environ.get(SCREENSHOT_ENV):
            viewer.screenshot(os.environ[SCREENSHOT_ENV], canvas_only=False)

        answer_and_submit(widget, qtbot)
        qtbot.mouseClick(widget.next_button, Qt.MouseButton.LeftButton)
        assert widget.case_label.text() == "Preparing case 2 \u2026"
        assert widget.waiting and not widget.submit_button.isEnabled()
        assert not widget.next_button.isEnabled()

        maker.start()
        qtbot.waitUntil(lambda: "case 2 of 3" in widget.case_label.text(), timeout=PATIENCE_MS)
        assert widget.image is not None and widget.submit_button.isEnabled()
        assert widget.case is not None and widget.case.name == "case_002"
        qtbot.waitUntil(lambda: not widget.progress_label.isVisible(), timeout=PATIENCE_MS)
        assert widget.preparing is None and len(widget.practice.run.cases) == 3
        assert not maker.running

        for _ in range(2):  # the rest of the run as before
            answer_and_submit(widget, qtbot)
            qtbot.mouseClick(widget.next_button, Qt.MouseButton.LeftButton)
            qtbot.wait(30)
        assert "All 3 cases submitted" in widget.case_label.text()
    finally:
        maker.cancel()
    mine = PracticeSession(tmp_path / "run").summary()
    assert mine.cases == 3
    # ho-annotate score agrees with the widget on a run made while its set grew.
    args = ["score", str(tmp_path / "run" / "cases"), str(maker.set_dir / "references")]
    assert main([*args, "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)["summary"]
    assert (cli["right"], cli["wrong"], cli["not_read"]) == (mine.right, mine.wrong, 0)


def test_cli_opens_the_window_adds_the_cases_made_behind_it_and_ctrl_c_stops_both(
    tmp_path: Path,
) -> None:
    """``ho-annotate practice --synthetic 80 DIR`` for real: the run file gains the cases the
    child makes while the window is open; Ctrl+C closes the window and stops the child."""
    set_dir, run_dir = tmp_path / "set", tmp_path / "run"
    cmd = [sys.executable, "-m", "ho_annotate", "practice", "--synthetic", "80", str(set_dir)]
    cmd += ["--run", str(run_dir), "--reader", "student"]
    env = {**os.environ, "QT_API": os.environ.get("QT_API", "pyside6")}
    practice = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        deadline = time.monotonic() + PATIENCE_MS / 1000
        while _cases(run_dir) < 3:
            assert practice.poll() is None, practice.communicate()
            assert time.monotonic() < deadline, "the widget never added the cases"
            time.sleep(0.2)
        child = _maker_pid(set_dir)
        practice.send_signal(signal.SIGINT)
        out, err = practice.communicate(timeout=PATIENCE_MS / 1000)
    finally:
        if practice.poll() is None:
            practice.kill()
    assert practice.returncode == 0 and "Traceback" not in err, err
    assert "80 cases, 0 submitted" in out
    assert "1 of 80 cases ready; the rest are being made." in out
    # The command waited for its child to stop: it is gone, the set left half made.
    assert child is not None
    assert not Path(f"/proc/{child}/cmdline").exists() or _zombie(child)
    made = list((set_dir / "images").glob("*.dcm"))
    assert 3 <= len(made) < 80
    assert PracticeSession(run_dir).run.cases[0].name == "case_001"


def _cases(run_dir: Path) -> int:
    try:
        return len(json.loads((run_dir / RUN_FILE).read_text())["cases"])
    except (OSError, ValueError):
        return 0


def _maker_pid(set_dir: Path) -> int | None:
    """The process making ``set_dir`` (its command line names the module and the folder)."""
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"ho_annotate.practice.background" in args and str(set_dir).encode() in args:
            return int(proc.name)
    return None


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
