"""Issue 13, class 1: concurrent saves of one sidecar lose no acknowledged edit.

Real child processes edit the same sidecar at once, each save with ``expected=`` the state it
loaded; every edit a save acknowledged must be in the final file, every other was refused. The
lock that makes this true is also checked on its own: a clear timeout, released when its holder
is killed, and invisible to discovery.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from adversarial_helpers import make_study

from ho_annotate.annotations.model import AnnotationSet
from ho_annotate.annotations.naming import find_sidecars, sidecar_path
from ho_annotate.annotations.store import load_annotations, save_annotations
from ho_annotate.batch.discover import discover
from ho_annotate.errors import SidecarError
from ho_annotate.files.lock import LockTimeoutError, lock_path, locked
from ho_annotate.files.walk import walk_files

SAVER = Path(__file__).with_name("concurrent_saver.py")
WORKERS = 4
SAVES = 100

# Holds the lock of argv[1] until killed; prints "held" once it has it.
HOLDER = (
    "import sys, time\n"
    "from ho_annotate.files.lock import locked\n"
    "with locked(sys.argv[1]):\n"
    "    print('held', flush=True)\n"
    "    time.sleep(60)\n"
)


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


def test_concurrent_saves_lose_no_acknowledged_edit(tmp_path: Path) -> None:
    sidecar = tmp_path / "case.alice.ho.json"
    save_annotations(AnnotationSet(sop_instance_uid="1.2.3", reader="alice"), sidecar)
    start = tmp_path / "start"
    children = [
        subprocess.Popen(
            [sys.executable, str(SAVER), str(sidecar), f"w{n}", str(SAVES), str(n), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_child_env(),
        )
        for n in range(WORKERS)
    ]
    start.touch()
    acknowledged: set[str] = set()
    refused: set[str] = set()
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        for line in out.splitlines():
            verdict, edit = line.split()
            (acknowledged if verdict == "ok" else refused).add(edit)
    assert len(acknowledged) + len(refused) == WORKERS * SAVES
    final = {item.id for item in load_annotations(sidecar).items}
    assert acknowledged <= final, f"lost {len(acknowledged - final)} acknowledged edits"
    assert not final & refused, "a refused edit was written"
    assert all(any(e.startswith(f"w{n}-") for e in acknowledged) for n in range(WORKERS))
    assert lock_path(sidecar).name == ".case.alice.ho.json.lock"


def _hold(path: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=_child_env(),
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_held_lock_times_out_clearly_and_dies_with_its_holder(tmp_path: Path) -> None:
    target = tmp_path / "study.json"
    holder = _hold(target)
    try:
        with pytest.raises(LockTimeoutError) as caught, locked(target, timeout=0.2):
            pass
        message = str(caught.value)
        assert message.startswith(f"{target}: ") and "\n" not in message
        assert "try again" in message
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    # The operating system releases the lock of a killed holder: no stale lock to clean up.
    started = time.monotonic()
    with locked(target, timeout=10):
        pass
    assert time.monotonic() - started < 10


def test_a_lock_is_reentrant_in_its_thread_and_excludes_other_threads(tmp_path: Path) -> None:
    study = tmp_path / "study.json"
    sidecar = tmp_path / "case.alice.ho.json"
    outcome: list[str] = []

    def other_thread() -> None:
        try:
            with locked(study, timeout=0.2):
                outcome.append("acquired")
        except LockTimeoutError:
            outcome.append("waited")

    with locked(study), locked(study, timeout=0.2):  # a save inside a locked update
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        # and a sidecar saved while holding its lock (no deadlock with itself)
        with locked(sidecar):
            save_annotations(AnnotationSet(sop_instance_uid="1", reader="alice"), sidecar)
    assert outcome == ["waited"]
    with locked(study, timeout=0.2):  # released on the way out
        pass


def test_a_save_waits_for_the_lock_holder(tmp_path: Path) -> None:
    sidecar = tmp_path / "case.alice.ho.json"
    holder = _hold(sidecar)
    saver = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from ho_annotate.annotations.model import AnnotationSet\n"
            "from ho_annotate.annotations.store import save_annotations\n"
            "save_annotations(AnnotationSet(sop_instance_uid='1', reader='alice'), sys.argv[1])\n",
            str(sidecar),
        ],
        env=_child_env(),
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            saver.wait(timeout=1.5)  # blocked on the lock, not written
        assert not sidecar.exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    assert saver.wait(timeout=30) == 0
    assert load_annotations(sidecar).reader == "alice"


def test_lock_files_are_invisible_to_discovery(tmp_path: Path) -> None:
    image = make_study(tmp_path / "study", 1)[0]
    for reader in ("alice", "bob"):
        path = sidecar_path(image, reader)
        save_annotations(load_annotations(path), path)
        assert lock_path(path).exists()
    assert sorted(find_sidecars(image)) == ["alice", "bob"]
    assert [r for r, _ in discover([tmp_path / "study"])[0].sidecars] == ["alice", "bob"]
    assert not any(p.name.endswith(".lock") for p in walk_files(tmp_path / "study"))


def test_a_lock_never_creates_a_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "case.alice.ho.json"
    with pytest.raises(SidecarError, match="cannot save"):
        save_annotations(AnnotationSet(sop_instance_uid="1", reader="alice"), missing)
    assert not missing.parent.exists()
