"""``agreement --report``: one self-contained HTML file a paper can use.

The study's parameters, the tool's version, every table with its 95 % intervals, the plots
embedded as PNG, and a methods paragraph (readers, hips, statistics, interval method with
resamples and seed, version, how gaps and grades were derived, how each reader's gaps came).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ho_annotate._version import __version__
from ho_annotate.agreement.compute import GRADE_STATS, AgreementResult
from ho_annotate.agreement.report import fmt, fmt_ci, grids
from ho_annotate.files.atomic import atomic_write

__all__ = ["gap_sources", "render_html", "write_html"]

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.88em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f0f0f0}td.t,th.t{text-align:left}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
.methods{background:#f8f8f4;padding:.8em 1.2em;border-left:4px solid #aa9}
figure{margin:.6em 0}img{max-width:100%}.note{color:#555;font-size:.9em}
"""


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], text_columns: int = 1) -> str:
    def cell(tag: str, i: int, value: Any) -> str:
        cls = ' class="t"' if i < text_columns else ""
        return f"<{tag}{cls}>{html.escape(str(value))}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _grade_tables(result: AgreementResult) -> str:
    parts = []
    rows = [
        [r["scheme"], f"{r['reader_a']} vs {r['reader_b']}", r["n"], r["not_read"], r["no_grade"]]
        + [fmt_ci(r, s, 1 if s == "percent_agreement" else 2) for s in GRADE_STATS]
        for r in result.pairs.to_dict("records")
    ]
    if rows:
        header = ["scheme", "readers", "n", "not read", "no grade", "agreement %", "kappa",
                  "kappa linear", "kappa quadratic"]  # fmt: skip
        parts.append("<h3>Between readers (Cohen)</h3>" + _table(header, rows, 2))
    rows = [
        [r["scheme"], f"{r['reader']} vs {r['standard']}", r["n"], r["not_read"], r["no_grade"]]
        + [fmt_ci(r, s, 1 if s == "accuracy" else 2) for s in ("accuracy", *GRADE_STATS[1:])]
        for r in result.standard.to_dict("records")
    ]
    if rows:
        header = ["scheme", "reader vs standard", "n", "not read", "no grade", "accuracy %",
                  "kappa", "kappa linear", "kappa quadratic"]  # fmt: skip
        parts.append("<h3>Each reader against the standard</h3>" + _table(header, rows, 2))
    rows = [
        [r["scheme"], r["readers"], r["n"], r["left_out"], fmt_ci(r, "kappa")]
        for r in result.fleiss.to_dict("records")
    ]
    if rows:
        header = ["scheme", "readers", "n", "left out", "Fleiss' kappa"]
        parts.append("<h3>All readers (Fleiss)</h3>" + _table(header, rows))
    rows = [
        [r["scheme"], r["reader"], f"{r['read_a']} vs {r['read_b']}", r["n"]]
        + [fmt_ci(r, s, 1 if s == "percent_agreement" else 2) for s in GRADE_STATS]
        for r in result.intra.to_dict("records")
    ]
    if rows:
        header = ["scheme", "reader", "reads", "n", "agreement %", "kappa", "kappa linear",
                  "kappa quadratic"]  # fmt: skip
        parts.append("<h3>Within readers (re-reads)</h3>" + _table(header, rows, 3))
    return "".join(parts)


def _gap_tables(result: AgreementResult) -> str:
    rows = [
        [r["plane"], f"{r['reader_a']} vs {r['reader_b']}", r["n"], r["left_out"],
         f"{fmt(r['icc'])} [{fmt(r['icc_low'])}, {fmt(r['icc_high'])}]", fmt_ci(r, "bias"),
         fmt_ci(r, "loa_low"), fmt_ci(r, "loa_high")]
        for r in result.gap_pairs.to_dict("records")
    ]  # fmt: skip
    out = ""
    if rows:
        header = ["plane", "pair", "n", "left out", "ICC(2,1)", "bias mm", "lower limit mm",
                  "upper limit mm"]  # fmt: skip
        out += _table(header, rows, 2)
    rows = [
        [r["plane"], f"{r['reader']} read {r['read_a']} vs {r['read_b']}", r["n"], r["left_out"],
         f"{fmt(r['icc'])} [{fmt(r['icc_low'])}, {fmt(r['icc_high'])}]", fmt_ci(r, "bias"),
         fmt_ci(r, "loa_low"), fmt_ci(r, "loa_high")]
        for r in result.intra_gaps.to_dict("records")
    ]  # fmt: skip
    if rows:
        header = ["plane", "re-read", "n", "left out", "ICC(2,1)", "bias mm", "lower limit mm",
                  "upper limit mm"]  # fmt: skip
        out += "<h3>Within readers (re-reads)</h3>" + _table(header, rows, 2)
    rows = [
        [g["plane"], g["readers"], g["n"], g["left_out"],
         f"{fmt(g['icc'])} [{fmt(g['icc_low'])}, {fmt(g['icc_high'])}]"]
        for g in result.gap_all.to_dict("records")
    ]  # fmt: skip
    if rows:
        out += _table(["plane", "readers", "n", "left out", "ICC(2,1), all readers"], rows)
    return out


