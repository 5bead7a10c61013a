"""Static int8 quantization (QDQ) of an exported generator for CPUs, calibrated on random crops
of real images; its quality is reported as PSNR against the fp32 model on those images.

NNCF's post-training quantization (per-channel symmetric int8 weights, asymmetric int8
activations, fast bias correction) writes an ONNX graph with QuantizeLinear / DequantizeLinear
pairs that OpenVINO runs with int8 kernels. Measured on ``cel`` (docs/performance/engines.md, "Engines and int8"):
49 dB against fp32 on real 720p frames and 1.8x OpenVINO fp32 on an AVX2 CPU, where ONNX
Runtime's own static quantizer gave 35 dB (21 dB on some frames) on the same crops. ONNX
Runtime runs these graphs too, but slower than its fp32, so only the OpenVINO engine uses them.
A graph that misses the probe ``--precision auto`` judges it by would never run, so such a graph
is quantized again, giving up some speed until it passes (``_quantize_to_pass``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import cv2
import numpy as np

from vidanime.engine.contract import ModelContract
from vidanime.engine.openvino_backend import MIN_PSNR, psnr
from vidanime.engine.probe import precision_probe
from vidanime.engine.stylizer import from_model_output, to_model_input
from vidanime.errors import VidanimeError

if TYPE_CHECKING:
    import onnx

log = logging.getLogger(__name__)


PROBE_TARGET_DB = MIN_PSNR + 2.0  # what the int8 graph aims at on the probe (ONNX Runtime): a margin for OpenVINO (bf16 float parts)
PSNR_HEADROOM_DB = 3.0  # validation scores are capped this far above the target: NNCF ranks layers by what they cost below it
VALIDATION_CROPS = 4  # calibration crops judged beside the probe, so the probe is not passed at real pictures' cost


@dataclass
class Int8Report:
    path: Path
    psnr_vs_fp32: float
    calibration_crops: int
    probe_psnr_vs_fp32: float
    float_convolutions: list[str]


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


CONVOLUTIONS = ("Conv", "ConvTranspose")


def output_finish_nodes(graph: "onnx.ModelProto") -> list[str]:
    """Nodes after the last convolution: the weightless output finishes (guided output, shinkai's
    despeckle / sparkle, manga's screen, a residual add). They stay in float: a max filter padded
    with -1e4 has a range no 8-bit scale can hold, and there is no convolution there to speed up."""
    nodes = list(graph.graph.node)  # ONNX keeps them in topological order
    last = max((i for i, n in enumerate(nodes) if n.op_type in CONVOLUTIONS), default=len(nodes) - 1)
    return [n.name for n in nodes[last + 1 :] if n.name]


def _beyond(nodes: list["onnx.NodeProto"], consumers: dict[str, list[int]], start: int) -> set[int]:
    """Indices of the nodes fed by ``nodes[start]`` without crossing a convolution."""
    found: set[int] = set()
    frontier = [start]
    while frontier:
        for j in (j for out in nodes[frontier.pop()].output for j in consumers.get(out, [])):
            if j not in found and nodes[j].op_type not in CONVOLUTIONS:
                found.add(j)
                frontier.append(j)
    return found


def gate_nodes(graph: "onnx.ModelProto") -> list[str]:
    """Convolutions whose output reaches a ``Sigmoid`` without crossing another convolution (a
    gate, such as cel-v3's ink head), with the nodes between. They stay in float: the gate's logit
    is multiplied by its gain before the sigmoid, and so is its int8 error (cel-v3's ink gain 6
    took its int8 + bf16 probe to 27 dB), while a gate's few output channels gain little from int8."""
    nodes = list(graph.graph.node)
    consumers: dict[str, list[int]] = {}
    for i, n in enumerate(nodes):
        for name in n.input:
            consumers.setdefault(name, []).append(i)
    keep: set[int] = set()
    for start in (i for i, n in enumerate(nodes) if n.op_type in CONVOLUTIONS):
        after = _beyond(nodes, consumers, start)
        for sigmoid in (j for j in after if nodes[j].op_type == "Sigmoid"):
            keep |= {start, sigmoid} | {i for i in after if sigmoid in _beyond(nodes, consumers, i)}
    return [nodes[i].name for i in sorted(keep) if nodes[i].name]


def float_nodes(graph: "onnx.ModelProto") -> list[str]:
    """What NNCF leaves in float: the output finish and any sigmoid gate (see both)."""
    finish = output_finish_nodes(graph)
    return finish + [name for name in gate_nodes(graph) if name not in set(finish)]


def float_convolutions(quantized: "onnx.ModelProto") -> list[str]:
    """Convolutions of a QDQ graph whose weights are not int8."""
    dequantized = {o for n in quantized.graph.node if n.op_type == "DequantizeLinear" for o in n.output}
    return [n.name for n in quantized.graph.node if n.op_type in CONVOLUTIONS and n.input[1] not in dequantized]


def _runner(model: "onnx.ModelProto", input_name: str) -> Callable[[np.ndarray], np.ndarray]:
    import onnxruntime as ort

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return lambda x: session.run(None, {input_name: x})[0]


def _nncf_arguments(graph: "onnx.ModelProto", batches: list[np.ndarray], contract: ModelContract) -> dict[str, Any]:
    import nncf

    return {
        "calibration_dataset": nncf.Dataset(batches, lambda x: {contract.input_name: x}), "preset": nncf.QuantizationPreset.MIXED,
        "subset_size": len(batches), "ignored_scope": nncf.IgnoredScope(names=float_nodes(graph), validate=False),
    }  # fmt: skip


def _quantize_to_pass(
    graph: "onnx.ModelProto", batches: list[np.ndarray], contract: ModelContract, items: list[np.ndarray], reference: Callable[[np.ndarray], np.ndarray], value_range: float
) -> "onnx.ModelProto":
    """For a graph NNCF's recipe leaves short of the probe's bar: each activation calibrated on its
    full range (NNCF's default, the mean of each crop's extremes, clips the rare large ones, and
    cel-v3's ink gate turns a clipped activation into a line drawn or dropped), then NNCF's
    accuracy control puts convolutions back in float, the most harmful first, until every one of
    ``items`` is within ``PROBE_TARGET_DB`` of ``reference`` (the fp32 graph)."""
    import nncf
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters
    from nncf.quantization.range_estimator import RangeEstimatorParametersSet

    answers = [reference(x) for x in items]
    ceiling = PROBE_TARGET_DB + PSNR_HEADROOM_DB

    def validate(model: "onnx.ModelProto", data: Iterable[tuple[int, np.ndarray]]) -> tuple[float, list[float]]:
        run = _runner(model, contract.input_name)
        scores = [min(ceiling, psnr(run(x), answers[i], value_range)) for i, x in data]
        return min(scores), scores

    full_range = AdvancedQuantizationParameters(activations_range_estimator_params=RangeEstimatorParametersSet.MINMAX)
    return nncf.quantize_with_accuracy_control(
        graph, validation_dataset=nncf.Dataset(list(enumerate(items)), lambda item: {contract.input_name: item[1]}), validation_fn=validate,
        max_drop=PSNR_HEADROOM_DB, advanced_quantization_parameters=full_range, **_nncf_arguments(graph, batches, contract),
    )  # fmt: skip


def quantize_int8(fp32: Path, out: Path, contract: ModelContract, crops: list[np.ndarray]) -> Int8Report:
    """Write ``out`` (QDQ int8) calibrated on ``crops`` and measure its PSNR against ``fp32`` on
    them and on the probe that ``--precision auto`` judges it by."""
    import onnx

    try:
        import nncf
    except ImportError as exc:
        raise VidanimeError("int8 needs NNCF, part of the training kit: pip install 'vidanime[train]'") from exc

    batches = [to_model_input(c[None], contract) for c in crops]
    graph = onnx.load(str(fp32))
    reference = _runner(graph, contract.input_name)
    probe = precision_probe(contract)
    probe_answer = reference(probe)
    value_range = contract.output_range[1] - contract.output_range[0]
    loggers = [logging.getLogger(), logging.getLogger("nncf")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)  # NNCF logs every node it leaves in float
    try:
        quantized = nncf.quantize(graph, **_nncf_arguments(graph, batches, contract))
        run = _runner(quantized, contract.input_name)
        probe_psnr = psnr(run(probe), probe_answer, value_range)
        if probe_psnr < PROBE_TARGET_DB:
            quantized = _quantize_to_pass(graph, batches, contract, [probe, *batches[:VALIDATION_CROPS]], reference, value_range)
            run = _runner(quantized, contract.input_name)
            probe_psnr = psnr(run(probe), probe_answer, value_range)
    except Exception as exc:  # noqa: BLE001 - graphs NNCF cannot trace
        raise VidanimeError(f"int8 quantization failed: {str(exc).splitlines()[0]}") from exc
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
    onnx.save(quantized, str(out))
    errors = []
    for x in batches[: min(8, len(batches))]:
        ya = from_model_output(reference(x), contract).astype(np.float64)
        yb = from_model_output(run(x), contract).astype(np.float64)
        errors.append(((ya - yb) ** 2).mean())
    mse = float(np.mean(errors))
    crops_psnr = float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))
    return Int8Report(out, crops_psnr, len(crops), float(probe_psnr), float_convolutions(quantized))
