"""Agreement for reading studies: standards, bootstrap intervals, subgroups, re-reads, planes,
the wide table and the HTML report, each statistic against an independent computation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from ho_annotate.agreement import (
    Bootstrap,
    agreement,
    confusion_kappas,
    fleiss_from_counts,
    load_results,
    near_threshold,
)
from ho_annotate.agreement.report import bland_altman_figure
from ho_annotate.batch import columns
from ho_annotate.batch.output import open_writer

SCHEMES = ["brooker", "della-valle"]
BROOKER = ["0", "I", "II", "III", "IV"]


def row(image: str, side: str, reader: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict.fromkeys(columns(SCHEMES))
    base.update(image=image, side=side, reader=reader, status="annotated")
    base.update(spacing_kind="calibrated")
    base.update(fields)
    return base


def grade_of(gap: float) -> str:
    return "II" if round(gap, 1) >= 10 else "III"


def study_table(hips: int = 60, seed: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three readers with two reads each and a reference, on hips with true gaps of 7-13 mm;
    two hips per patient. Returns the results table and the truth table."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for i in range(hips):
        true = float(rng.uniform(7, 13))
        image, side = f"pat{i // 2:03d}/img{i:03d}.dcm", "left"
        truth.append({"image": image, "side": side, "gap_mm": true, "brooker": grade_of(true)})
        ref = round(true + rng.normal(0, 0.3), 1)
        kind = "detector" if i % 5 == 0 else "calibrated"
        rows.append(
            row(image, side, "ref", brooker=grade_of(ref), gap_mm=ref, patient=f"p{i // 2}",
                spacing_kind=kind)
        )  # fmt: skip
        for reader, noise in (("ann", 0.8), ("bob", 1.0), ("cy", 1.5)):
            for read in (1, 2):
                gap = round(true + rng.normal(0, noise), 1)
                rows.append(
                    row(image, side, reader, brooker=grade_of(gap), gap_mm=gap, read=read,
                        spacing_kind=kind, patient=f"p{i // 2}")
                )  # fmt: skip
    return pd.DataFrame(rows), pd.DataFrame(truth)


def sk_kappa(a: list[str], b: list[str], weights: str | None = None) -> float:
    return float(cohen_kappa_score(a, b, labels=BROOKER, weights=weights))


def test_no_spurious_nan_grade_when_a_hip_has_none() -> None:
    rows = [
        row("a.dcm", "left", "ann", brooker="II"),
        row("a.dcm", "left", "bob", brooker="III"),
        row("b.dcm", "left", "ann", brooker="I"),  # bob never read b
        row("c.dcm", "left", "ann", status="annotated", needs="gap"),
        row("c.dcm", "left", "bob", brooker="0"),
    ]
    result = agreement(pd.DataFrame(rows), schemes=["brooker"])
    matrix = result.confusion[("brooker", "ann", "bob")]
    assert list(matrix.index) == BROOKER and list(matrix.columns) == BROOKER
    assert int(matrix.to_numpy().sum()) == 1


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_empty_needs_reads_back_missing_from_csv_and_parquet(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"results{suffix}"
    writer = open_writer(path, columns(SCHEMES), append=False)
    writer.write([row("a.dcm", "left", "ann", brooker="0", needs=""),
                  row("a.dcm", "right", "ann", needs="gap")])  # fmt: skip
    writer.close()
    table = load_results(path)
    assert table["needs"].isna().tolist() == [True, False]
    assert table.loc[1, "needs"] == "gap"


def test_fast_kappas_and_fleiss_match_sklearn_and_statsmodels() -> None:
    rng = np.random.default_rng(8)
    a = rng.integers(0, 5, 90)
    b = np.clip(a + rng.choice([-1, 0, 0, 1, 2], 90), 0, 4)
    matrix = np.zeros((5, 5), dtype=int)
    np.add.at(matrix, (a, b), 1)
    pct, k, kl, kq = confusion_kappas(matrix)
    assert pct == pytest.approx(100 * np.mean(a == b), abs=1e-12)
    assert k == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    assert kl == pytest.approx(cohen_kappa_score(a, b, weights="linear"), abs=1e-12)
    assert kq == pytest.approx(cohen_kappa_score(a, b, weights="quadratic"), abs=1e-12)
    counts = np.stack([np.bincount(rng.integers(0, 4, 5), minlength=4) for _ in range(40)])
    assert fleiss_from_counts(counts) == pytest.approx(sm_fleiss(counts), abs=1e-12)


def test_bootstrap_interval_of_a_mean_matches_the_normal_theory_interval() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(1.0, 2.0, 400)
    ((low, high),) = Bootstrap(2000, seed=5).intervals(
        list(range(400)), lambda r: (x[r].mean(),), 1
    )
    half = 1.96 * x.std(ddof=1) / np.sqrt(400)
    assert low == pytest.approx(x.mean() - half, abs=0.04)
    assert high == pytest.approx(x.mean() + half, abs=0.04)


def test_bootstrap_resamples_whole_clusters() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 1.0, 50)
    boot = Bootstrap(500, seed=1)
    ((single,),) = [boot.intervals(list(range(50)), lambda r: (x[r].mean(),), 1)]
    twice = np.repeat(x, 2)  # each patient's two hips measured alike
    by_patient = boot.intervals(list(np.repeat(np.arange(50), 2)), lambda r: (twice[r].mean(),), 1)
    as_if_independent = boot.intervals(list(range(100)), lambda r: (twice[r].mean(),), 1)
    assert by_patient[0] == pytest.approx(single, abs=1e-12)  # the same draws, the same means
    width = by_patient[0][1] - by_patient[0][0]
    assert as_if_independent[0][1] - as_if_independent[0][0] < 0.8 * width
    assert Bootstrap(0).intervals([1, 2], lambda r: (1.0,), 1) == [
        (pytest.approx(np.nan, nan_ok=True),) * 2
    ]


def test_reference_truth_intervals_and_subgroups_against_independent_computations() -> None:
    table, truth = study_table()
    result = agreement(table, schemes=["brooker"], reference="ref", truth=truth,
                       by=["spacing_kind"], bootstrap=Bootstrap(300, seed=7))  # fmt: skip
    assert result.readers == ["ann", "bob", "cy"] and result.standards == ["ref", "truth"]
    first = table[(table["read"] == 1) | table["read"].isna()]
    grades = first.pivot(index="image", columns="reader", values="brooker")
    true = truth.set_index("image")["brooker"].reindex(grades.index)
    std = result.standard.set_index(["reader", "standard"])
    for reader in result.readers:
        got = std.loc[(reader, "truth")]
        assert got["accuracy"] == pytest.approx(100 * np.mean(grades[reader] == true))
        assert got["kappa"] == pytest.approx(sk_kappa(list(grades[reader]), list(true)))
        assert got["kappa_ci_low"] < got["kappa"] < got["kappa_ci_high"]
        ref = std.loc[(reader, "ref")]
        assert ref["kappa"] == pytest.approx(sk_kappa(list(grades[reader]), list(grades["ref"])))
    # The reference is a standard, not a reader: Fleiss over the three readers only.
    fleiss = result.fleiss.iloc[0]
    counts = np.stack(
        [
            [sum(g == lab for g in r) for lab in BROOKER]
            for r in grades[["ann", "bob", "cy"]].to_numpy()
        ]
    )
    assert fleiss["readers"] == 3 and fleiss["kappa"] == pytest.approx(sm_fleiss(counts), abs=1e-9)
    # The same interval, computed independently: the documented draws (clusters numbered in
    # the sorted order of their labels) and scikit-learn.
    rng = np.random.default_rng(7)
    patients = np.array([f"p{int(i[3:6])}" for i in grades.index])
    labels = sorted(set(patients))
    draws = rng.integers(0, 30, size=(300, 30))
    values = []
    for d in draws:
        rows = np.concatenate([np.flatnonzero(patients == labels[c]) for c in d])
        values.append(sk_kappa(list(grades["ann"].iloc[rows]), list(grades["bob"].iloc[rows])))
    pair = result.pairs.set_index(["reader_a", "reader_b"]).loc[("ann", "bob")]
    finite = np.array(values)[np.isfinite(values)]
    assert pair["kappa_ci_low"] == pytest.approx(np.percentile(finite, 2.5), abs=1e-9)
    assert pair["kappa_ci_high"] == pytest.approx(np.percentile(finite, 97.5), abs=1e-9)
    assert result.parameters["cluster"] == "patient" and result.parameters["clusters"] == 30
    # The boundary subgroup is chosen on the true gap, never on the readers' own values.
    boundary = next(s for s in result.subgroups if s.column == "boundary")
    near = near_threshold(truth["gap_mm"], 1.0)
    assert boundary.result.hips == int(near.sum()) > 5
    sub = grades.loc[truth["image"][near]]
    got = boundary.result.pairs.set_index(["reader_a", "reader_b"]).loc[("ann", "cy"), "kappa"]
    assert got == pytest.approx(sk_kappa(list(sub["ann"]), list(sub["cy"])))
    kinds = {s.value: s.result.hips for s in result.subgroups if s.column == "spacing_kind"}
    assert kinds == {"calibrated": 48, "detector": 12}


def test_re_reads_and_planes() -> None:
    table, _ = study_table()
    result = agreement(table, schemes=["brooker"], bootstrap=Bootstrap(100))
    intra = result.intra.set_index("reader")
    for reader in ("ann", "bob", "cy"):
        mine = table[table["reader"] == reader]
        wide = mine.pivot(index="image", columns="read", values="brooker")
        assert intra.loc[reader, "kappa"] == pytest.approx(sk_kappa(list(wide[1]), list(wide[2])))
    mine = table[(table["reader"] == "bob") & (table["spacing_kind"] == "calibrated")]
    reads = mine.pivot(index="image", columns="read", values="gap_mm")
    got = result.intra_gaps.set_index(["plane", "reader"]).loc[("patient", "bob")]
    assert got["n"] == 48 and got["bias"] == pytest.approx((reads[1] - reads[2]).mean())
    # Patient-plane and detector-plane gaps are compared apart.
    gaps = result.gap_pairs.set_index(["plane", "reader_a", "reader_b"])
    first = table[table["read"] == 1]
    for plane, kind, n in (("patient", "calibrated", 48), ("detector", "detector", 12)):
        part = first[first["spacing_kind"] == kind].pivot(
            index="image", columns="reader", values="gap_mm"
        )
        diff = part["ann"] - part["bob"]
        got = gaps.loc[(plane, "ann", "bob")]
        assert got["n"] == n
        assert got["bias"] == pytest.approx(diff.mean())
        assert got["loa_high"] == pytest.approx(diff.mean() + 1.96 * diff.std(ddof=1))
    assert list(result.gap_all["plane"]) == ["patient", "detector"]


def test_bland_altman_limit_labels_never_cover_points() -> None:
    import matplotlib

    matplotlib.use("Agg")
    rows = []
    for i in range(30):  # the widest mean gaps sit right where labels used to be
        gap = 5 + i * 0.5
        rows.append(row(f"x{i}.dcm", "left", "ann", gap_mm=gap, brooker="II"))
        rows.append(row(f"x{i}.dcm", "left", "bob", gap_mm=gap + (i % 3) - 1, brooker="II"))
    result = agreement(pd.DataFrame(rows), schemes=["brooker"], bootstrap=Bootstrap(0))
    fig = bland_altman_figure(result, result.gap_pairs.iloc[0].to_dict())
    fig.canvas.draw()
    ax = fig.axes[0]
    right = ax.get_window_extent().x1
    labels = [t for t in ax.texts if "SD" in t.get_text() or "bias" in t.get_text()]
    assert len(labels) == 3
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    assert all(t.get_window_extent(renderer).x0 >= right for t in labels)
    assert all(t.get_window_extent(renderer).x1 <= fig.bbox.x1 for t in labels)


def test_cli_reference_truth_wide_and_report(tmp_path: Path) -> None:
    table, truth = study_table(hips=20)
    table = table[table["reader"] != "cy"]  # two readers: fewer plots to draw
    results, truth_csv = tmp_path / "results.csv", tmp_path / "truth.csv"
    table.to_csv(results, index=False)
    truth.to_csv(truth_csv, index=False)
    wide, report = tmp_path / "wide.csv", tmp_path / "report.html"
    out = subprocess.run(
        [sys.executable, "-m", "ho_annotate", "agreement", str(results), "--scheme", "brooker",
         "--reference", "ref", "--truth", str(truth_csv), "--resamples", "200", "--seed", "3",
         "--json", "--wide", str(wide), "--report", str(report)],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    doc = json.loads(out.stdout)
    assert doc["standards"] == ["ref", "truth"] and doc["parameters"]["seed"] == 3
    assert {(s["reader"], s["standard"]) for s in doc["standard"]} >= {("ann", "truth")}
    assert doc["subgroups"][0]["column"] == "boundary"
    loaded = pd.read_csv(wide)
    assert len(loaded) == 20
    assert {"brooker_ann", "brooker_ann_read2", "brooker_truth", "gap_mm_ref"} <= set(
        loaded.columns
    )
    assert (loaded["brooker_truth"] == truth["brooker"]).all()
    page = report.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2  # confusion matrices, Bland-Altman plots
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "200 resamples, seed 3" in page and "Methods" in page


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_wide_table_for_spss_and_stata_keeps_grade_labels(tmp_path: Path, suffix: str) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    from ho_annotate.agreement.hips import prepare
    from ho_annotate.agreement.wide import grade_codes, wide_table, write_wide

    table, _ = study_table(hips=10)
    prepared = prepare(table, schemes=["brooker"], reference="ref")
    wide = wide_table(prepared)
    path = write_wide(wide, tmp_path / f"wide{suffix}", grade_codes(prepared, wide))
    read = pyreadstat.read_sav if suffix == ".sav" else pyreadstat.read_dta
    frame, meta = read(str(path))
    assert list(frame.columns) == list(wide.columns)
    labels = meta.variable_value_labels["brooker_ann"]
    assert {labels[k] for k in frame["brooker_ann"]} == set(wide["brooker_ann"])
    assert labels[2.0] == "II" and labels[3.0] == "III"  # codes are ranks: 0 < I < II < III
    assert frame["gap_mm_ref"].tolist() == pytest.approx(wide["gap_mm_ref"].tolist())
