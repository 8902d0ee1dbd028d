"""Saving as the workbench does it: conflicts are never overwritten, a killed save leaves a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from napari_ho_annotate._session import ImageSession
from napari_ho_annotate._settings import Settings, clean_reader
from napari_ho_annotate._worklist import Worklist
from plugin_helpers import READER, isolate_user_dir, write_radiograph

from ho_annotate import read_header
from ho_annotate.annotations.model import Item
from ho_annotate.annotations.store import load_annotations
from ho_annotate.errors import SidecarError


def _session(path: Path, reader: str = READER) -> ImageSession:
    return ImageSession(path, read_header(path), reader)


def _island(col: float) -> Item:
    return Item(kind="island", side="right", points=[(10, col), (10, col + 9), (19, col + 9)])


def test_conflict_is_reported_then_reload_or_overwrite(tmp_path: Path) -> None:
    path = write_radiograph(tmp_path)
    mine, theirs = _session(path), _session(path)
    mine.aset.items.append(_island(10))
    mine.mark_changed()
    mine.save()
    assert not mine.dirty and mine.conflict is None
    theirs.reload()
    theirs.aset.items.append(_island(40))
    theirs.save()  # another window saved after we did
    mine.aset.items.append(_island(80))
    mine.mark_changed()
    assert mine.changed_on_disk()
    with pytest.raises(SidecarError, match="changed on disk"):
        mine.save()
    assert mine.conflict and mine.dirty
    assert len(load_annotations(mine.sidecar).items) == 2  # theirs is intact
    mine.save(overwrite=True)  # the user chose "keep mine"
    assert len(load_annotations(mine.sidecar).items) == 2 and mine.conflict is None
    theirs.reload()
    assert [i.points[0][1] for i in theirs.aset.items] == [10, 80]


def test_reference_reader_is_read_only_and_readers_are_separate(tmp_path: Path) -> None:
    path = write_radiograph(tmp_path)
    ref = _session(path, "reference")
    with pytest.raises(SidecarError, match="read-only"):
        ref.save()
    me = _session(path)
    me.aset.items.append(_island(10))
    me.save()
    me.switch_reader("other")
    assert me.aset.items == [] and me.sidecar.name == "hip_0001.other.ho.json"


AUTOSAVER = textwrap.dedent(
    """
    import math
    import sys
    from pathlib import Path
    from ho_annotate import read_header
    from ho_annotate.annotations.model import Item
    from napari_ho_annotate._session import ImageSession

    path = Path(sys.argv[1])
    session = ImageSession(path, read_header(path), "tester")
    n = 0
    print("ready", flush=True)
    while True:
        n += 1
        # A simple polygon of 180 vertices (a repeated triangle crosses itself: refused).
        turns = [2 * math.pi * k / 180 for k in range(180)]
        pts = [(15 + 14 * math.sin(t), n % 50 + 15 + 14 * math.cos(t)) for t in turns]
        session.aset.items.append(Item(kind="island", side="left", points=pts))
        session.mark_changed()
        session.save()
    """
)


def test_killing_the_autosave_loop_never_leaves_a_broken_sidecar(tmp_path: Path) -> None:
    path = write_radiograph(tmp_path)
    sidecar = _session(path).sidecar
    counts = []
    for delay in (0.3, 0.45, 0.6):
        proc = subprocess.Popen(
            [sys.executable, "-c", AUTOSAVER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        counts.append(len(load_annotations(sidecar).items))  # parses: never half-written
        backup = sidecar.with_name(sidecar.name + ".bak")
        if backup.exists():
            load_annotations(backup)  # the previous version is whole too
    assert counts == sorted(counts) and counts[-1] > counts[0] > 0


def test_settings_and_worklist_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_user_dir(tmp_path, monkeypatch)
    assert Settings.load().reader == READER
    assert clean_reader(" Dr. Ann Smith ") == "Dr-Ann-Smith"
    files = [write_radiograph(tmp_path, f"case{n}.dcm") for n in range(3)]
    single = write_radiograph(tmp_path, "single.dcm", ImageLaterality="L")
    started, done = _session(files[1]), _session(files[2])
    started.aset.items.append(_island(10))
    started.save()
    done.aset.hips.left.no_ho_confirmed = True
    done.aset.items.append(_island(10))
    done.save()
    work = Worklist()
    work.set_files([*files, single], READER, None)
    assert [e.describe() for e in work.entries] == [
        "not started; not read: left, right",
        "in progress; not read: left",
        "done",
        "not started; not read: left",
    ]
