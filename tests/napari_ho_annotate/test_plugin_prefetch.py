"""Reading the next worklist image ahead: the same radiograph as a plain read, never a stale one."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from napari_ho_annotate._prefetch import Prefetcher
from plugin_helpers import pelvis_like, write_radiograph

from ho_annotate import load_radiograph, read_header
from ho_annotate.errors import RadiographError


def test_read_ahead_is_the_file_as_loaded_and_its_header(tmp_path: Path) -> None:
    paths = [
        write_radiograph(tmp_path, f"case{n}.dcm", pelvis_like(head=(80, 60 + n, 15)))
        for n in range(2)
    ]
    prefetch = Prefetcher()
    prefetch.start(paths[1])
    rad = prefetch.load(paths[1])
    assert np.array_equal(rad.pixels, load_radiograph(paths[1]).pixels)
    assert prefetch.header(paths[1]) == read_header(paths[1])
    # another file than the one read ahead: read now
    assert np.array_equal(prefetch.load(paths[0]).pixels, load_radiograph(paths[0]).pixels)
    prefetch.shutdown()


def test_a_file_changed_after_the_read_ahead_is_read_again(tmp_path: Path) -> None:
    path = write_radiograph(tmp_path, "case.dcm", pelvis_like(head=(80, 60, 15)))
    prefetch = Prefetcher()
    prefetch.start(path)
    old = prefetch.load(path)
    prefetch.start(path)
    prefetch.wait()  # read ahead, then changed
    write_radiograph(tmp_path, "case.dcm", pelvis_like(head=(120, 150, 30)))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    new = prefetch.load(path)
    assert np.array_equal(new.pixels, load_radiograph(path).pixels)
    assert not np.array_equal(new.pixels, old.pixels)
    assert prefetch.header(path) == read_header(path)
    prefetch.shutdown()


def test_a_broken_file_read_ahead_is_refused_by_the_plain_read(tmp_path: Path) -> None:
    path = tmp_path / "broken.dcm"
    path.write_bytes(b"not a dicom file")
    prefetch = Prefetcher()
    prefetch.start(path)
    with pytest.raises(RadiographError, match=r"broken\.dcm"):
        prefetch.load(path)
    prefetch.shutdown()
