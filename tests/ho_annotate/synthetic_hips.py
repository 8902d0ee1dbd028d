"""Synthetic hip radiographs drawn with numpy for the prosthetic-head tests (bone bright, 12 bit).

``hip_image`` draws soft tissue, pelvis and femur shapes and optionally a total hip: a metal head
of exactly known radius (a sphere's projected thickness, saturating), the neck and stem, and a
metal cup shell around a lucent liner. Blur and noise follow.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

FloatArray = np.ndarray
HEAD_MU = 25.0


def _grid(shape: tuple[int, int]) -> tuple[FloatArray, FloatArray]:
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    return rows, cols


def _disc(rows: FloatArray, cols: FloatArray, center: tuple[float, float], r: float) -> FloatArray:
    """Anti-aliased disc coverage (0..1)."""
    dist = np.hypot(rows - center[0], cols - center[1])
    return np.clip(r - dist + 0.5, 0.0, 1.0)


def _bar(
    rows: FloatArray,
    cols: FloatArray,
    start: tuple[float, float],
    angle: float,
    length: float,
    width0: float,
    width1: float,
) -> FloatArray:
    """A tapered bar from ``start`` along ``angle`` (radians, 0 = down the rows)."""
    dr, dc = np.cos(angle), np.sin(angle)
    along = (rows - start[0]) * dr + (cols - start[1]) * dc
    across = -(rows - start[0]) * dc + (cols - start[1]) * dr
    half = (width0 + (width1 - width0) * np.clip(along / length, 0, 1)) / 2
    inside = (along >= 0) & (along <= length)
    return np.where(inside, np.clip(half - np.abs(across) + 0.5, 0, 1), 0.0)


def anatomy(shape: tuple[int, int], rng: np.random.Generator, *, native_heads: bool) -> FloatArray:
    """Soft tissue, pelvis and femora; ``native_heads`` draws bony (non-metal) femoral heads."""
    rows, cols = _grid(shape)
    h, w = shape
    img = 700 + 300 * rng.random() * rows / h + 200 * rng.random() * cols / w
    coarse = rng.normal(0, 1, (6, 6))
    lowfreq = ndimage.zoom(coarse, (shape[0] / 6, shape[1] / 6), order=3)[: shape[0], : shape[1]]
    img[: lowfreq.shape[0], : lowfreq.shape[1]] += 150 * lowfreq / (np.abs(lowfreq).max() + 1e-9)
    bone = 700 + 300 * rng.random()
    # pelvis: two iliac wings as broad ellipses, pubic rami as bars
    for side in (-1, 1):
        cc = w / 2 + side * w * rng.uniform(0.22, 0.3)
        rr = h * rng.uniform(0.15, 0.25)
        ell = ((rows - rr) / (h * 0.18)) ** 2 + ((cols - cc) / (w * 0.17)) ** 2 <= 1
        img += bone * 0.6 * ndimage.gaussian_filter(ell.astype(float), 2)
        img += bone * 0.7 * _bar(rows, cols, (h * 0.45, cc), side * 1.2, w * 0.2, 25, 18)
        head_c = (h * rng.uniform(0.42, 0.5), cc + side * w * 0.02)
        shaft_angle = -side * rng.uniform(0.1, 0.25)
        img += bone * 0.9 * _bar(rows, cols, (head_c[0] + 40, head_c[1]), shaft_angle, h, 70, 55)
        if native_heads:
            radius = rng.uniform(55, 85)
            texture = ndimage.gaussian_filter(rng.normal(0, 1, shape), 2.5)
            head = _disc(rows, cols, head_c, radius)
            img += head * (bone * 0.9 + 120 * texture / (texture.std() + 1e-9))
    return img


def hip_image(
    shape: tuple[int, int] = (560, 520),
    *,
    head_radius: float = 53.7,
    seed: int = 0,
    cup: str = "gap",
    noise: float = 25.0,
    blur: float = 1.2,
    prosthesis: bool = True,
    native_heads: bool = False,
) -> tuple[np.ndarray, tuple[float, float]]:
    """A 12-bit bone-bright image and the true head centre; ``cup``: gap | touching | none."""
    rng = np.random.default_rng(seed)
    rows, cols = _grid(shape)
    img = anatomy(shape, rng, native_heads=native_heads)
    h, w = shape
    center = (h * rng.uniform(0.38, 0.46) + rng.random(), w * rng.uniform(0.3, 0.4) + rng.random())
    if prosthesis:
        r = head_radius
        rho = np.hypot(rows - center[0], cols - center[1])
        thickness = np.sqrt(np.clip(1 - (rho / r) ** 2, 0, 1))
        head = (1 - np.exp(-HEAD_MU * thickness)) * _disc(rows, cols, center, r)
        axis = rng.uniform(-0.35, -0.15)  # neck and stem run down and toward the image's left
        neck = _bar(rows, cols, center, axis - 0.6, 2.0 * r, 0.5 * r, 0.6 * r)
        tip = (center[0] + 1.7 * r * np.cos(axis - 0.6), center[1] + 1.7 * r * np.sin(axis - 0.6))
        stem = _bar(rows, cols, tip, axis, 6 * r, 0.9 * r, 0.35 * r)
        metal = np.maximum(head, np.maximum(neck, stem))
        if cup != "none":
            inner = r * (1.22 if cup == "gap" else 1.03)
            outer = inner + 0.12 * r
            ang = np.arctan2(-(rows - center[0]), cols - center[1])  # up is positive
            tilt = rng.uniform(0.5, 0.9)
            upper = np.cos(ang - np.pi / 2 + tilt - 0.7) > 0
            shell = (_disc(rows, cols, center, outer) - _disc(rows, cols, center, inner)) * upper
            metal = np.maximum(metal, 0.55 * shell)
        img = img + metal * (3900 - img)
    img = ndimage.gaussian_filter(img, blur)
    img = img + rng.normal(0, noise, shape)
    return np.clip(np.round(img), 0, 4095).astype(np.uint16), center
