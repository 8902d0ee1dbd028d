"""Helpers for the plugin tests: real DX files and an isolated user folder.

Test modules wrap these in fixtures of their own (no conftest here, so the shared root
``conftest`` stays the only module of that name).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import write_dx

READER = "tester"


def isolate_user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings and sample annotations go to a temporary folder, reader name ``tester``."""
    folder = tmp_path / "user"
    folder.mkdir()
    (folder / "settings.json").write_text(json.dumps({"reader": READER}), "utf-8")
    monkeypatch.setenv("HO_ANNOTATE_USER_DIR", str(folder))
    return folder


def pelvis_like(
    rows: int = 200, cols: int = 260, head: tuple[int, int, int] = (100, 70, 20)
) -> np.ndarray:
    """A small 12-bit image with a bright disc (a metal head, centre and radius in pixels)."""
    rr, cc = np.mgrid[:rows, :cols]
    img = 800 + (rr % 7) * 3
    img[(rr - head[0]) ** 2 + (cc - head[1]) ** 2 < head[2] ** 2] = 3800
    return img.astype(np.uint16)


def write_radiograph(
    tmp_path: Path, name: str = "hip_0001.dcm", pixels: np.ndarray | None = None, **attrs: object
) -> Path:
    """A DX file with fiducial-calibrated spacing 0.2 mm and a patient name to keep hidden."""
    fields: dict[str, object] = {
        "PixelSpacing": [0.2, 0.2],
        "PixelSpacingCalibrationType": "FIDUCIAL",
        "PatientOrientation": ["L", "F"],
        "WindowCenter": 2000,
        "WindowWidth": 3000,
        **attrs,
    }
    return write_dx(tmp_path / name, pelvis_like() if pixels is None else pixels, **fields)
