"""Agreement statistics on results tables: published examples and cases known by construction."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ho_annotate.agreement import agreement, format_text, load_results, pair_agreement, to_json
from ho_annotate.batch import columns
from ho_annotate.errors import HoAnnotateError

BROOKER = ["0", "I", "II", "III", "IV"]

# Fleiss (1971), Psychol Bull 76:378-382, Table 1: 30 patients, 6 psychiatrists each, 5
# diagnoses (1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other).
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip


def row(image: str, side: str, reader: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict.fromkeys(columns(["brooker", "della-valle"]))
    base.update(image=image, side=side, reader=reader, status="annotated")
    base.update(fields)
    return base


def table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns(["brooker", "della-valle"]))


def test_fleiss_kappa_matches_fleiss_1971() -> None:
    rows = [
        row(f"p{i:02d}.dcm", "left", f"psychiatrist{j}", brooker=BROOKER[code - 1])
        for i, codes in enumerate(FLEISS_1971)
        for j, code in enumerate(codes)
    ]
    result = agreement(table(rows), schemes=["brooker"])
    fleiss = result.fleiss.set_index("scheme").loc["brooker"]
    assert fleiss["n"] == 30 and fleiss["readers"] == 6
    assert fleiss["kappa"] == pytest.approx(0.430, abs=0.0005)


def test_cohen_kappa_of_a_textbook_two_by_two() -> None:
    # 50 hips: both "I" 20, "I"/"0" 5, "0"/"I" 10, both "0" 15 -> po 0.70, pe 0.50, kappa 0.40.
    first = ["I"] * 25 + ["0"] * 25
    second = ["I"] * 20 + ["0"] * 5 + ["I"] * 10 + ["0"] * 15
    result = pair_agreement(first, second, BROOKER)
    assert result.percent_agreement == pytest.approx(70.0)
    assert result.kappa == pytest.approx(0.40)
    assert result.confusion[0][:2] == (15, 10)
    assert result.confusion[1][:2] == (5, 20)


def _weighted_kappa(confusion: np.ndarray, power: int) -> float:
    n = len(confusion)
    weights = np.abs(np.subtract.outer(np.arange(n), np.arange(n))) ** power
    observed = confusion / confusion.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    return float(1 - (weights * observed).sum() / (weights * expected).sum())


def test_weighted_kappas_follow_the_grade_order() -> None:
    rng = np.random.default_rng(3)
    first = rng.integers(0, 5, size=80)
    second = np.clip(first + rng.choice([-1, 0, 0, 1], size=80), 0, 4)
    result = pair_agreement([BROOKER[i] for i in first], [BROOKER[i] for i in second], BROOKER)
    confusion = np.array(result.confusion)
    assert result.kappa_linear == pytest.approx(_weighted_kappa(confusion, 1))
    assert result.kappa_quadratic == pytest.approx(_weighted_kappa(confusion, 2))
    # Disagreements are one grade apart: weighting by distance credits them.
    assert result.kappa < result.kappa_linear < result.kappa_quadratic
    shuffled = pair_agreement(
        [BROOKER[i] for i in first], [BROOKER[i] for i in second], ["II", "0", "IV", "I", "III"]
    )
    assert shuffled.kappa == pytest.approx(result.kappa)
    assert shuffled.kappa_quadratic != pytest.approx(result.kappa_quadratic)


def test_left_out_hips_are_counted_and_errors_skipped() -> None:
    rows = [
        row("a.dcm", "left", "ann", brooker="II", della_valle="B", gap_mm=12.0),
        row("a.dcm", "left", "bob", brooker="II", della_valle="B", gap_mm=11.0),
        row("b.dcm", "left", "ann", brooker="III", della_valle="C", gap_mm=5.0),
        row("b.dcm", "left", "bob", brooker="IV", della_valle="C", gap_mm=None),
        row("c.dcm", "left", "ann", brooker="0", della_valle="A"),
        row("c.dcm", "left", "bob", status="not read"),
        row("d.dcm", "right", "ann", status="annotated", needs="gap"),
        row("d.dcm", "right", "bob", brooker="I", della_valle="A"),
        row("e.dcm", "left", "ann", brooker="0", della_valle="A"),  # bob has no sidecar
        row("f.dcm", "", "bob", error="sidecar: not JSON"),
        row("g.dcm", "", "", error="radiograph: not a DICOM file"),
    ]
    result = agreement(table(rows))
    pair = result.pairs.set_index("scheme").loc["brooker"]
    assert (pair["n"], pair["not_read"], pair["no_grade"]) == (2, 2, 1)
    assert pair["percent_agreement"] == pytest.approx(50.0)
    assert result.error_rows == 2
    assert result.fleiss.empty  # two readers only
    gap = result.gap_pairs.iloc[0]
    assert (gap["n"], gap["left_out"]) == (1, 1)
    assert gap["bias"] == pytest.approx(1.0)
    doc = to_json(result)
    assert doc["pairs"][0]["left_out"] == {"not_read": 2, "no_grade": 1}
    assert doc["gap_mm"]["pairs"][0]["icc"] is None  # one hip: undefined, not a number
    json.dumps(doc, allow_nan=False)
    assert "ann vs bob" in format_text(result)


def test_perturbed_copies_give_agreement_known_by_construction() -> None:
    rng = np.random.default_rng(11)
    gaps = rng.uniform(1.0, 25.0, size=60)
    grades = ["III" if g < 10 else "II" for g in gaps]
    rows = []
    for i, (gap, grade) in enumerate(zip(gaps, grades, strict=True)):
        image = f"case{i:03d}.dcm"
        rows.append(row(image, "left", "reference", brooker=grade, gap_mm=round(gap, 1)))
        rows.append(row(image, "left", "copy", brooker=grade, gap_mm=round(gap, 1)))
        rows.append(row(image, "left", "long", brooker=grade, gap_mm=round(gap + 2.0, 1)))
    result = agreement(table(rows), schemes=["brooker"])
    pairs = result.pairs.set_index(["reader_a", "reader_b"])
    assert pairs.loc[("copy", "reference"), "kappa"] == pytest.approx(1.0)
    assert pairs.loc[("copy", "reference"), "percent_agreement"] == pytest.approx(100.0)
    gap = result.gap_pairs.set_index(["reader_a", "reader_b"])
    assert gap.loc[("copy", "reference"), "icc"] == pytest.approx(1.0)
    assert gap.loc[("copy", "reference"), "bias"] == pytest.approx(0.0)
    # "long" measures every gap 2 mm longer: bias -2 mm against it, limits collapse onto it.
    assert gap.loc[("copy", "long"), "bias"] == pytest.approx(-2.0, abs=1e-9)
    assert gap.loc[("copy", "long"), "loa_low"] == pytest.approx(-2.0, abs=0.1)
    assert gap.loc[("long", "reference"), "bias"] == pytest.approx(2.0, abs=1e-9)
    assert gap.loc[("copy", "long"), "icc"] < 1.0
    assert result.fleiss.set_index("scheme").loc["brooker", "kappa"] == pytest.approx(1.0)


def test_needs_two_readers() -> None:
    with pytest.raises(HoAnnotateError, match="at least two readers"):
        agreement(table([row("a.dcm", "left", "ann", brooker="I")]))


def _csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    rows = []
    for i in range(40):
        truth = int(rng.integers(0, 5))
        gap = float(rng.uniform(3, 18))
        for reader, shift in (("ann", 0), ("bob", 1), ("cy", 0)):
            grade = BROOKER[min(4, truth + (shift if i % 4 == 0 else 0))]
            dv = "A" if grade in ("0", "I") else "B" if grade == "II" else "C"
            rows.append(
                row(f"sub/x{i}.dcm", "right", reader, brooker=grade, della_valle=dv,
                    gap_mm=round(gap + 0.5 * shift, 1))
            )  # fmt: skip
    path = tmp_path / "results.csv"
    table(rows).to_csv(path, index=False)
    return path


def test_csv_keeps_grade_zero_as_text(tmp_path: Path) -> None:
    loaded = load_results(_csv(tmp_path))
    assert "0" in set(loaded["brooker"].dropna())


def test_cli_table_json_and_plots(tmp_path: Path) -> None:
    results = _csv(tmp_path)
    text = format_text(agreement(load_results(results)))
    assert "Fleiss' kappa" in text and "ICC(2,1)" in text and "bob vs cy" in text
    cmd = [sys.executable, "-m", "ho_annotate", "agreement", str(results)]
    plots = tmp_path / "plots"
    out = subprocess.run(
        [*cmd, "--json", "--plots", str(plots)], capture_output=True, text=True, check=True
    )
    doc = json.loads(out.stdout)
    assert doc["readers"] == ["ann", "bob", "cy"]
    assert {p["scheme"] for p in doc["pairs"]} == {"brooker", "della_valle"}
    ann_cy = next(
        p for p in doc["pairs"] if p["readers"] == ["ann", "cy"] and p["scheme"] == "brooker"
    )
    assert ann_cy["kappa"] == pytest.approx(1.0)
    bias = {tuple(p["readers"]): p["bias_mm"] for p in doc["gap_mm"]["pairs"]}
    assert bias[("ann", "bob")] == pytest.approx(-0.5, abs=0.051)
    pngs = sorted(p.name for p in plots.glob("*.png"))
    assert "confusion_brooker_ann_vs_bob.png" in pngs
    assert "bland_altman_ann_vs_bob.png" in pngs
    assert len(pngs) == 6 + 3
    assert (plots / pngs[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_reports_a_missing_file(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ho_annotate", "agreement", str(tmp_path / "none.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 2
    assert "none.csv" in out.stderr
