"""Synthetic practice sets whose difficulty mix over-samples where readers disagree.

Brooker readers disagree most at the II/III boundary and on islands near 1 cm (GUIDE section 1),
so per hip: 40 % spurs with a true gap of 8-12 mm, 20 % an island of 7-13 mm, and the rest
clear cases (15 % spurs well away from 10 mm, 15 % no HO, 10 % a bridge). Every image carries a
fiducial-calibrated spacing, so the reference always has a grade to learn from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import numpy as np

from ho_annotate.errors import HoAnnotateError
from ho_annotate.synth.design import CaseDesign, SideDesign

#: (kind, weight) of the per-hip difficulty mix.
MIX: Final[tuple[tuple[str, float], ...]] = (
    ("boundary_gap", 0.40),
    ("island_near_1cm", 0.20),
    ("clear_spur", 0.15),
    ("none", 0.15),
    ("bridge", 0.10),
)
BOUNDARY_GAP_MM: Final = (8.0, 12.0)
ISLAND_MM: Final = (7.0, 13.0)
HEADS_MM: Final = (28.0, 32.0, 36.0)


def _side(kind: str, rng: np.random.Generator) -> SideDesign:
    head = float(rng.choice(HEADS_MM)) if rng.random() < 0.5 else None
    if kind == "boundary_gap":
        gap = round(float(rng.uniform(*BOUNDARY_GAP_MM)), 1)
        return SideDesign(
            pelvic_spur=True,
            femoral_spur=bool(rng.random() < 0.6),
            gap_mm=gap,
            prosthesis_mm=head,
        )
    if kind == "island_near_1cm":
        islands = [round(float(rng.uniform(*ISLAND_MM)), 1)]
        if rng.random() < 0.3:
            islands.append(round(float(rng.uniform(3.0, 6.0)), 1))
        return SideDesign(islands=tuple(islands), prosthesis_mm=head)
    if kind == "clear_spur":
        return SideDesign(grade="II" if rng.random() < 0.5 else "III", prosthesis_mm=head)
    if kind == "bridge":
        return SideDesign(grade="IV", prosthesis_mm=head)
    return SideDesign(grade="0", prosthesis_mm=head)


def practice_designs(n: int, *, seed: int = 0, **overrides: Any) -> list[CaseDesign]:
    """``n`` AP pelvis designs, both hips drawn from :data:`MIX`; ``overrides`` set any other
    :class:`CaseDesign` field (image size, pixel size...)."""
    rng = np.random.default_rng(seed)
    kinds = [k for k, _ in MIX]
    weights = np.array([w for _, w in MIX])
    designs = []
    for index in range(n):
        right, left = (str(k) for k in rng.choice(kinds, size=2, p=weights / weights.sum()))
        base = CaseDesign(
            right=_side(right, rng),
            left=_side(left, rng),
            spacing="fiducial",
            seed=int(rng.integers(0, 2**31 - 1)),
            description=f"practice {index + 1}: right {right}, left {left}",
        )
        designs.append(replace(base, **overrides))
    return designs


def case_name(seed: int, index: int) -> str:
    """The file stem of case ``index`` (from 1) of the set made with ``seed``."""
    return f"synthetic_{seed}_{index:03d}"


def write_synthetic_case(set_dir: Path, design: CaseDesign, name: str) -> Path:
    """Render ``design`` into ``SET/images/<name>.dcm`` and its reference sidecar.

    Each file is written whole or not at all (a temporary name, then a rename), the reference
    first: a case counts as made once its image exists. Returns the image path.
    """
    from ho_annotate.annotations.naming import sidecar_path
    from ho_annotate.annotations.store import save_annotations
    from ho_annotate.synth import READER, generate
    from ho_annotate.synth.writer import write_dicom

    case = generate(design, name)
    image = set_dir / "images" / f"{case.name}.dcm"
    save_annotations(case.annotations, sidecar_path(image, READER, set_dir / "references"))
    return write_dicom(case.dataset, image)


def new_set_folder(set_dir: Path) -> None:
    """Make ``SET/images`` and ``SET/references``; a folder holding other files is refused
    (a set is never written over another's files)."""
    if set_dir.exists() and any(set_dir.iterdir()):
        raise HoAnnotateError(
            file=set_dir,
            problem="already holds files",
            action="give a new folder for a synthetic set, or practise on this one as it is",
            option="synthetic",
        )
    (set_dir / "images").mkdir(parents=True, exist_ok=True)
    (set_dir / "references").mkdir(exist_ok=True)


def generate_synthetic_set(
    set_dir: Path,
    n: int,
    *,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    **overrides: Any,
) -> Path:
    """Write a practice set of ``n`` synthetic cases: ``SET/images`` and ``SET/references``.

    Refuses a folder that already holds files (a set is never overwritten). ``progress`` is
    called with ``(done, n)`` after each case. :mod:`ho_annotate.practice.background` makes
    the same set with the first case at once and the rest in another process.
    """
    new_set_folder(set_dir)
    for index, design in enumerate(practice_designs(n, seed=seed, **overrides), start=1):
        write_synthetic_case(set_dir, design, case_name(seed, index))
        if progress is not None:
            progress(index, n)
    return set_dir
