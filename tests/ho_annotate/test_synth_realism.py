"""The fast synthesis (issue 18) looks like the generator it replaced.

Reference figures were measured on the full-frame generator (before the bytes changed once,
see CHANGELOG.md) for the same designs and seeds, with the functions in ``synth_realism``.
Tolerances: the noise power spectrum within 15 % in each band above 0.08 cycles per pixel
(quantum noise and detector blur) and within 40 % below (where soft-tissue structure and the
per-seed window dominate); the 10-90 % edge width across a cortex within 0.3 pixel (about 5 %
of the femoral shaft's, 8 % of the iliac wing's).
"""

from __future__ import annotations

import sys

import pytest
from synth_realism import edge_width, nps_bands

from ho_annotate.synth import CaseDesign, SideDesign, generate

#: design -> (NPS per band, femoral shaft edge width, iliac wing edge width), old generator.
OLD = {
    "pelvis_s0": ((7984.4, 4995.6, 1862.4, 154.8), 6.458, 3.675),
    "pelvis_s1": ((9092.2, 5483.1, 2101.1, 173.2), 6.504, 3.721),
    "ho_tha_s3": ((10042.7, 7292.7, 2559.2, 208.4), 6.550, 3.854),
}
DESIGNS = {
    "pelvis_s0": CaseDesign(seed=0),
    "pelvis_s1": CaseDesign(seed=1),
    "ho_tha_s3": CaseDesign(
        left=SideDesign(grade="III", prosthesis_mm=32.0), right=SideDesign(grade="I"), seed=3
    ),
}
NPS_TOLERANCE = (0.40, 0.15, 0.15, 0.15)
EDGE_TOLERANCE_PX = 0.3


@pytest.mark.parametrize("name", sorted(OLD))
def test_noise_spectrum_and_edges_match_the_old_generator(name: str) -> None:
    case = generate(DESIGNS[name], name)
    pixels, frame = case.rendering.pixels, case.rendering.frame
    hips = case.rendering.skeleton.hips.values()
    old_nps, old_femur, old_wing = OLD[name]
    for band, (new, old, tol) in enumerate(
        zip(nps_bands(pixels, frame), old_nps, NPS_TOLERANCE, strict=True)
    ):
        assert new == pytest.approx(old, rel=tol), (band, new, old)
    femur = edge_width(pixels, frame, [h.femur for h in hips])
    wing = edge_width(pixels, frame, [h.pelvis for h in hips], (-105.0, -80.0))
    assert femur == pytest.approx(old_femur, abs=EDGE_TOLERANCE_PX)
    assert wing == pytest.approx(old_wing, abs=EDGE_TOLERANCE_PX)


def test_the_statistics_tell_a_broken_detector_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """The measures are sensitive: the same case without the detector blur fails them."""
    render = sys.modules["ho_annotate.synth.render"]
    original = render._blur_and_sharpen
    monkeypatch.setattr(
        render, "_blur_and_sharpen", lambda v, blur, wide, amount: original(v, 0.01, wide, amount)
    )
    case = generate(DESIGNS["pelvis_s0"], "sharp")
    pixels, frame = case.rendering.pixels, case.rendering.frame
    high = nps_bands(pixels, frame)[3]
    assert high > (1 + NPS_TOLERANCE[3]) * OLD["pelvis_s0"][0][3]
