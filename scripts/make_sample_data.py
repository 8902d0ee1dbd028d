"""Regenerate sample_data/: every sample radiograph, its reference sidecar, and cases.csv.

Usage: python scripts/make_sample_data.py [OUT_DIR]   (default: sample_data/ at the repo root)

cases.csv comes from the designs and the spacing rules (ho_annotate.synth.truth), never from
the grading engine, so `ho-annotate grade` can be checked against it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ho_annotate.samples.bundled import write_cases_csv
from ho_annotate.synth import write_case
from ho_annotate.synth.catalog import SAMPLE_CASES

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "sample_data"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for case in SAMPLE_CASES:
        # Replaces only cases synth made earlier (write_case checks the header), never others.
        result = write_case(case.design, out, case.name, overwrite=True)
        written.append(result)
        size = result.image.stat().st_size / 1e6
        print(f"{result.image.name:36s} {size:5.2f} MB  {case.title}")
    csv_path = write_cases_csv(written, out / "cases.csv")
    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file()) / 1e6
    print(f"wrote {len(written)} cases and {csv_path.name} to {out} ({total:.1f} MB in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
