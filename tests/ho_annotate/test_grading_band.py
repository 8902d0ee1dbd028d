"""The borderline band counts the reader: hand-placed lines, snapped lines, disagreements."""

from __future__ import annotations

import pytest

from ho_annotate.annotations.model import AnnotationSet, Item, Spacing
from ho_annotate.grading import (
    READER_CLICK_UNCERTAINTY_MM,
    Provenance,
    grade,
    measurement_uncertainty,
)

CAL = Spacing(row_mm=0.1, col_mm=0.1, kind="calibrated")  # 1 % and 0.1 mm pixels


def _line(length_mm: float, item_id: str = "line") -> Item:
    end = (10.0 + length_mm / 0.1, 5.0)
    return Item(kind="gap", side="left", points=[(10.0, 5.0), end], id=item_id)


def _rect(r0: float) -> list[tuple[float, float]]:
    return [(r0, 0.0), (r0, 10.0), (r0 + 10, 10.0), (r0 + 10, 0.0)]


def _spurs(gap_mm: float) -> list[Item]:
    """A pelvic spur (rows 0-10) and a femoral spur ``gap_mm`` below it (0.1 mm pixels)."""
    return [
        Item(kind="spur", side="left", origin="pelvis", id="ps", points=_rect(0.0)),
        Item(kind="spur", side="left", origin="femur", id="fs", points=_rect(10 + gap_mm / 0.1)),
    ]


def _aset(items: list[Item]) -> AnnotationSet:
    return AnnotationSet(
        sop_instance_uid="1.2.3", reader="r", side_basis="orientation", items=items
    )


def test_a_hand_placed_line_widens_the_band_by_the_click_uncertainty() -> None:
    aset = _aset([*_spurs(10.6)[:1], _line(10.6)])
    legacy = grade(aset, CAL).sides["left"]
    assert legacy.grade == "II" and not legacy.borderline  # 10.6 +- (0.1 + one pixel)
    hand = grade(aset, CAL, provenance={"line": Provenance("manual")}).sides["left"]
    assert hand.grade == "II" and hand.borderline
    assert hand.band_mm == pytest.approx(10.6 * 0.01 + READER_CLICK_UNCERTAINTY_MM)
    assert any("1.0 mm of measurement uncertainty" in w for w in hand.warnings)
    assert hand.to_json()["borderline_band_mm"] == pytest.approx(1.11, abs=0.005)


def test_a_snapped_line_keeps_a_narrow_band() -> None:
    aset = _aset([*_spurs(10.6)[:1], _line(10.6)])
    snapped = Provenance("snapped", uncertainty_mm=0.15)
    res = grade(aset, CAL, provenance={"line": snapped}).sides["left"]
    assert res.grade == "II" and not res.borderline
    assert res.band_mm == pytest.approx(0.106 + 0.15)


def test_the_band_is_never_narrower_than_a_pixel() -> None:
    coarse = Spacing(row_mm=0.3, col_mm=0.3, kind="calibrated")
    line = Item(kind="gap", side="left", points=[(10.0, 5.0), (10.0 + 10.25 / 0.3, 5.0)], id="line")
    exact = {"line": Provenance("snapped", uncertainty_mm=0.0)}
    res = grade(_aset([*_spurs(10.0)[:1], line]), coarse, provenance=exact).sides["left"]
    assert res.borderline and res.band_mm == pytest.approx(10.25 * 0.01 + 0.3)


def test_borderline_is_per_scheme() -> None:
    # A clear gap (13 mm, snapped) and an island of 9.8 mm drawn by hand.
    island = Item(
        kind="island",
        side="left",
        id="isl",
        points=[(300.0, 300.0), (300.0 + 98.0, 300.0), (349.0, 301.0)],
    )
    aset = _aset([*_spurs(13.0)[:1], _line(13.0), island])
    prov = {"line": Provenance("snapped", uncertainty_mm=0.2), "isl": Provenance("manual")}
    brooker = grade(aset, CAL, "brooker", provenance=prov).sides["left"]
    della = grade(aset, CAL, "della-valle", provenance=prov).sides["left"]
    assert brooker.grade == "II" and not brooker.borderline
    assert della.grade == "B" and not della.borderline  # decided by the spur gap (B either way)
    only_island = _aset([island])
    dv = grade(only_island, CAL, "della-valle", provenance=prov).sides["left"]
    assert dv.grade == "A" and dv.borderline  # 9.8 mm +- (0.1 + 1 mm of clicks)
    assert grade(only_island, CAL, "brooker", provenance=prov).sides["left"].borderline is False


def test_a_reader_line_that_disagrees_with_the_outlines_is_a_warning() -> None:
    items = [*_spurs(9.0), _line(10.6)]
    quiet = grade(_aset(items), CAL).sides["left"]
    assert quiet.auto_gap is not None and quiet.auto_gap.reported_mm == 9.0
    assert any("differs from the automatic gap" in w for w in quiet.warnings)  # 1.6 > 0.4 mm
    near = grade(_aset([*_spurs(10.4), _line(10.6)]), CAL).sides["left"]
    assert not any("differs from" in w for w in near.warnings)  # 0.2 mm is inside the band


def test_a_reader_line_far_from_its_snapped_version_is_a_warning() -> None:
    aset = _aset([*_spurs(10.6)[:1], _line(10.6)])
    prov = {"line": Provenance("manual", snapped_mm=9.2)}
    res = grade(aset, CAL, provenance=prov).sides["left"]
    assert any("snapped to the bone edges (9.2 mm)" in w for w in res.warnings)
    agree = {"line": Provenance("manual", snapped_mm=10.2)}
    assert not any(
        "snapped" in w for w in grade(aset, CAL, provenance=agree).sides["left"].warnings
    )


def test_measurement_uncertainty_adds_items_in_quadrature() -> None:
    prov = {"a": Provenance("outlined", uncertainty_mm=0.3), "b": Provenance("manual")}
    assert measurement_uncertainty(["a", "b"], prov) == pytest.approx((0.09 + 1.0) ** 0.5)
    assert measurement_uncertainty(["x"], prov) is None
    with pytest.raises(ValueError, match="made"):
        Provenance("origin")  # type: ignore[arg-type]
