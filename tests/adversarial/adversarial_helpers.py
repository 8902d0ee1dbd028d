"""Shared pieces of the adversarial suite: a small study on disk and a CLI runner that
can simulate a full disk or a read-only folder in the child process only."""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from conftest import write_dx

from ho_annotate.annotations.model import AnnotationSet, Item
from ho_annotate.annotations.naming import sidecar_path
from ho_annotate.annotations.store import encode_annotations

CLI = [sys.executable, "-m", "ho_annotate"]
PIXELS = np.arange(64, dtype=np.uint16).reshape(8, 8)


def make_study(root: Path, count: int, readers: Sequence[str] = ("alice", "bob")) -> list[Path]:
    """``count`` small DX files with a sidecar per reader (spur and gap on the left hip)."""
    from pydicom import dcmread

    root.mkdir(parents=True, exist_ok=True)
    images = []
    for index in range(count):
        path = write_dx(
            root / f"case{index:04d}.dcm",
            PIXELS,
            PixelSpacing=[0.1, 0.1],
            PixelSpacingCalibrationType="FIDUCIAL",
        )
        uid = str(dcmread(path, stop_before_pixels=True).SOPInstanceUID)
        for reader in readers:
            aset = AnnotationSet(sop_instance_uid=uid, reader=reader, side_basis="reader")
            # Inside the 8 x 8 image: points far outside it are refused.
            spur = [(1.0, 1.0), (1.0, 5.0), (4.0, 3.0)]
            aset.items.append(Item(kind="spur", side="left", origin="pelvis", points=spur))
            gap = [(4.0, 3.0), (6.0 + index / 1000, 3.0)]
            aset.items.append(Item(kind="gap", side="left", points=gap))
            aset.hips.right.no_ho_confirmed = True
            sidecar_path(path, reader).write_bytes(encode_annotations(aset))
        images.append(path)
    return images


def tree_digest(root: Path) -> dict[str, str]:
    """Every regular file under ``root`` with the SHA-256 of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        # SIGXFSZ would kill the child; ignored, a write past the limit fails with EFBIG,
        # which is what a full disk looks like to the program (a short write, then an error).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def run_cli(
    *args: object,
    cwd: Path | None = None,
    timeout: float = 60,
    file_size_limit: int | None = None,
    address_space: int | None = None,
    readonly: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``ho-annotate`` in a child, optionally with a file size limit (a full disk), an
    address-space limit (a memory bomb) or with the folder ``readonly`` read-only.

    As root, folder modes do not bind, so ``readonly`` is bind-mounted read-only in a private
    mount namespace of the child (Linux ``unshare``); otherwise the caller chmods it.
    """
    command = [*CLI, *(str(a) for a in args)]
    if readonly is not None and os.geteuid() == 0:
        script = (
            'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0"'
            ' && cd "$(pwd -P)" && exec "$@"'
        )
        command = ["unshare", "-rm", "sh", "-c", script, str(readonly), *command]

    def prepare() -> None:
        if file_size_limit is not None:
            _limit_file_size(file_size_limit)()
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("HO_ANNOTATE_DEBUG", None)
    return subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=prepare,
        env=env,
        check=False,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """A non-zero exit, no traceback, and the error as the one last line of stderr
    (progress lines may come before it), mentioning ``needles``."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("ho-annotate "), result.stderr
    assert sum(": error: " in line for line in lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[-1], lines[-1]
