"""Model-only latency: warm-up, then the median and spread of N timed runs on one frame size."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Latency:
    median_ms: float
    p10_ms: float
    p90_ms: float
    runs: int
    provider: str


def time_model(path: Path, height: int, width: int, device: str = "cpu", runs: int = 10, warmup: int = 2, threads: int | None = None, backend: str = "onnxruntime") -> Latency:
    """One batch-1 frame of random content (ranges do not change the speed of these graphs)."""
    from vidanime.engine.session import open_session

    engine = open_session(path, device, threads, backend)
    c = engine.contract
    shape = (1, 3, height, width) if c.layout == "NCHW" else (1, height, width, 3)
    x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float16 if c.input_dtype == "float16" else np.float32)
    for _ in range(warmup):  # first runs allocate and pick kernels for this size
        engine.run(x)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        engine.run(x)
        times.append((time.perf_counter() - t0) * 1000)
    # inclusive: deciles between the fastest and slowest run (the default extrapolates past them,
    # which gave a negative p10 from three runs on a loaded machine)
    q = statistics.quantiles(times, n=10, method="inclusive") if len(times) >= 2 else [times[0]] * 9
    provider = engine.session.get_providers()[0] if engine.backend == "onnxruntime" else f"{engine.backend} {engine.precision}"
    return Latency(statistics.median(times), q[0], q[-1], runs, provider)
