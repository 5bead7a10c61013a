"""OpenVINO as a second CPU engine (``--backend openvino``; ``pip install '.[openvino]'``).

It reads the same ONNX file. Where the CPU has bf16 matrix units (Intel AMX, AVX512-BF16) it
runs in bf16 - several times faster than fp32 there - but only after a probe frame came back
within 40 dB PSNR of the fp32 answer; otherwise fp32. A compiled model is kept per input shape
(a video has one frame size, so it compiles once).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from vidanime.errors import VidanimeError

log = logging.getLogger(__name__)

BF16_MIN_PSNR = 40.0


def available() -> bool:
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


def psnr(a: np.ndarray, b: np.ndarray, value_range: float) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(value_range**2 / mse)


class OpenVINORunner:
    """``run(batch)`` with OpenVINO on the CPU, at ``precision`` (bf16 or fp32)."""

    def __init__(self, model_path: Path, threads: int, precision: str) -> None:
        import openvino as ov

        self._ov = ov
        self.core = ov.Core()
        try:
            self.model = self.core.read_model(str(model_path))
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError for most things
            raise VidanimeError(f"OpenVINO cannot read {model_path.name}: {str(exc).splitlines()[0]}") from exc
        self.threads = threads
        self.precision = precision
        self._compiled: dict[tuple[int, ...], Any] = {}

    def _request(self, shape: tuple[int, ...]) -> Any:
        if shape not in self._compiled:
            model = self.model.clone()
            model.reshape({model.inputs[0]: list(shape)})
            config = {
                "PERFORMANCE_HINT": "LATENCY",
                "INFERENCE_NUM_THREADS": self.threads,
                "INFERENCE_PRECISION_HINT": "bf16" if self.precision == "bf16" else "f32",
            }
            self._compiled[shape] = self.core.compile_model(model, "CPU", config).create_infer_request()
        return self._compiled[shape]

    def run(self, batch: np.ndarray) -> np.ndarray:
        request = self._request(tuple(batch.shape))
        return np.asarray(request.infer({0: np.ascontiguousarray(batch)})[0])


def make_runner(model_path: Path, threads: int, reference: Any, probe: np.ndarray, value_range: float, want_bf16: bool) -> tuple[OpenVINORunner, str]:
    """An OpenVINO runner, bf16 when asked for and the probe agrees with ``reference(probe)``
    (fp32, ONNX Runtime) to ``BF16_MIN_PSNR``; returns (runner, why the precision was chosen)."""
    fp32 = OpenVINORunner(model_path, threads, "fp32")
    if not want_bf16:
        return fp32, "fp32 (no bf16 units on this CPU)"
    bf16 = OpenVINORunner(model_path, threads, "bf16")
    expected = reference(probe)
    score = psnr(bf16.run(probe), expected, value_range)
    if score >= BF16_MIN_PSNR:
        return bf16, f"bf16 (probe {score:.1f} dB against fp32)"
    log.warning("bf16 probe only %.1f dB against fp32: running in fp32", score)
    return fp32, f"fp32 (bf16 probe {score:.1f} dB < {BF16_MIN_PSNR:g})"
