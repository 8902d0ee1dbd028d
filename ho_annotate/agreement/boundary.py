"""The II/III boundary subgroup: hips whose standard gap lies near 10 mm.

Selected on the reference reader's or the true gap, never on the compared readers' own values
(selecting on them would bias their agreement). Shared by ``agreement`` and
``benchmarks/bench_reader_validity.py``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from ho_annotate.grading.rules import THRESHOLD_MM

__all__ = ["DEFAULT_BOUNDARY_MM", "near_threshold"]

#: How far (mm) from 10 mm a standard gap may lie for its hip to count as at the boundary.
DEFAULT_BOUNDARY_MM = 1.0


def near_threshold(
    gaps_mm: ArrayLike, within_mm: float = DEFAULT_BOUNDARY_MM
) -> npt.NDArray[np.bool_]:
    """True where a gap lies within ``within_mm`` of 10 mm (missing gaps are False)."""
    gaps = np.asarray(gaps_mm, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.abs(gaps - THRESHOLD_MM) <= within_mm + 1e-9, dtype=bool)
