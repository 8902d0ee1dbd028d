"""The next worklist image read in a background thread while the reader works on this one.

Decoding a full-size radiograph takes a good part of a worklist *Next*; reading it ahead (in
worklist order, one image at a time) leaves only the layer update for the click. An image read
ahead is used only while its file is unchanged on disk (same size and modification time);
anything else, or a read that failed, is read again in the foreground, which reports the error
the usual way. Qt-free and napari-free.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ho_annotate.dicom.radiograph import Radiograph, RadiographHeader

#: The read ahead waits this long first, so that it does not slow down drawing the image just
#: opened (decoding holds the GIL); asking for the image ends the wait at once.
DELAY_S = 0.3
#: What identifies a file's content cheaply: (size, modification time in ns).
Stamp = tuple[int, int]


def _stamp(path: Path) -> Stamp | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


@dataclass
class _Ahead:
    path: Path
    #: Set: start now (the image is wanted) or give up (``dropped`` is set too).
    go: threading.Event = field(default_factory=threading.Event)
    dropped: threading.Event = field(default_factory=threading.Event)
    future: Future[tuple[Stamp | None, Radiograph] | None] | None = None

    def drop(self) -> None:
        self.dropped.set()
        self.go.set()


def _load(ahead: _Ahead) -> tuple[Stamp | None, Radiograph] | None:
    from ho_annotate import load_radiograph

    ahead.go.wait(DELAY_S)
    if ahead.dropped.is_set():
        return None
    stamp = _stamp(ahead.path)
    return stamp, load_radiograph(ahead.path)


class Prefetcher:
    """One radiograph read ahead, and the last one handed out (for its header)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: _Ahead | None = None
        self._last: tuple[Path, Stamp | None, Radiograph] | None = None

    def start(self, path: Path) -> None:
        """Read ``path`` in the background (replacing any earlier read ahead)."""
        path = Path(path)
        if self._ahead is not None and self._ahead.path == path:
            return
        self.cancel()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ho-prefetch")
        ahead = _Ahead(path)
        ahead.future = self._pool.submit(_load, ahead)
        self._ahead = ahead

    def wait(self) -> None:
        """Wait until the read ahead, if any, is done (started at once)."""
        ahead = self._ahead
        if ahead is not None and ahead.future is not None:
            ahead.go.set()
            ahead.future.exception()

    def cancel(self) -> None:
        """Forget the read ahead (a read already decoding finishes unseen)."""
        if self._ahead is not None:
            self._ahead.drop()
            self._ahead = None

    def load(self, path: Path) -> Radiograph:
        """The radiograph of ``path``: the one read ahead when it is still current, else read
        now (raising the core's ``RadiographError`` for a file it refuses)."""
        from ho_annotate import load_radiograph

        path = Path(path)
        found: tuple[Stamp | None, Radiograph] | None = None
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.path == path and ahead.future is not None:
            ahead.go.set()  # wanted now
            try:
                found = ahead.future.result()
            except Exception:  # read again below: the error is reported from there
                found = None
            if found is not None and (found[0] is None or found[0] != _stamp(path)):
                found = None  # changed on disk since it was read
        elif ahead is not None:
            ahead.drop()
        if found is None:
            found = (_stamp(path), load_radiograph(path))
        self._last = (path, *found)
        return found[1]

    def header(self, path: Path) -> RadiographHeader:
        """The header of ``path``: the last loaded radiograph's when it is that unchanged file,
        else read from disk."""
        from ho_annotate import read_header

        path = Path(path)
        last = self._last
        if last is not None and last[0] == path and last[1] is not None:
            fresh = last[1] == _stamp(path)
            return last[2].header if fresh else read_header(path)
        return read_header(path)

    def shutdown(self) -> None:
        self.cancel()
        self._last = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
