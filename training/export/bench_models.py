"""What ``vidanime benchmark`` takes from the training kit when it is installed: the registry's
generators exported for timing (random weights: they do not change the speed), and its int8 step.
The benchmark itself (``vidanime.bench``) never imports the kit; the CLI hands these to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from training.export.onnx import export_generator
from training.export.quantize import calibration_crops, quantize_int8
from training.models.layers import count_params
from training.models.registry import generator_names, get_arch


def export_registry_generators(names: list[str] | None, folder: Path) -> list[tuple[str, Path, int]]:
    """(name, ONNX file, parameters) for registry generators at random init, exported once into
    ``folder``; all of them when ``names`` is None."""
    found = []
    for name in names if names is not None else generator_names():
        path = folder / f"{name}.onnx"
        if not path.exists():
            export_generator(name, path, overwrite=True)
        found.append((name, path, count_params(get_arch(name).build())))
    return found


def quantize_for_benchmark(model: Path, target: Path, contract: Any, images: list[np.ndarray], quick: bool) -> float:
    """The benchmark's int8 step: static QDQ calibrated on random crops; returns PSNR vs fp32."""
    return quantize_int8(model, target, contract, calibration_crops(images, 256, 8 if quick else 16)).psnr_vs_fp32
