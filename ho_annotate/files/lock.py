"""One process at a time: a cross-process, cross-platform lock for a shared state file.

A read-check-replace of a file that several processes save (a reader's sidecar open in two
windows, a reading-study file) must not interleave, or an acknowledged change is lost. The lock
is the ``filelock`` package's (``flock`` on Unix, ``LockFileEx`` on Windows, released by the
operating system when its holder dies), kept in a hidden file beside the guarded one,
``.<name>.lock``, which discovery and the file walkers skip. Readers need no lock: files are
replaced atomically.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import filelock

from ho_annotate.errors import HoAnnotateError

__all__ = ["DEFAULT_LOCK_TIMEOUT", "LOCK_SUFFIX", "LockTimeoutError", "lock_path", "locked"]

#: Seconds to wait for another process to finish with a file before giving up.
DEFAULT_LOCK_TIMEOUT: Final = 10.0
LOCK_SUFFIX: Final = ".lock"
#: How often a waiting process tries again: saves take milliseconds, so wait in small steps.
POLL_SECONDS: Final = 0.005


class LockTimeoutError(HoAnnotateError):
    """Another process held a file's lock for longer than the timeout."""


class _Held(threading.local):
    """The lock files this thread holds, so that a nested ``locked`` of one file goes through."""

    def __init__(self) -> None:
        self.paths: set[str] = set()


_HELD = _Held()


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The lock file that guards ``path``: ``.<name>.lock`` in the same folder."""
    p = Path(path)
    return p.with_name(f".{p.name}{LOCK_SUFFIX}")


@contextlib.contextmanager
def locked(
    path: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_LOCK_TIMEOUT,
    poll: float = POLL_SECONDS,
) -> Iterator[Path]:
    """Hold the lock of ``path`` for the block; yields the lock file's path.

    Re-entrant within a thread; other threads and processes wait, trying again every ``poll``
    seconds (``timeout`` 0: one try; ``math.inf``: until it is free). Raises
    ``LockTimeoutError`` when another process holds it for more than ``timeout``
    seconds, ``FileNotFoundError`` when the folder does not exist (it is never created), and
    other ``OSError`` when the lock file cannot be made (a read-only folder).
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(2, "No such folder", str(target.parent))
    key = os.path.realpath(lock_path(target))
    if key in _HELD.paths:  # this thread holds it already (a save inside a locked update)
        yield lock_path(target)
        return
    lock = filelock.FileLock(key, timeout=max(timeout, 0.0))
    try:
        lock.acquire(poll_interval=poll)
    except filelock.Timeout as exc:
        if not os.path.exists(key):  # nobody holds it: the folder refuses new files (/proc)
            raise PermissionError(
                errno.EACCES, "cannot make a lock file in this folder", str(target)
            ) from exc
        raise LockTimeoutError(
            file=target,
            problem=f"another program has been saving this file for over {timeout:g} s",
            action="wait for it to finish (or close it) and try again",
        ) from exc
    except OSError as exc:  # a read-only folder: name the file the user gave, not the lock
        exc.filename = str(target)
        raise
    _HELD.paths.add(key)
    try:
        yield lock_path(target)
    finally:
        _HELD.paths.discard(key)
        lock.release()
