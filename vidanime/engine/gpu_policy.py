"""What the CUDA path chooses by itself: the batch size, the fp16 graph, and whether ``--device auto``
keeps the GPU at all.

The tables below are the policy. They are **first estimates, not measurements**: no run of this
project has had an NVIDIA GPU yet. ``lab/check/gpu.py`` times every bundled style at batch 1 / 4 /
8 / 16 and 720p / 1080p / 2160p on a real GPU and writes, in ``docs/gpu.json``'s ``policy`` section,
the best batch it measured for each frame size next to what this table picks, and the fp16 PSNR of
each style against CPU fp32: copy those figures here (docs/gpu.md, "Updating the policy").

* **Batch size** (``--batch-size`` not given, the model on CUDA): by the frame size the model works
  at (after ``--quality`` / ``--resolution``), the first row of ``CUDA_BATCH`` whose megapixel limit
  the frame fits. Larger frames fill the GPU with fewer frames per call, and a batch of 4K frames
  must stay within a few GB of GPU memory. On the CPU the batch stays 1 (``CPU_BATCH``): the CPU
  engines reach full speed on one frame and more only add latency and memory.
* **fp16**: on CUDA a style's ``NAME.fp16.onnx`` is used whenever it was exported, unless the style's
  name is in ``FP16_OFF`` (its fp16 output was measured below ``FP16_MIN_PSNR_DB`` against CPU fp32).
* **--device auto** uses CUDA only when it is at least as fast as the CPU path: when the CUDA
  provider starts, the model is timed on both on one ``PROBE_SIZE`` frame (a few runs each, about a
  second once per model load, only on machines with an NVIDIA driver) and the faster one is kept. A
  weak GPU beside a strong CPU, or a graph whose operators fall back to the CPU inside the CUDA
  session, then stays on the CPU path. ``--device cuda`` always means CUDA.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, Callable

import numpy as np

log = logging.getLogger(__name__)

# (largest processing frame in megapixels, frames per batch): the first row the frame fits.
#   640x360 = 0.23 MP, 1280x720 = 0.92, 1440x810 (1080p at --quality balanced, auto's choice) = 1.17,
#   1920x1080 = 2.07, 2880x1620 (2160p balanced) = 4.67, 3840x2160 = 8.29.
CUDA_BATCH: tuple[tuple[float, int], ...] = (
    (0.25, 16),
    (1.0, 8),
    (2.2, 4),
    (4.7, 2),
    (math.inf, 1),
)
CPU_BATCH = 1
# Styles (by name: the model file's stem) whose fp16 graph must not be used on CUDA.
FP16_OFF: frozenset[str] = frozenset()
FP16_MIN_PSNR_DB = 40.0  # the gate an fp16 graph must pass against CPU fp32 (the same as bf16 / int8 on the CPU)
# --device auto: the frame (height, width) both devices are timed on, and the timed runs per device.
PROBE_SIZE = (360, 640)
PROBE_RUNS = 2


def cuda_batch(height: int, width: int) -> int:
    """Frames per CUDA call for frames the model works on at ``height`` x ``width``."""
    megapixels = height * width / 1e6
    return next(batch for limit, batch in CUDA_BATCH if megapixels <= limit)


def batch_size(device: str, height: int, width: int) -> int:
    """The policy's batch for a model on ``device`` ("cpu" / "cuda") at this working size."""
    return cuda_batch(height, width) if device == "cuda" else CPU_BATCH


def batch_chooser(device: str, processing_size: Callable[[int, int], tuple[int, int]]) -> Callable[[int, int], int] | None:
    """For ``convert``: frame size -> batch, through the stylizer's processing size; None on the CPU
    (its batch is fixed)."""
    if device != "cuda":
        return None
    return lambda height, width: cuda_batch(*processing_size(height, width))


def use_fp16(style_name: str) -> bool:
    """Whether CUDA may run this style's fp16 graph (when it has one)."""
    return style_name not in FP16_OFF


def ms_per_frame(run: Callable[[np.ndarray], Any], batch: np.ndarray, runs: int = PROBE_RUNS, clock: Callable[[], float] = time.perf_counter) -> float:
    """One warm-up run (allocation, kernel choice), then the best of ``runs``, per frame."""
    run(batch)
    best = math.inf
    for _ in range(runs):
        t0 = clock()
        run(batch)
        best = min(best, clock() - t0)
    return 1000 * best / batch.shape[0]


def probe_batch(contract: Any, frames: int) -> np.ndarray:
    """``frames`` probe pictures at ``PROBE_SIZE`` (or the graph's fixed size) in the model's input form."""
    from vidanime.engine.probe import probe_image
    from vidanime.engine.stylizer import to_model_input

    h, w = contract.fixed_size or PROBE_SIZE
    m = 1 if contract.fixed_size else contract.size_multiple
    h, w = max(m, h // m * m), max(m, w // m * m)
    return to_model_input(np.repeat(probe_image(h, w), frames, axis=0), contract)


def keep_faster(cuda_engine: Any, open_cpu: Callable[[], Any], timer: Callable[[Callable[[np.ndarray], Any], np.ndarray], float] = ms_per_frame) -> Any:
    """``--device auto`` with a working CUDA provider: the CUDA engine, unless the CPU path (as
    ``open_cpu`` opens it: OpenVINO, int8 ...) is faster per frame on the probe, each at its own
    policy batch. Any failure of the comparison keeps CUDA (what auto did before)."""
    c = cuda_engine.contract
    h, w = c.fixed_size or PROBE_SIZE
    try:
        gpu_ms = timer(cuda_engine.run, probe_batch(c, 1 if c.batch_fixed else cuda_batch(h, w)))
        cpu_engine = open_cpu()
        cpu_ms = timer(cpu_engine.run, probe_batch(cpu_engine.contract, CPU_BATCH))
    except Exception as exc:  # noqa: BLE001 - the probe is an optimisation, never a new failure
        log.info("--device auto: could not compare CUDA with the CPU (%s); using CUDA", exc)
        return cuda_engine
    if cpu_ms < gpu_ms:
        log.info("--device auto: the CPU (%.1f ms/frame) is faster than CUDA (%.1f ms/frame) here: using the CPU", cpu_ms, gpu_ms)
        return cpu_engine
    log.info("--device auto: CUDA %.1f ms/frame, CPU %.1f ms/frame: using CUDA", gpu_ms, cpu_ms)
    return cuda_engine
