"""A PNG of a radiograph with the annotations and grades drawn on it (matplotlib, headless).

Shows islands, spurs, bridges and bone outlines, the decisive gap line with its length, the
grade of each hip, R/L markers and a scale bar in mm (labelled with what the mm rest on).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ho_annotate.annotations.model import POLYGON_KINDS, AnnotationSet, Item, Side
from ho_annotate.dicom.sides import assign_sides
from ho_annotate.grading.registry import get_scheme

if TYPE_CHECKING:
    from ho_annotate.dicom.radiograph import Radiograph
    from ho_annotate.grading import GradeReport

COLOURS = {
    "island": "#ffd400",
    "spur_pelvis": "#ff7a00",
    "spur_femur": "#ff3d6e",
    "bridge": "#d45cff",
    "bone": "#4fc3f7",
    "gap": "#39ff14",
}
_SCALE_BARS_MM = (100.0, 50.0, 20.0, 10.0)
_CAPTION_PT = 8.5
_CAPTION_LINE_IN = _CAPTION_PT * 1.3 / 72


def _wrap(text: str, width_in: float) -> list[str]:
    """Lines that fit the figure width (an average glyph is about 0.55 em wide)."""
    import textwrap

    chars = max(int(width_in * 72 / (_CAPTION_PT * 0.55)) - 4, 20)
    return textwrap.wrap(text, chars)


def _colour(item: Item) -> str:
    if item.kind == "spur":
        return COLOURS["spur_pelvis" if item.origin == "pelvis" else "spur_femur"]
    return COLOURS.get(item.kind, "#ffffff")


def _side_text(side: Side, reports: list[GradeReport]) -> str:
    lines = [f"{side.upper()} hip"]
    first = reports[0].sides[side]
    if first.status == "not assessable":
        return lines[0] + "\nnot in the image"
    grades = []
    for report in reports:
        res = report.sides[side]
        name = get_scheme(report.scheme).label
        grades.append(f"{name} {res.grade if res.grade is not None else '—'}")
    lines.append("  ·  ".join(grades))
    if first.gap_mm is not None:
        kind = first.spacing_kind or "px"
        lines.append(f"gap {first.gap_mm:.1f} mm ({kind})")
    if first.borderline:
        lines.append("borderline: check the gap")
    if first.grade is None and first.needs:
        lines.append("needs: " + ", ".join(n.code for n in first.needs))
    return "\n".join(lines)


def _scale_bar(ax: Any, rad: Radiograph, spacing_kind: str | None) -> None:
    rows, cols = rad.pixels.shape
    spacing = rad.spacing
    if spacing is None:
        ax.text(
            0.02 * cols, 0.97 * rows, "no pixel spacing: lengths in pixels only",
            color="white", fontsize=8, va="bottom",
        )  # fmt: skip
        return
    mm = next((m for m in _SCALE_BARS_MM if m / spacing.col_mm <= 0.3 * cols), 10.0)
    length = mm / spacing.col_mm
    x0, y0 = 0.03 * cols, 0.93 * rows
    ax.plot([x0, x0 + length], [y0, y0], color="white", lw=3, solid_capstyle="butt")
    where = {
        "detector": " at the detector",
        "unknown": " (meaning unknown)",
        "estimated": " (estimated)",
        "manual": " (manual calibration)",
    }.get(spacing_kind or "", "")
    ax.text(x0, y0 - 0.012 * rows, f"{mm:g} mm{where}", color="white", fontsize=8, va="bottom")


def render_overlay(
    rad: Radiograph,
    aset: AnnotationSet,
    reports: list[GradeReport],
    path: str | Path,
    *,
    title: str | None = None,
    width_in: float = 8.0,
) -> Path:
    """Draw ``aset`` and the grades in ``reports`` (first one decides the gap) onto ``rad``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    pixels = np.asarray(rad.pixels, dtype=np.float32)
    rows, cols = pixels.shape
    centre, width = rad.window
    caption = _wrap(title, width_in) if title else []
    image_h = width_in * rows / cols
    strip_h = (len(caption) * _CAPTION_LINE_IN + 0.12) if caption else 0.0
    fig = Figure(figsize=(width_in, image_h + strip_h), dpi=110)
    fig_h = image_h + strip_h
    ax = fig.add_axes((0.0, strip_h / fig_h, 1.0, image_h / fig_h))
    ax.imshow(
        pixels, cmap="gray", vmin=centre - width / 2, vmax=centre + width / 2,
        interpolation="antialiased",
    )  # fmt: skip
    ax.set_axis_off()
    for item in aset.items:
        pts = np.asarray(item.points, dtype=float)
        if item.kind in POLYGON_KINDS and len(pts) >= 3:
            closed = np.vstack([pts, pts[:1]])
            style: dict[str, Any] = {"color": _colour(item), "lw": 1.4}
            if item.kind == "bone":
                style.update(lw=0.6, alpha=0.35, ls="--")
            ax.plot(closed[:, 1], closed[:, 0], **style)
    assignment = assign_sides(rad)
    for side in ("right", "left"):
        res = reports[0].sides[side]  # type: ignore[index]
        if res.decisive is not None:
            (r0, c0), (r1, c1) = res.decisive.points
            ax.plot([c0, c1], [r0, r1], color=COLOURS["gap"], lw=2.0, marker="o", ms=3)
            label = f"{res.gap_mm:.1f} mm" if res.gap_mm is not None else "gap"
            ax.annotate(
                label, (c1, r1), xytext=(8, 8), textcoords="offset points",
                color=COLOURS["gap"], fontsize=9, fontweight="bold",
                bbox={"facecolor": "black", "alpha": 0.55, "edgecolor": "none", "pad": 1.5},
            )  # fmt: skip
    for side in ("right", "left"):
        if assignment.single is not None and side != assignment.single:
            continue
        on_left = side == "right"
        if assignment.mirrored:
            on_left = not on_left
        if assignment.single is not None:
            on_left = True
        x = 0.03 * cols if on_left else 0.97 * cols
        ax.text(
            x, 0.03 * rows, _side_text(side, reports),  # type: ignore[arg-type]
            color="white", fontsize=9, va="top", ha="left" if on_left else "right",
            bbox={"facecolor": "black", "alpha": 0.6, "edgecolor": "none", "pad": 4},
        )  # fmt: skip
    markers = (
        [("L" if assignment.single == "left" else "R", 0.92)]
        if assignment.single is not None
        else [("L", 0.08), ("R", 0.92)]
        if assignment.mirrored
        else [("R", 0.08), ("L", 0.92)]
    )
    for letter, fx in markers:
        ax.text(
            fx * cols, 0.2 * rows, letter, color="white", fontsize=20, fontweight="bold",
            ha="center", alpha=0.85,
        )  # fmt: skip
    _scale_bar(ax, rad, reports[0].spacing_kind)
    if caption:
        # A strip of its own below the image, so the caption never covers or loses anything.
        fig.text(
            0.5, (strip_h - 0.06) / fig_h, "\n".join(caption), color="#dddddd",
            fontsize=_CAPTION_PT, ha="center", va="top", linespacing=1.3,
        )  # fmt: skip
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    from ho_annotate.files.atomic import atomic_path

    with atomic_path(out) as tmp:  # a full disk leaves no half PNG behind
        fig.savefig(tmp, facecolor="black", format=out.suffix.lstrip(".").lower() or "png")
    return out
