"""Show agreement results: a printed table, a JSON document, PNG plots."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from ho_annotate.agreement.compute import AgreementResult
from ho_annotate.grading.rules import THRESHOLD_MM


def _num(value: Any) -> float | int | None:
    """JSON-safe number: NaN becomes null."""
    if value is None:
        return None
    if isinstance(value, int | bool):
        return int(value)
    number = float(value)
    return None if math.isnan(number) else number


def _fmt(value: Any, digits: int = 2) -> str:
    number = _num(value)
    if number is None:
        return "-"
    return f"{number:.{digits}f}" if isinstance(number, float) else str(number)


def to_json(result: AgreementResult) -> dict[str, Any]:
    """The whole result as plain JSON types (undefined statistics are ``null``)."""
    pairs = []
    for row in result.pairs.to_dict("records"):
        key = (row["scheme"], row["reader_a"], row["reader_b"])
        matrix = result.confusion[key]
        pairs.append(
            {
                "scheme": row["scheme"],
                "readers": [row["reader_a"], row["reader_b"]],
                "n": int(row["n"]),
                "left_out": {"not_read": int(row["not_read"]), "no_grade": int(row["no_grade"])},
                "percent_agreement": _num(row["percent_agreement"]),
                "kappa": _num(row["kappa"]),
                "kappa_linear": _num(row["kappa_linear"]),
                "kappa_quadratic": _num(row["kappa_quadratic"]),
                "confusion": {
                    "labels": [str(x) for x in matrix.index],
                    "rows_are": row["reader_a"],
                    "matrix": matrix.to_numpy().astype(int).tolist(),
                },
            }
        )
    fleiss = [
        {k: (v if k == "scheme" else _num(v)) for k, v in row.items()}
        for row in result.fleiss.to_dict("records")
    ]
    gap_pairs = []
    for row in result.gap_pairs.to_dict("records"):
        gap_pairs.append(
            {
                "readers": [row["reader_a"], row["reader_b"]],
                "n": int(row["n"]),
                "left_out": int(row["left_out"]),
                "icc": _num(row["icc"]),
                "icc_ci95": [_num(row["icc_low"]), _num(row["icc_high"])],
                "bias_mm": _num(row["bias"]),
                "sd_mm": _num(row["sd"]),
                "limits_mm": [_num(row["loa_low"]), _num(row["loa_high"])],
            }
        )
    g = result.gap_all
    return {
        "readers": result.readers,
        "hips": result.hips,
        "error_rows": result.error_rows,
        "pairs": pairs,
        "fleiss": fleiss,
        "gap_mm": {
            "pairs": gap_pairs,
            "all_readers": {
                "readers": g["readers"],
                "n": g["n"],
                "left_out": g["left_out"],
                "icc": _num(g["icc"]),
                "icc_ci95": [_num(g["icc_low"]), _num(g["icc_high"])],
            },
        },
    }


def _pair(row: dict[str, Any]) -> str:
    return f"{row['reader_a']} vs {row['reader_b']}"


def format_text(result: AgreementResult) -> str:
    """A plain-text report for the terminal."""
    lines = [
        f"Readers: {', '.join(result.readers)}   hips: {result.hips}"
        f"   rows with errors left out: {result.error_rows}",
        "",
        "Grades, per reader pair (kappa: unweighted / linear / quadratic weights)",
        f"{'scheme':<12} {'pair':<28} {'n':>5} {'not read':>8} {'no grade':>8}"
        f" {'agree %':>8} {'kappa':>6} {'lin':>6} {'quad':>6}",
    ]
    for r in result.pairs.to_dict("records"):
        pair = _pair(r)
        lines.append(
            f"{r['scheme']:<12} {pair:<28} {r['n']:>5} {r['not_read']:>8} {r['no_grade']:>8}"
            f" {_fmt(r['percent_agreement'], 1):>8} {_fmt(r['kappa']):>6}"
            f" {_fmt(r['kappa_linear']):>6} {_fmt(r['kappa_quadratic']):>6}"
        )
    if len(result.fleiss):
        lines += ["", "Fleiss' kappa, hips every reader graded"]
        for r in result.fleiss.to_dict("records"):
            lines.append(
                f"{r['scheme']:<12} readers {r['readers']}  n {r['n']}  left out {r['left_out']}"
                f"  kappa {_fmt(r['kappa'])}"
            )
    lines += [
        "",
        "Gap mm, per reader pair: ICC(2,1) absolute agreement [95 % CI]; Bland-Altman bias"
        " [limits of agreement]",
    ]
    for r in result.gap_pairs.to_dict("records"):
        pair = _pair(r)
        lines.append(
            f"{pair:<28} n {r['n']:>4}  left out {r['left_out']:>3}  ICC {_fmt(r['icc'])}"
            f" [{_fmt(r['icc_low'])}, {_fmt(r['icc_high'])}]  bias {_fmt(r['bias'])} mm"
            f" [{_fmt(r['loa_low'])}, {_fmt(r['loa_high'])}] mm"
        )
    g = result.gap_all
    lines.append(
        f"{'all readers':<28} n {g['n']:>4}  left out {g['left_out']:>3}  ICC {_fmt(g['icc'])}"
        f" [{_fmt(g['icc_low'])}, {_fmt(g['icc_high'])}]"
    )
    return "\n".join(lines) + "\n"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "reader"


def write_plots(result: AgreementResult, directory: str | Path) -> list[Path]:
    """Write PNG confusion matrices and Bland-Altman plots; return the files written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for (scheme, a, b), matrix in result.confusion.items():
        if int(matrix.to_numpy().sum()) == 0:
            continue
        fig, ax = plt.subplots(figsize=(4.2, 3.8), layout="constrained")
        values = matrix.to_numpy()
        ax.imshow(values, cmap="Blues", vmin=0)
        labels = [str(x) for x in matrix.index]
        ax.set_xticks(range(len(labels)), labels)
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel(b)
        ax.set_ylabel(a)
        ax.set_title(f"{scheme}: {a} vs {b}")
        top = values.max() if values.size else 0
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                color = "white" if top and values[i, j] > top / 2 else "black"
                ax.text(j, i, str(values[i, j]), ha="center", va="center", color=color)
        path = out / f"confusion_{_slug(scheme)}_{_slug(a)}_vs_{_slug(b)}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    for row in result.gap_pairs.to_dict("records"):
        a, b = row["reader_a"], row["reader_b"]
        xa, xb = result.gap_values[(a, b)]
        if len(xa) == 0:
            continue
        fig, ax = plt.subplots(figsize=(5, 3.8), layout="constrained")
        ax.scatter((xa + xb) / 2, xa - xb, s=14, alpha=0.7)
        lines = (
            ("bias", "-", "bias"),
            ("loa_low", "--", "-1.96 SD"),
            ("loa_high", "--", "+1.96 SD"),
        )
        for key, style, name in lines:
            value = _num(row[key])
            if value is not None:
                ax.axhline(value, color="tab:red", linestyle=style, linewidth=1)
                ax.annotate(
                    f"{name} {value:+.2f} mm",
                    (1.0, value),
                    xycoords=("axes fraction", "data"),
                    ha="right",
                    va="bottom",
                    fontsize=8,
                    color="tab:red",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
                )
        ax.margins(y=0.15)
        ax.axvline(THRESHOLD_MM, color="0.6", linestyle=":", linewidth=1)
        ax.annotate(
            f"{THRESHOLD_MM:g} mm",
            (THRESHOLD_MM, 0.0),
            xycoords=("data", "axes fraction"),
            fontsize=8,
            color="0.4",
            ha="left",
            va="bottom",
        )
        ax.set_xlabel(f"mean gap of {a} and {b} (mm)")
        ax.set_ylabel(f"{a} - {b} (mm)")
        ax.set_title(f"Bland-Altman, gap mm (n = {row['n']})")
        path = out / f"bland_altman_{_slug(a)}_vs_{_slug(b)}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written
