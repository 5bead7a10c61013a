"""Published timings to compare against: the FPT thesis' Table 1 (seed 001).

720x1280 frames on a "GTX 1060 Ti" (no such card exists; we take the GTX 1060 6 GB, 4.4 TFLOPS
fp32 peak, and note the GTX 1070 Ti's 8.2 TFLOPS as the most generous reading).
"""

from __future__ import annotations

PAPER = "FPT thesis (Le & Bui), Table 1: 720x1280, GTX 1060 Ti"
PAPER_MS = {"lightweight": 15.23, "animegan": 45.53, "cartoongan": 148.02, "cyclegan": 106.82}
PAPER_PARAMS_M = {"lightweight": 1.48, "animegan": 3.96, "cartoongan": 11.38, "cyclegan": 11.13}
GPU_PEAK_TFLOPS = {"GTX 1060 6GB": 4.4, "GTX 1070 Ti": 8.2}


def required_tflops(gmacs: float, ms: float) -> float:
    """FLOP rate a model of ``gmacs`` needs to run in ``ms`` (2 FLOP per MAC)."""
    return 2 * gmacs / ms  # GFLOP / ms = TFLOP / s


def feasibility_note(name: str, gmacs: float) -> str | None:
    ms = PAPER_MS.get(name)
    if ms is None:
        return None
    need = required_tflops(gmacs, ms)
    best = max(GPU_PEAK_TFLOPS.values())
    if need > best:
        return (f"{name}: {ms} ms for {gmacs:.0f} GMAC needs {need:.1f} TFLOPS, above a GTX 1060's "
                f"{GPU_PEAK_TFLOPS['GTX 1060 6GB']} (and a 1070 Ti's {best}) fp32 peak")  # fmt: skip
    return None
