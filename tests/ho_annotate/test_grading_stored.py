"""Grading uses how items were made as stored in the sidecar: the band, per-scheme borderline,
and warnings when the reader and the image disagree, in the library, ``grade --json`` and
``measure`` rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import WriteDX

from ho_annotate import read_header
from ho_annotate.annotations.model import AnnotationSet, Item, Spacing
from ho_annotate.annotations.naming import sidecar_path
from ho_annotate.annotations.store import new_annotation_set, save_annotations
from ho_annotate.grading import Provenance, grade

CAL = Spacing(row_mm=0.1, col_mm=0.1, kind="calibrated")  # 1 % and 0.1 mm pixels
SPUR = [(20.0, 30.0), (20.0, 40.0), (30.0, 40.0), (30.0, 30.0)]  # pelvic spur, left hip
ISLAND = [(150.0, 150.0), (248.0, 150.0), (199.0, 151.0)]  # 9.8 mm long, right hip
SNAPPED_WARNING = "differs from its version snapped to the bone edges (9.2 mm)"


def line(length_mm: float, **v2: object) -> Item:
    """A gap line from the spur's lower edge, ``length_mm`` long at 0.1 mm pixels."""
    end = (30.0 + length_mm / 0.1, 35.0)
    return Item(kind="gap", side="left", id="line", points=[(30.0, 35.0), end], **v2)  # type: ignore[arg-type]


def reading(gap: Item, island_made: str | None = "manual") -> list[Item]:
    return [
        Item(kind="spur", side="left", origin="pelvis", id="spur", points=SPUR),
        gap,
        Item(kind="island", side="right", id="isl", points=ISLAND, made=island_made),  # type: ignore[arg-type]
    ]


def aset_of(items: list[Item]) -> AnnotationSet:
    return AnnotationSet(sop_instance_uid="1.2.3", reader="r", side_basis="reader", items=items)


def test_the_band_comes_from_the_stored_provenance() -> None:
    legacy = grade(aset_of(reading(line(10.6), None)), CAL).sides["left"]
    assert legacy.grade == "II" and not legacy.borderline  # no provenance: one pixel
    hand = grade(aset_of(reading(line(10.6, made="manual"))), CAL).sides["left"]
    assert hand.grade == "II" and hand.borderline
    assert hand.band_mm == pytest.approx(0.106 + 1.0)
    snapped = line(10.6, made="snapped", clicks=[(31.0, 34.0), (135.0, 36.0)], uncertainty_mm=0.15)
    narrow = grade(aset_of(reading(snapped)), CAL).sides["left"]
    assert narrow.grade == "II" and not narrow.borderline
    assert narrow.band_mm == pytest.approx(0.106 + 0.15)
    # a provenance given by the caller still wins over the stored one
    given = {"line": Provenance("manual", uncertainty_mm=2.0)}
    wide = grade(aset_of(reading(snapped)), CAL, provenance=given).sides["left"]
    assert wide.band_mm == pytest.approx(0.106 + 2.0)


def test_a_stored_snapped_version_far_from_the_line_warns() -> None:
    far = line(10.6, made="manual", snapped_points=[(30.0, 35.0), (122.0, 35.0)])
    res = grade(aset_of(reading(far)), CAL).sides["left"]
    assert any(SNAPPED_WARNING in w for w in res.warnings)
    near = line(10.6, made="manual", snapped_points=[(30.0, 35.0), (131.0, 35.0)])
    assert not any(
        "snapped" in w for w in grade(aset_of(reading(near)), CAL).sides["left"].warnings
    )
    # the snapped length follows the spacing grading uses (a later calibration moves both)
    coarse = Spacing(row_mm=0.2, col_mm=0.2, kind="calibrated")
    res = grade(aset_of(reading(far)), coarse).sides["left"]
    assert any("snapped to the bone edges (18.4 mm)" in w for w in res.warnings)


@pytest.fixture
def study(dx_file: WriteDX) -> Path:
    """One calibrated DX file with a reader's version 2 sidecar next to it."""
    image = dx_file(
        "hip.dcm",
        np.zeros((256, 256), dtype=np.uint16),
        PixelSpacing=[0.1, 0.1],
        PixelSpacingCalibrationType="FIDUCIAL",
        PatientOrientation=["L", "F"],
    )
    aset = new_annotation_set(read_header(image), "alice")
    aset.items = reading(line(10.6, made="manual", snapped_points=[(30.0, 35.0), (122.0, 35.0)]))
    save_annotations(aset, sidecar_path(image, "alice"))
    return image


def _cli(*args: str | Path) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "ho_annotate", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_grade_json_uses_the_stored_uncertainty_per_scheme(study: Path) -> None:
    brooker = json.loads(_cli("grade", study, "--json"))["sides"]
    left, right = brooker["left"], brooker["right"]
    assert left["grade"] == "II" and left["borderline"] is True
    assert left["borderline_band_mm"] == pytest.approx(1.11, abs=0.005)
    assert any(SNAPPED_WARNING in w for w in left["warnings"])
    assert right["grade"] == "I" and right["borderline"] is False
    della = json.loads(_cli("grade", study, "--json", "--scheme", "della-valle"))["sides"]
    assert della["right"]["grade"] == "A" and della["right"]["borderline"] is True
    assert della["right"]["borderline_band_mm"] == pytest.approx(1.1, abs=0.005)


def test_measure_rows_carry_per_scheme_borderline_and_warnings(study: Path) -> None:
    out = study.parent / "results.csv"
    _cli("measure", study.parent, "-o", out)
    table = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("side")
    left, right = table.loc["left"], table.loc["right"]
    assert (left["brooker"], left["brooker__borderline"]) == ("II", "True")
    assert float(left["brooker__borderline_band_mm"]) == pytest.approx(1.11, abs=0.005)
    assert SNAPPED_WARNING in left["warnings"]
    assert (right["brooker"], right["brooker__borderline"]) == ("I", "False")
    assert (right["della_valle"], right["della_valle__borderline"]) == ("A", "True")
    assert right["borderline"] == "True"
    assert right["warnings"].startswith("Borderline: the island length")
    assert SNAPPED_WARNING not in right["warnings"]
    # how the reader's gap lines were made: the left hip's line was moved by hand
    assert (left["gap_line_made"], right["gap_line_made"]) == ("manual", "")


def test_gap_line_made_names_each_way_and_mixtures() -> None:
    from ho_annotate.batch.grade_basis import gap_line_made

    snapped = line(9.0, made="snapped", clicks=[(31.0, 34.0), (120.0, 36.0)], uncertainty_mm=0.1)
    assert gap_line_made(reading(snapped), "left") == "snapped"
    assert gap_line_made(reading(line(9.0, made=None)), "left") == "unrecorded"
    assert gap_line_made([snapped, line(9.0, made="manual")], "left") == "mixed"
    assert gap_line_made(reading(snapped), "right") is None


def test_the_report_counts_reader_lines_by_how_they_were_made() -> None:
    from ho_annotate.agreement.html import gap_sources

    table = pd.DataFrame(
        {
            "reader": ["a", "a", "a", "b", "b"],
            "brooker__gap_source": ["reader", "reader", "auto", "reader", None],
            "gap_line_made": ["snapped", "manual", None, None, None],
        }
    )
    assert gap_sources(table) == {
        "a": {"auto": 1, "reader: manual": 1, "reader: snapped": 1},
        "b": {"reader: unrecorded": 1},
    }