def gap_sources(table: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per reader, how many graded hips' decisive gaps came from each source, from the first
    scheme's ``<scheme>__gap_source`` column: ``auto`` (the outlines), or the reader's line,
    counted by how it was made (``reader: snapped``, ``reader: manual``...) when the table has
    ``gap_line_made``; empty without a source column."""
    column = next((c for c in table.columns if str(c).endswith("__gap_source")), None)
    if column is None or "reader" not in table.columns:
        return {}
    graded = table.dropna(subset=[column])
    source = graded[column].astype(str)
    if "gap_line_made" in graded.columns:
        made = graded["gap_line_made"].where(graded["gap_line_made"].notna(), "unrecorded")
        source = source.where(source != "reader", "reader: " + made.astype(str))
    counts = graded.assign(_source=source).groupby(["reader", "_source"]).size()
    out: dict[str, dict[str, int]] = {}
    for (reader, name), n in counts.items():
        out.setdefault(str(reader), {})[str(name)] = int(n)
    return out


def _methods(result: AgreementResult, sources: dict[str, dict[str, int]]) -> str:
    p = result.parameters
    standards = (
        f" Each reader was compared with the standard"
        f" ({html.escape(', '.join(result.standards))}): accuracy"
        " (percent of hips graded as the standard) and the same kappas; the standard was left"
        " out of Fleiss' kappa."
        if result.standards
        else ""
    )
    boundary = (
        f" The II/III boundary subgroup holds the hips whose {html.escape(p['boundary_standard'])}"
        " gap lies"
        f" within {p['boundary_mm']:g} mm of 10 mm (selected on the standard, never on the"
        " compared readers' values)."
        if p.get("boundary_standard")
        else ""
    )
    made = "; ".join(
        f"{r}: " + ", ".join(f"{n} {s}" for s, n in sorted(c.items())) for r, c in sources.items()
    )
    made_text = (
        " Decisive gaps per reader by source (the outlines, or the reader's line snapped to the"
        f" bone edges or placed by hand): {html.escape(made)}."
        if made
        else ""
    )
    return (
        f"{len(result.readers)} readers ({html.escape(', '.join(result.readers))})"
        f" graded {result.hips} hips"
        f" ({p.get('clusters', '?')} clusters by {p.get('cluster', '?')}) with ho-annotate"
        f" {__version__}, which measures each gap in millimetres between the reader's opposing"
        " bone surfaces (a reader's gap line decides; otherwise the narrowest gap between the"
        " outlines), reports it to 0.1 mm rounded half up and grades Brooker and Della Valle"
        " against 10 mm, taking the pixel spacing's calibration into account."
        " Agreement on grades between readers was measured with Cohen's kappa, unweighted and"
        " with linear and quadratic weights over the ordered grades, and with Fleiss' kappa over"
        f" all readers; a reader's first read was used between readers and later reads for"
        f" intra-reader agreement.{standards} Gaps were compared per plane (patient-plane gaps"
        " only together; detector-plane ones separately) with ICC(2,1), two-way random effects,"
        " absolute agreement, single rater (Shrout &amp; Fleiss 1979), with its analytic 95 %"
        " interval (McGraw &amp; Wong 1996), and Bland-Altman bias and 95 % limits of"
        f" agreement.{boundary} 95 % confidence intervals of every other statistic are"
        f" percentile intervals of a seeded bootstrap ({p.get('resamples')} resamples, seed"
        f" {p.get('seed')}) that resamples whole clusters ({p.get('cluster')}), since hips of"
        f" one patient are not independent.{made_text}"
    )


def _figures(result: AgreementResult) -> str:
    import matplotlib.pyplot as plt

    parts = []
    for name, fig in grids(result):
        buffer = io.BytesIO()
        fig.savefig(buffer, dpi=80, format="png")
        plt.close(fig)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        parts.append(
            f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{data}"></figure>'
        )
    return "".join(parts)


def render_html(
    result: AgreementResult, *, source: str = "", table: pd.DataFrame | None = None
) -> str:
    """The report as one HTML document (no external files, scripts or fonts)."""
    p = result.parameters
    sources = gap_sources(table) if table is not None else {}
    params: list[list[Any]] = [
        ["results table", source or "-"],
        ["ho-annotate version", __version__],
        ["readers", ", ".join(result.readers)],
        ["standards", ", ".join(result.standards) or "none"],
        ["hips", result.hips],
        ["rows with errors left out", result.error_rows],
        ["hips no reader could assess, left out", p.get("hips_not_assessable", 0)],
        ["schemes", ", ".join(p.get("schemes", []))],
        ["bootstrap", f"{p.get('resamples')} resamples, seed {p.get('seed')}, "
                      f"{p.get('clusters')} clusters by {p.get('cluster')}"],
        ["II/III boundary", f"{p.get('boundary_standard') or 'no standard'} gap within "
                            f"{p.get('boundary_mm', 0):g} mm of 10 mm"],
    ]  # fmt: skip
    subgroups = "".join(
        f"<h3>{html.escape(s.column)} = {html.escape(s.value)} ({s.result.hips} hips)</h3>"
        + _grade_tables(s.result)
        for s in result.subgroups
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Reader agreement: ho-annotate {html.escape(__version__)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Reader agreement on heterotopic ossification grades and gaps</h1>"
        '<p class="note">ho-annotate is for research and education only, not a medical device.'
        " Intervals in brackets are 95 % confidence intervals.</p>"
        "<h2>Study</h2>" + _table(["parameter", "value"], params, 2)
        + f'<h2>Methods</h2><p class="methods">{_methods(result, sources)}</p>'
        + "<h2>Grades</h2>" + _grade_tables(result)
        + "<h2>Gap in mm</h2>" + _gap_tables(result)
        + ("<h2>Subgroups</h2>" + subgroups if subgroups else "")
        + "<h2>Plots</h2>" + _figures(result)
        + "</body></html>\n"
    )  # fmt: skip


def write_html(
    result: AgreementResult,
    path: str | Path,
    *,
    source: str = "",
    table: pd.DataFrame | None = None,
) -> Path:
    """Write :func:`render_html` to ``path`` atomically; return the path."""
    path = Path(path)
    atomic_write(path, render_html(result, source=source, table=table).encode("utf-8"))
    return path
