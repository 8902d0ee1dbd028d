"""The synthetic generator's reference readings plus perturbed copies as other readers:
``measure`` reproduces the generator's expected grades, and ``agreement`` the perturbation."""

from __future__ import annotations

import math
from pathlib import Path

import msgspec
import pandas as pd
import pytest

from ho_annotate.agreement import agreement
from ho_annotate.annotations.model import AnnotationSet
from ho_annotate.annotations.naming import sidecar_path
from ho_annotate.annotations.store import encode_annotations, load_annotations
from ho_annotate.batch import measure
from ho_annotate.samples.bundled import sample_data_dir
from ho_annotate.synth import CaseDesign, SideDesign, WrittenCase, write_case

LONGER_MM = 2.0
DESIGNS = [("III", "II"), ("II", "0"), ("0", "III")]


def lengthened(aset: AnnotationSet, reader: str, extra_mm: float) -> AnnotationSet:
    """The same drawing with every gap line ``extra_mm`` longer (isotropic spacing)."""
    assert aset.spacing is not None and aset.spacing.row_mm == aset.spacing.col_mm
    step = extra_mm / aset.spacing.row_mm
    items = []
    for item in aset.items:
        if item.kind == "gap":
            (r0, c0), (r1, c1) = item.points
            norm = math.hypot(r1 - r0, c1 - c0)
            end = (r1 + (r1 - r0) / norm * step, c1 + (c1 - c0) / norm * step)
            item = msgspec.structs.replace(item, points=[(r0, c0), end])
        items.append(item)
    return msgspec.structs.replace(aset, reader=reader, items=items)


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[WrittenCase]]:
    root = tmp_path_factory.mktemp("synth")
    written = []
    for seed, (left, right) in enumerate(DESIGNS):
        design = CaseDesign(
            left=SideDesign(grade=left), right=SideDesign(grade=right),
            seed=seed, rows=300, columns=360, pixel_mm=1.1,
        )  # fmt: skip
        case = write_case(design, root, f"case{seed}")
        reference = load_annotations(case.sidecar)
        copy = msgspec.structs.replace(reference, reader="copy")
        sidecar_path(case.image, "copy").write_bytes(encode_annotations(copy))
        longer = lengthened(reference, "long", LONGER_MM)
        sidecar_path(case.image, "long").write_bytes(encode_annotations(longer))
        written.append(case)
    return root, written


def test_reference_rows_match_the_generator(cases: tuple[Path, list[WrittenCase]]) -> None:
    root, written = cases
    table = measure([root], include_reference=True)
    reference = table[table["reader"] == "reference"].set_index(["image", "side"])
    for case in written:
        for expected in case.case.expected:
            row = reference.loc[(case.image.name, expected.side)]
            assert row["brooker"] == expected.brooker
            assert row["della_valle"] == expected.della_valle
            if expected.gap_mm is None:
                assert math.isnan(row["gap_mm"])
            else:
                assert row["gap_mm"] == pytest.approx(expected.gap_mm)


def test_agreement_recovers_the_perturbation(cases: tuple[Path, list[WrittenCase]]) -> None:
    root, _ = cases
    result = agreement(measure([root], include_reference=True))
    pairs = result.pairs.set_index(["scheme", "reader_a", "reader_b"])
    for scheme in ("brooker", "della_valle"):
        assert pairs.loc[(scheme, "copy", "reference"), "kappa"] == pytest.approx(1.0)
        assert pairs.loc[(scheme, "copy", "reference"), "n"] == 2 * len(DESIGNS)
    gaps = result.gap_pairs.set_index(["reader_a", "reader_b"])
    assert gaps.loc[("copy", "reference"), "n"] == 4  # hips with a gap: III, II, II, III
    assert gaps.loc[("copy", "reference"), "icc"] == pytest.approx(1.0)
    assert gaps.loc[("copy", "reference"), "bias"] == pytest.approx(0.0)
    # Reported to 0.1 mm, so each difference is 2.0 mm give or take one rounding step.
    assert gaps.loc[("long", "reference"), "bias"] == pytest.approx(LONGER_MM, abs=0.1)
    assert gaps.loc[("copy", "long"), "loa_high"] < 0
    assert gaps.loc[("long", "reference"), "icc"] < 1.0


def test_sample_data_table_matches_cases_csv() -> None:
    folder = sample_data_dir()
    table = measure([folder], include_reference=True).set_index(["image", "side"])
    cases = pd.read_csv(folder / "cases.csv", dtype=str, keep_default_na=False)
    listed = set(zip(cases["file"], cases["side"], strict=True))
    extra = table[[key not in listed for key in table.index]]
    assert set(extra["status"]) <= {"not assessable"}  # e.g. the absent hip of a hip view
    for case in cases.itertuples():
        row = table.loc[(case.file, case.side)]
        assert (row["brooker"] if isinstance(row["brooker"], str) else "") == case.brooker
        assert (row["della_valle"] if isinstance(row["della_valle"], str) else "") == (
            case.della_valle
        )
        if case.gap_mm:
            assert row["gap_mm"] == pytest.approx(float(case.gap_mm))
        assert bool(row["borderline"]) == (case.borderline == "true")
