"""Static int8 quantization (QDQ) of an exported generator for CPUs, calibrated on random crops
of real images; its quality is reported as PSNR against the fp32 model on those images.

NNCF's post-training quantization (per-channel symmetric int8 weights, asymmetric int8
activations, fast bias correction) writes an ONNX graph with QuantizeLinear / DequantizeLinear
pairs that OpenVINO runs with int8 kernels. Measured on ``cel`` (docs/performance/engines.md, "Engines and int8"):
49 dB against fp32 on real 720p frames and 1.8x OpenVINO fp32 on an AVX2 CPU, where ONNX
Runtime's own static quantizer gave 35 dB (21 dB on some frames) on the same crops. ONNX
Runtime runs these graphs too, but slower than its fp32, so only the OpenVINO engine uses them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import cv2
import numpy as np

from vidanime.engine.contract import ModelContract
from vidanime.engine.stylizer import from_model_output, to_model_input
from vidanime.errors import VidanimeError

if TYPE_CHECKING:
    import onnx

log = logging.getLogger(__name__)


@dataclass
class Int8Report:
    path: Path
    psnr_vs_fp32: float
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


def output_finish_nodes(graph: "onnx.ModelProto") -> list[str]:
    """Nodes after the last convolution: the weightless output finishes (guided output, shinkai's
    despeckle / sparkle, manga's screen, a residual add). They stay in float: a max filter padded
    with -1e4 has a range no 8-bit scale can hold, and there is no convolution there to speed up."""
    nodes = list(graph.graph.node)  # ONNX keeps them in topological order
    last = max((i for i, n in enumerate(nodes) if n.op_type in ("Conv", "ConvTranspose")), default=len(nodes) - 1)
    return [n.name for n in nodes[last + 1 :] if n.name]


def quantize_int8(fp32: Path, out: Path, contract: ModelContract, crops: list[np.ndarray]) -> Int8Report:
    """Write ``out`` (QDQ int8) calibrated on ``crops`` and measure its PSNR against ``fp32`` on them."""
    import onnx

    try:
        import nncf
    except ImportError as exc:
        raise VidanimeError("int8 needs NNCF, part of the training kit: pip install 'vidanime[train]'") from exc
    import onnxruntime as ort

    batches = [to_model_input(c[None], contract) for c in crops]
    graph = onnx.load(str(fp32))
    loggers = [logging.getLogger(), logging.getLogger("nncf")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)  # NNCF logs every node it leaves in float
    try:
        quantized = nncf.quantize(
            graph, nncf.Dataset(batches, lambda x: {contract.input_name: x}),
            preset=nncf.QuantizationPreset.MIXED, subset_size=len(batches),
            ignored_scope=nncf.IgnoredScope(names=output_finish_nodes(graph), validate=False),
        )  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - graphs NNCF cannot trace
        raise VidanimeError(f"int8 quantization failed: {str(exc).splitlines()[0]}") from exc
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
    onnx.save(quantized, str(out))
    a = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    errors = []
    for x in batches[: min(8, len(batches))]:
        ya = from_model_output(a.run(None, {contract.input_name: x})[0], contract).astype(np.float64)
        yb = from_model_output(b.run(None, {contract.input_name: x})[0], contract).astype(np.float64)
        errors.append(((ya - yb) ** 2).mean())
    mse = float(np.mean(errors))
    return Int8Report(out, float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse)), len(crops))
