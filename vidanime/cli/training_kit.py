"""What the commands that need the PyTorch training kit share: the check that it is installed,
and the registry generators exported for the benchmark (so ``vidanime.bench`` never imports it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from vidanime.errors import VidanimeError


def require_training() -> None:
    """The training kit needs torch; say how to get it instead of an ImportError."""
    try:
        import onnx  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        raise VidanimeError(
            f"this command needs the training kit ({exc.name} is missing): "
            "pip install torch==2.13.0 'vidanime[train]' (or your CUDA build of torch first)"
        ) from exc


def training_kit_available() -> bool:
    try:
        require_training()
    except VidanimeError:
        return False
    return True


def export_registry_generators(names: list[str] | None, folder: Path) -> list[tuple[str, Path, int]]:
    """(name, ONNX file, parameters) for registry generators at random init (weights do not change
    the speed), exported once into ``folder``; all of them when ``names`` is None."""
    from training.export.onnx import export_generator
    from training.models.layers import count_params
    from training.models.registry import generator_names, get_arch

    found = []
    for name in names if names is not None else generator_names():
        path = folder / f"{name}.onnx"
        if not path.exists():
            export_generator(name, path, overwrite=True)
        found.append((name, path, count_params(get_arch(name).build())))
    return found


def int8_quantizer() -> "Callable[[Path, Path, Any, list[np.ndarray], bool], float]":
    """The benchmark's int8 step: static QDQ calibrated on random crops; returns PSNR vs fp32."""
    from training.export.quantize import calibration_crops, quantize_int8

    def quantize(model: Path, target: Path, contract: Any, images: list[np.ndarray], quick: bool) -> float:
        return quantize_int8(model, target, contract, calibration_crops(images, 256, 8 if quick else 16)).psnr_vs_fp32

    return quantize
