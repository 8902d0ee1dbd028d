"""``study create``: a new study over existing images (which stay where they are)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from ho_annotate.errors import HoAnnotateError
from ho_annotate.study.model import Case, Study
from ho_annotate.study.store import save_new_study
from ho_annotate.study.times import now, stamp

__all__ = ["create_study", "reader_order"]


def _check_names(readers: Sequence[str], reference: str | None) -> list[str]:
    from ho_annotate.annotations.naming import reader_from_path

    names = list(dict.fromkeys(r.strip() for r in readers if r.strip()))
    if reference is not None and reference not in names:
        names.append(reference)
    for name in names:
        if reader_from_path(f"x.{name}.ho.json") != name:
            raise HoAnnotateError(
                f"reader name {name!r} cannot name a sidecar; use letters, digits, '-' and '_'"
            )
    if not names or (len(names) == 1 and reference is not None):
        raise HoAnnotateError("a study needs at least one reader besides the reference")
    return names


def reader_order(seed: int, reader: str, read: int, labels: Sequence[str]) -> list[str]:
    """The seeded random case order of one reader's read (independent of the reader list)."""
    key = int.from_bytes(hashlib.sha256(reader.encode()).digest()[:8], "big")
    rng = np.random.default_rng([seed, key, read])
    return [labels[i] for i in rng.permutation(len(labels))]


def create_study(
    study_dir: str | Path,
    images: Sequence[str | Path],
    readers: Sequence[str],
    *,
    reads: int = 1,
    washout_days: float = 14.0,
    reference: str | None = None,
    seed: int = 0,
    created: datetime | None = None,
) -> Study:
    """Write ``STUDY/study.json`` for the radiographs under ``images`` (files or folders).

    Cases get neutral labels (``case-001``...) in a seeded random order, so a label says
    nothing about a file's name or place; each reader gets, per read, a seeded random order.
    The reference reader (``reference``) reads once.
    """
    from ho_annotate import read_header
    from ho_annotate.files.walk import dicom_files

    if reads < 1 or washout_days < 0:
        raise HoAnnotateError("a study needs one read or more and a washout of 0 days or more")
    names = _check_names(readers, reference)
    root = Path(study_dir)
    files = sorted({p.resolve() for p in dicom_files([Path(i) for i in images], recursive=True)})
    if not files:
        raise HoAnnotateError(f"no DICOM images under {', '.join(map(str, images))}")
    stems: dict[str, Path] = {}
    for file in files:
        if file.stem in stems:
            raise HoAnnotateError(
                f"{file}: has the same file name as {stems[file.stem]}; a read folder keeps "
                "one sidecar per name, so rename one of them"
            )
        stems[file.stem] = file
    root.mkdir(parents=True, exist_ok=True)
    shuffled = [files[i] for i in np.random.default_rng([seed, 0]).permutation(len(files))]
    width = max(3, len(str(len(files))))
    cases = [
        Case(
            case=f"case-{i + 1:0{width}d}",
            sop_instance_uid=read_header(f, display=False).sop_instance_uid,
            path=Path(os.path.relpath(f, root.resolve())).as_posix(),
        )
        for i, f in enumerate(shuffled)
    ]
    uids = [c.sop_instance_uid for c in cases]
    if len(set(uids)) != len(uids):
        raise HoAnnotateError("two images share a SOP Instance UID; a study needs each once")
    labels = sorted(c.case for c in cases)
    orders = {
        name: [
            reader_order(seed, name, n, labels)
            for n in range(1, (1 if name == reference else reads) + 1)
        ]
        for name in names
    }
    study = Study(
        created=stamp(created or now()),
        seed=seed,
        reads=reads,
        washout_days=washout_days,
        readers=[n for n in names if n != reference],
        reference=reference,
        cases=cases,
        orders=orders,
    )
    save_new_study(root, study)
    return study
