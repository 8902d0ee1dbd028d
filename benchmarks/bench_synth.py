"""Benchmark: synthetic radiographs per second, as a ratio to a fixed amount of filtering.

Times ``write_case`` (in process, DICOM and sidecar written) for default 1000 x 1200 designs,
a new seed each run, interleaved with the baseline ``scipy.ndimage.gaussian_filter`` of a
float32 1000 x 1200 array with sigma 8, so the ratio compares across machines and survives
other load on a shared one. The CPU-time ratio (process time of both) is steadier still when
other work shares the machine. Two designs: the default (Brooker 0 on both hips) and a busier
one (spurs and a hip replacement on the left, islands on the right). Also the end-to-end time
of a 4-case practice set (what ``ho-annotate practice --synthetic 4`` does before it opens).

Goal (issue 18): <= 0.3 s per default case on this project's 2-core machines.

Run:  .venv/bin/python benchmarks/bench_synth.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import ndimage

from ho_annotate.practice.synthetic import generate_synthetic_set
from ho_annotate.synth import CaseDesign, SideDesign, write_case


def _timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _cpu(func: Callable[[], object]) -> float:
    start = time.process_time()
    func()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    field = np.random.default_rng(0).normal(size=(1000, 1200)).astype(np.float32)

    def baseline() -> None:
        ndimage.gaussian_filter(field, 8.0)

    designs = {
        "default": lambda seed: CaseDesign(seed=seed),
        "busy": lambda seed: CaseDesign(
            left=SideDesign(grade="III", prosthesis_mm=32.0),
            right=SideDesign(grade="I"),
            seed=seed,
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        write_case(CaseDesign(seed=999), out, "warm")  # imports, caches
        baseline()
        for name, make in designs.items():
            ratios, seconds, base, cpu_ratios = [], [], [], []
            for seed in range(args.repeats):
                b = _timed(baseline)
                t = _timed(lambda: write_case(make(seed), out, f"{name}{seed}"))  # noqa: B023
                b = min(b, _timed(baseline))
                ratios.append(t / b)
                seconds.append(t)
                base.append(b)
                c = _cpu(lambda: write_case(make(seed), out, f"{name}{seed}"))  # noqa: B023
                cpu_ratios.append(c / min(_cpu(baseline), _cpu(baseline)))
            print(
                f"write_case {name:8s} {statistics.median(seconds):6.3f} s per case, "
                f"baseline {statistics.median(base) * 1e3:5.1f} ms, "
                f"ratio {statistics.median(ratios):6.2f} (min {min(ratios):.2f}); "
                f"CPU-time ratio {statistics.median(cpu_ratios):6.2f}"
            )
        b = min(_timed(baseline) for _ in range(3))
        t = _timed(lambda: generate_synthetic_set(out / "set", 4, seed=1))
        b = min([b, *(_timed(baseline) for _ in range(3))])
        print(f"practice set of 4 {t:6.2f} s, ratio {t / b:6.1f} to the baseline")


if __name__ == "__main__":
    main()
