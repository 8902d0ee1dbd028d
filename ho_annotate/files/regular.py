"""Read a file only when it is a regular file of bounded size.

Opening a FIFO blocks until someone writes to it, and ``/dev/zero`` never ends, so a path is
checked before it is opened (and the opened file again, in case the path was swapped), and at
most ``limit + 1`` bytes are read.
"""

from __future__ import annotations

import errno
import os
import stat

__all__ = ["FileTooLargeError", "NotRegularFileError", "read_regular"]


class NotRegularFileError(OSError):
    """The path is a FIFO, a device, a socket or a folder, not a regular file."""


class FileTooLargeError(OSError):
    """The file is larger than the limit the caller set."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse_irregular(path: str | os.PathLike[str], st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = _kind(st.st_mode)
        raise NotRegularFileError(errno.EINVAL, f"{kind}, not a regular file", os.fspath(path))


def read_regular(
    path: str | os.PathLike[str], limit: int | None = None
) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file and the stat of the very file read.

    Raises ``NotRegularFileError`` for anything but a regular file (before opening it),
    ``FileTooLargeError`` when it holds more than ``limit`` bytes, and ``OSError`` as usual
    (``FileNotFoundError``...).
    """
    _refuse_irregular(path, os.stat(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        _refuse_irregular(path, st)
        if limit is None:
            return f.read(), st
        if st.st_size > limit:
            raise FileTooLargeError(errno.EFBIG, f"larger than {limit} bytes", os.fspath(path))
        # Sized to the file (a read of limit + 1 allocates that much first); a file that grew
        # since the stat is read on, up to the limit.
        data = f.read(st.st_size + 1)
        if len(data) > st.st_size:
            data += f.read(limit + 1 - len(data))
    if len(data) > limit:
        raise FileTooLargeError(errno.EFBIG, f"larger than {limit} bytes", os.fspath(path))
    return data, st
