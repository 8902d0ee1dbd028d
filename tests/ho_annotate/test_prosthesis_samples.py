"""find_prosthetic_heads on the shipped sample radiographs (rendered from attenuation models).

Where the header spacing is the truth at the patient plane (fiducial, or the true magnification
factor), each head of known diameter must imply it within 1 %; images without a hip replacement
must give no candidate.
"""

from __future__ import annotations

import pytest

from ho_annotate import find_prosthetic_heads, load_radiograph
from ho_annotate.calibration.prosthesis import head_calibration
from ho_annotate.samples.bundled import sample_data_dir, sample_rows

TRUE_SPACING = {"fiducial", "ermf-true"}


def _cases() -> dict[str, tuple[str, dict[str, float]]]:
    cases: dict[str, tuple[str, dict[str, float]]] = {}
    for row in sample_rows():
        _kind, heads = cases.setdefault(row.file, (row.spacing, {}))
        if row.prosthesis_mm is not None:
            heads[row.side] = row.prosthesis_mm
    return cases


CASES = _cases()


def test_samples_cover_both_kinds() -> None:
    assert any(heads for _spacing, heads in CASES.values())
    assert any(not heads for _spacing, heads in CASES.values())


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample(name: str) -> None:
    spacing_kind, diameters = CASES[name]
    rad = load_radiograph(sample_data_dir() / name)
    found = find_prosthetic_heads(rad)
    if not diameters:
        assert found == []
        return
    assert len(found) >= len(diameters)
    if spacing_kind not in TRUE_SPACING:
        return
    assert rad.spacing is not None
    heads = found[: len(diameters)]
    if len(diameters) == 2:
        # standard AP display: the patient's right hip on the image's left
        heads.sort(key=lambda h: h.center[1])
        pairs = [(heads[0], diameters["right"]), (heads[1], diameters["left"])]
    else:
        pairs = [(heads[0], next(iter(diameters.values())))]
    for head, diameter in pairs:
        cal = head_calibration(head, diameter, rad.spacing)
        assert cal.col_mm == pytest.approx(rad.spacing.col_mm, rel=0.01)
