"""Show agreement results: a printed table, a JSON document, PNG plots."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ho_annotate.agreement.compute import GRADE_STATS, AgreementResult
from ho_annotate.grading.rules import THRESHOLD_MM


def _num(value: Any) -> float | int | None:
    """JSON-safe number: NaN becomes null."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, int | bool):
        return int(value)
    number = float(value)
    return None if math.isnan(number) else number


def fmt(value: Any, digits: int = 2) -> str:
    """A number for a table: ``-`` when undefined."""
    number = _num(value)
    if number is None:
        return "-"
    return f"{number:.{digits}f}" if isinstance(number, float) else str(number)


def fmt_ci(row: dict[str, Any], name: str, digits: int = 2) -> str:
    """``value [low, high]``, or the value alone when there is no interval."""
    text = fmt(row[name], digits)
    low, high = _num(row.get(f"{name}_ci_low")), _num(row.get(f"{name}_ci_high"))
    if low is None or high is None:
        return text
    return f"{text} [{low:.{digits}f}, {high:.{digits}f}]"


def _stats_json(row: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        out[name] = _num(row[name])
        out[f"{name}_ci95"] = [_num(row[f"{name}_ci_low"]), _num(row[f"{name}_ci_high"])]
    return out


def _matrix(result: AgreementResult, key: tuple[str, str, str]) -> dict[str, Any]:
    matrix = result.confusion[key]
    return {
        "labels": [str(x) for x in matrix.index],
        "rows_are": key[1],
        "matrix": matrix.to_numpy().astype(int).tolist(),
    }


def to_json(result: AgreementResult) -> dict[str, Any]:
    """The whole result as plain JSON types (undefined statistics are ``null``)."""
    pairs = []
    for row in result.pairs.to_dict("records"):
        key = (row["scheme"], row["reader_a"], row["reader_b"])
        pairs.append(
            {
                "scheme": row["scheme"],
                "readers": [row["reader_a"], row["reader_b"]],
                "n": int(row["n"]),
                "left_out": {"not_read": int(row["not_read"]), "no_grade": int(row["no_grade"])},
                **_stats_json(row, GRADE_STATS),
                "confusion": _matrix(result, key),
            }
        )
    standard = []
    for row in result.standard.to_dict("records"):
        key = (row["scheme"], row["reader"], row["standard"])
        standard.append(
            {
                "scheme": row["scheme"],
                "reader": row["reader"],
                "standard": row["standard"],
                "n": int(row["n"]),
                "left_out": {"not_read": int(row["not_read"]), "no_grade": int(row["no_grade"])},
                **_stats_json(row, ("accuracy", *GRADE_STATS[1:])),
                "confusion": _matrix(result, key),
            }
        )
    intra = [
        {
            "scheme": row["scheme"],
            "reader": row["reader"],
            "reads": [int(row["read_a"]), int(row["read_b"])],
            "n": int(row["n"]),
            "no_grade": int(row["no_grade"]),
            **_stats_json(row, GRADE_STATS),
        }
        for row in result.intra.to_dict("records")
    ]
    intra_gaps = [
        {
            "plane": row["plane"],
            "reader": row["reader"],
            "reads": [int(row["read_a"]), int(row["read_b"])],
            "n": int(row["n"]),
            "icc": _num(row["icc"]),
            "icc_ci95": [_num(row["icc_low"]), _num(row["icc_high"])],
            "bias_mm": _num(row["bias"]),
            "bias_ci95": [_num(row["bias_ci_low"]), _num(row["bias_ci_high"])],
            "limits_mm": [_num(row["loa_low"]), _num(row["loa_high"])],
        }
        for row in result.intra_gaps.to_dict("records")
    ]
    fleiss = [
        {
            "scheme": row["scheme"],
            "readers": int(row["readers"]),
            "n": int(row["n"]),
            "left_out": int(row["left_out"]),
            **_stats_json(row, ("kappa",)),
        }
        for row in result.fleiss.to_dict("records")
    ]
    gap_pairs = [
        {
            "plane": row["plane"],
            "readers": [row["reader_a"], row["reader_b"]],
            "n": int(row["n"]),
            "left_out": int(row["left_out"]),
            "icc": _num(row["icc"]),
            "icc_ci95": [_num(row["icc_low"]), _num(row["icc_high"])],
            "bias_mm": _num(row["bias"]),
            "bias_ci95": [_num(row["bias_ci_low"]), _num(row["bias_ci_high"])],
            "sd_mm": _num(row["sd"]),
            "limits_mm": [_num(row["loa_low"]), _num(row["loa_high"])],
            "limits_ci95": [
                [_num(row["loa_low_ci_low"]), _num(row["loa_low_ci_high"])],
                [_num(row["loa_high_ci_low"]), _num(row["loa_high_ci_high"])],
            ],
        }
        for row in result.gap_pairs.to_dict("records")
    ]
    gap_all = [
        {
            "plane": g["plane"],
            "readers": int(g["readers"]),
            "n": int(g["n"]),
            "left_out": int(g["left_out"]),
            "icc": _num(g["icc"]),
            "icc_ci95": [_num(g["icc_low"]), _num(g["icc_high"])],
        }
        for g in result.gap_all.to_dict("records")
    ]
    doc: dict[str, Any] = {
        "readers": result.readers,
        "standards": result.standards,
        "hips": result.hips,
        "error_rows": result.error_rows,
        "pairs": pairs,
        "standard": standard,
        "intra": intra,
        "fleiss": fleiss,
        "gap_mm": {"pairs": gap_pairs, "all_readers": gap_all, "intra": intra_gaps},
    }
    if result.parameters:
        doc["parameters"] = result.parameters
    if result.subgroups:
        doc["subgroups"] = [
            {"column": s.column, "value": s.value, **to_json(s.result)} for s in result.subgroups
        ]
    return doc


def _pair(a: str, b: str) -> str:
    return f"{a} vs {b}"


def _grade_lines(result: AgreementResult) -> list[str]:
    lines = [
        "Grades, per reader pair: kappa unweighted / linear / quadratic weights [95 % CI]",
        f"{'scheme':<12} {'pair':<24} {'n':>4} {'not read':>8} {'no grade':>8} {'agree %':>8}"
        f"  {'kappa':<19}{'linear':<19}quadratic",
    ]
    for r in result.pairs.to_dict("records"):
        lines.append(
            f"{r['scheme']:<12} {_pair(r['reader_a'], r['reader_b']):<24} {r['n']:>4}"
            f" {r['not_read']:>8} {r['no_grade']:>8} {fmt(r['percent_agreement'], 1):>8}"
            f"  {fmt_ci(r, 'kappa'):<19}{fmt_ci(r, 'kappa_linear'):<19}"
            f"{fmt_ci(r, 'kappa_quadratic')}"
        )
    if len(result.standard):
        lines += ["", "Each reader against the standard: accuracy %, kappa, quadratic kappa"]
        for r in result.standard.to_dict("records"):
            lines.append(
                f"{r['scheme']:<12} {_pair(r['reader'], r['standard']):<24} {r['n']:>4}"
                f"  accuracy {fmt_ci(r, 'accuracy', 1)}  kappa {fmt_ci(r, 'kappa')}"
                f"  quad {fmt_ci(r, 'kappa_quadratic')}"
            )
    if len(result.fleiss):
        lines += ["", "Fleiss' kappa, hips every reader graded"]
        for r in result.fleiss.to_dict("records"):
            lines.append(
                f"{r['scheme']:<12} readers {r['readers']}  n {r['n']}  left out {r['left_out']}"
                f"  kappa {fmt_ci(r, 'kappa')}"
            )
    if len(result.intra):
        lines += ["", "Intra-reader, one read against another"]
        for r in result.intra.to_dict("records"):
            lines.append(
                f"{r['scheme']:<12} {r['reader']} read {r['read_a']} vs {r['read_b']:<6}"
                f" n {r['n']:>4}  agree % {fmt(r['percent_agreement'], 1)}"
                f"  kappa {fmt_ci(r, 'kappa')}  quad {fmt_ci(r, 'kappa_quadratic')}"
            )
    return lines


def _gap_lines(result: AgreementResult) -> list[str]:
    lines = [
        "Gap mm, per plane and pair: ICC(2,1) absolute agreement [95 % CI]; Bland-Altman bias"
        " [CI], limits of agreement",
    ]
    for r in result.gap_pairs.to_dict("records"):
        lines.append(
            f"{r['plane']:<9}{_pair(r['reader_a'], r['reader_b']):<24} n {r['n']:>4}"
            f"  left out {r['left_out']:>3}  ICC {fmt(r['icc'])}"
            f" [{fmt(r['icc_low'])}, {fmt(r['icc_high'])}]  bias {fmt_ci(r, 'bias')} mm"
            f"  limits {fmt(r['loa_low'])}, {fmt(r['loa_high'])} mm"
        )
    for r in result.intra_gaps.to_dict("records"):
        reads = f"{r['reader']} read {r['read_a']} vs {r['read_b']}"
        lines.append(
            f"{r['plane']:<9}{reads:<24}"
            f" n {r['n']:>4}  left out {r['left_out']:>3}  ICC {fmt(r['icc'])}"
            f" [{fmt(r['icc_low'])}, {fmt(r['icc_high'])}]  bias {fmt_ci(r, 'bias')} mm"
            f"  limits {fmt(r['loa_low'])}, {fmt(r['loa_high'])} mm"
        )
    for g in result.gap_all.to_dict("records"):
        lines.append(
            f"{g['plane']:<9}{'all readers':<24} n {g['n']:>4}  left out {g['left_out']:>3}"
            f"  ICC {fmt(g['icc'])} [{fmt(g['icc_low'])}, {fmt(g['icc_high'])}]"
        )
    return lines


def format_text(result: AgreementResult) -> str:
    """A plain-text report for the terminal."""
    standards = f"   standards: {', '.join(result.standards)}" if result.standards else ""
    lines = [
        f"Readers: {', '.join(result.readers)}{standards}   hips: {result.hips}"
        f"   rows with errors left out: {result.error_rows}"
        + (
            f"   hips no one could assess: {result.parameters['hips_not_assessable']}"
            if result.parameters.get("hips_not_assessable")
            else ""
        ),
        "",
        *_grade_lines(result),
        "",
        *_gap_lines(result),
    ]
    for sub in result.subgroups:
        lines += ["", f"== Subgroup {sub.column} = {sub.value}: {sub.result.hips} hips", ""]
        lines += _grade_lines(sub.result)
    p = result.parameters
    if p:
        lines += [
            "",
            f"95 % CIs: percentile bootstrap, {p['resamples']} resamples of {p['clusters']}"
            f" clusters ({p['cluster']}), seed {p['seed']}; ICC: analytic (McGraw & Wong 1996)",
        ]
    return "\n".join(lines) + "\n"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "reader"


def draw_confusion(ax: Any, matrix: pd.DataFrame, title: str) -> None:
    """One confusion matrix on ``ax`` (counts written in the cells)."""
    values = matrix.to_numpy()
    ax.imshow(values, cmap="Blues", vmin=0)
    labels = [str(x) for x in matrix.index]
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel(str(matrix.columns.name))
    ax.set_ylabel(str(matrix.index.name))
    ax.set_title(title, fontsize=10)
    top = values.max() if values.size else 0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            color = "white" if top and values[i, j] > top / 2 else "black"
            ax.text(j, i, str(values[i, j]), ha="center", va="center", color=color)


def confusion_figure(matrix: pd.DataFrame, title: str) -> Any:
    """A matplotlib figure of one confusion matrix."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 3.8), layout="constrained")
    draw_confusion(ax, matrix, title)
    return fig


def draw_bland_altman(ax: Any, result: AgreementResult, row: dict[str, Any]) -> None:
    """A Bland-Altman plot of one pair on ``ax``; the limit labels sit outside the axes, right
    of them, so they never cover a point."""
    a, b = row["reader_a"], row["reader_b"]
    xa, xb = result.gap_values[(row["plane"], a, b)]
    ax.scatter((xa + xb) / 2, xa - xb, s=14, alpha=0.7)
    lines = (("bias", "-", "bias"), ("loa_low", "--", "-1.96 SD"), ("loa_high", "--", "+1.96 SD"))
    for key, style, name in lines:
        value = _num(row[key])
        if value is not None:
            ax.axhline(value, color="tab:red", linestyle=style, linewidth=1)
            ax.annotate(
                f"{name}\n{value:+.2f} mm",
                (1.02, value),
                xycoords=("axes fraction", "data"),
                ha="left",
                va="center",
                fontsize=8,
                color="tab:red",
                annotation_clip=False,
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
    ax.set_xlabel(f"mean gap of {a} and {b} (mm, {row['plane']} plane)")
    ax.set_ylabel(f"{a} - {b} (mm)")
    ax.set_title(f"Bland-Altman, gap mm (n = {row['n']})", fontsize=10)


def bland_altman_figure(result: AgreementResult, row: dict[str, Any]) -> Any:
    """A matplotlib figure of one pair's Bland-Altman plot."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.8, 3.8), layout="constrained")
    draw_bland_altman(ax, result, row)
    return fig


def grids(result: AgreementResult, columns: int = 3) -> list[tuple[str, Any]]:
    """Few large figures for a report: per scheme its confusion matrices, then the
    Bland-Altman plots; one figure each (far faster to render than one per plot)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: list[tuple[str, list[Any]]] = []
    for scheme in dict.fromkeys(k[0] for k in result.confusion):
        keys = [k for k, m in result.confusion.items() if k[0] == scheme and m.to_numpy().sum()]
        groups.append((f"confusion {scheme}", keys))
    groups.append(("Bland-Altman", [r for r in result.gap_pairs.to_dict("records") if r["n"]]))
    out: list[tuple[str, Any]] = []
    for name, items in groups:
        if not items:
            continue
        ncols = min(columns, len(items))
        nrows = -(-len(items) // ncols)
        size = (3.4, 3.2) if name.startswith("confusion") else (4.6, 3.4)
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False
        )
        # A fixed layout (room right of each plot for the limit labels): the constrained
        # layout engine takes seconds on a grid this size.
        inch_w, inch_h = fig.get_size_inches()
        fig.subplots_adjust(
            left=0.75 / inch_w, right=1 - 0.9 / inch_w, bottom=0.6 / inch_h, top=1 - 0.4 / inch_h,
            wspace=0.55, hspace=0.5,
        )  # fmt: skip
        for ax, item in zip(axes.ravel(), items, strict=False):
            if isinstance(item, tuple):
                draw_confusion(ax, result.confusion[item], f"{item[0]}: {item[1]} vs {item[2]}")
            else:
                draw_bland_altman(ax, result, item)
        for ax in axes.ravel()[len(items) :]:
            ax.set_visible(False)
        out.append((name, fig))
    return out


def figures(result: AgreementResult) -> list[tuple[str, Any]]:
    """Every plot as ``(file stem, figure)``: confusion matrices, then Bland-Altman plots."""
    import matplotlib

    matplotlib.use("Agg")
    out: list[tuple[str, Any]] = []
    for (scheme, a, b), matrix in result.confusion.items():
        if int(matrix.to_numpy().sum()) == 0:
            continue
        name = f"confusion_{_slug(scheme)}_{_slug(a)}_vs_{_slug(b)}"
        out.append((name, confusion_figure(matrix, f"{scheme}: {a} vs {b}")))
    for row in result.gap_pairs.to_dict("records"):
        if row["n"] == 0:
            continue
        plane = "" if row["plane"] in ("patient", "unknown") else f"_{row['plane']}"
        name = f"bland_altman_{_slug(row['reader_a'])}_vs_{_slug(row['reader_b'])}{plane}"
        out.append((name, bland_altman_figure(result, row)))
    return out


def write_plots(result: AgreementResult, directory: str | Path) -> list[Path]:
    """Write PNG confusion matrices and Bland-Altman plots; return the files written."""
    import matplotlib.pyplot as plt

    from ho_annotate.files.atomic import atomic_path

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, fig in figures(result):
        path = out / f"{name}.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=100, format="png")
        plt.close(fig)
        written.append(path)
    return written
