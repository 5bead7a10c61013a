"""Static int8 quantization (QDQ) of an exported generator for CPUs, calibrated on random crops
of real images; its quality is reported as PSNR against the fp32 model on those images.

ONNX Runtime's pre-processing (symbolic shape inference + graph clean-up) is run first; our
exports keep H and W dynamic and it copes, and when it does not (other exporters' graphs) we
quantize the graph as it is and say so.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from vidanime.engine.contract import ModelContract
from vidanime.engine.stylizer import from_model_output, to_model_input
from vidanime.errors import VidanimeError

log = logging.getLogger(__name__)


@dataclass
class Int8Report:
    path: Path
    psnr_vs_fp32: float
    preprocessed: bool
    calibration_crops: int


def calibration_crops(images: Sequence[np.ndarray], size: int = 256, count: int = 32, seed: int = 0) -> list[np.ndarray]:
    """Random ``size`` crops (uint8 RGB), images downscaled so a crop sees a fair part of them."""
    rng = np.random.default_rng(seed)
    crops = []
    for i in range(count):
        img = images[i % len(images)]
        scale = min(1.0, 2 * size / min(img.shape[:2]))
        if scale < 1:
            img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if min(img.shape[:2]) < size:
            img = cv2.resize(img, (max(size, img.shape[1]), max(size, img.shape[0])), interpolation=cv2.INTER_CUBIC)
        top, left = int(rng.integers(0, img.shape[0] - size + 1)), int(rng.integers(0, img.shape[1] - size + 1))
        crops.append(img[top : top + size, left : left + size])
    return crops


def quantize_int8(fp32: Path, out: Path, contract: ModelContract, crops: list[np.ndarray]) -> Int8Report:
    """Write ``out`` (QDQ, per-channel int8 weights, uint8 activations) and measure its PSNR."""
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    batches = [to_model_input(c[None], contract) for c in crops]

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.items = iter(batches)

        def get_next(self) -> dict[str, np.ndarray] | None:
            x = next(self.items, None)
            return None if x is None else {contract.input_name: x}

    with tempfile.TemporaryDirectory() as tmp:
        source, preprocessed = fp32, False
        here = os.getcwd()
        os.chdir(tmp)  # the pre-processor leaves scratch files in the working directory when it fails
        try:
            pre = Path(tmp) / "pre.onnx"
            quant_pre_process(str(fp32.resolve()), str(pre))
            source, preprocessed = pre, True
        except Exception as exc:  # noqa: BLE001 - other exporters' graphs may defeat shape inference
            log.warning("int8: ONNX Runtime pre-processing failed (%s); quantizing the graph as it is", str(exc).splitlines()[0])
        finally:
            os.chdir(here)
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # the quantizer logs a warning per 1-D constant it skips
        try:
            quantize_static(
                str(source), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001
            raise VidanimeError(f"int8 quantization failed: {str(exc).splitlines()[0]}") from exc
        finally:
            root.setLevel(level)
    a = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    errors = []
    for x in batches[: min(8, len(batches))]:
        ya = from_model_output(a.run(None, {contract.input_name: x})[0], contract).astype(np.float64)
        yb = from_model_output(b.run(None, {contract.input_name: x})[0], contract).astype(np.float64)
        errors.append(((ya - yb) ** 2).mean())
    mse = float(np.mean(errors))
    psnr = float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)
    return Int8Report(out, psnr, preprocessed, len(crops))
