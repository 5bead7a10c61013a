"""OpenVINO as a second CPU engine (``--backend openvino``; ``pip install '.[openvino]'``).

It reads the same ONNX file. Faster precisions are tried first and kept only when a probe
frame comes back within 40 dB PSNR of the fp32 answer (OpenVINO fp32, the graph as exported):
- int8, when the style ships a quantized sibling ``NAME.int8.onnx`` (``export-onnx --int8``):
  1.8x fp32 on an AVX2 CPU, more with VNNI / AMX int8 units;
- bf16 where the CPU has bf16 matrix units (Intel AMX, AVX512-BF16): 4-6x fp32 there;
- fp32 otherwise. On a bf16 CPU the int8 graph's float parts run in bf16 too.
A compiled model is kept per input shape (a video has one frame size, so it compiles once).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np

from vidanime.engine.contract import ModelContract, contract_from_graph
from vidanime.engine.variants import variant_file
from vidanime.errors import VidanimeError

log = logging.getLogger(__name__)

MIN_PSNR = 40.0  # a faster precision is used only this close to fp32 on the probe


def available() -> bool:
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


def psnr(a: np.ndarray, b: np.ndarray, value_range: float) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(value_range**2 / mse)


def short_reason(exc: BaseException, width: int = 100) -> str:
    """The first sentence of the line of an OpenVINO exception that says what went wrong (its first
    lines only say where in OpenVINO's source it was raised), cut to ``width`` characters."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    told = [line for line in lines if not line.startswith(("Exception from", "Check '"))]
    line = (told or lines or [type(exc).__name__])[0]
    first = re.match(r"(.+?\.)(?=[A-Z]|\s|$)", line)  # its first sentence ("No suitable implementations.This may ...")
    return (first.group(1) if first else line)[:width]


def int8_sibling(model_path: Path) -> Path | None:
    """``NAME.int8.onnx`` beside ``NAME.onnx``, when it was exported."""
    sibling = variant_file(model_path, "int8")
    return sibling if model_path.suffix == ".onnx" and sibling.is_file() else None


class OpenVINORunner:
    """``run(batch)`` with OpenVINO on the CPU. ``precision`` names what runs: fp32, bf16, int8
    (the float parts of an int8 graph run in ``float_hint``: f32, or bf16 on a bf16 CPU)."""

    def __init__(self, model_path: Path, threads: int, precision: str, float_hint: str = "f32") -> None:
        import openvino as ov

        self._ov = ov
        self.core = ov.Core()
        try:
            self.model = self.core.read_model(str(model_path))
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError for most things
            raise VidanimeError(f"OpenVINO cannot read {model_path.name}: {str(exc).splitlines()[0]}") from exc
        self.threads = threads
        self.precision = precision if float_hint == "f32" or precision == "bf16" else f"{precision}+bf16"
        self.float_hint = float_hint
        self._compiled: dict[tuple[int, ...], Any] = {}

    def _request(self, shape: tuple[int, ...]) -> Any:
        if shape not in self._compiled:
            model = self.model.clone()
            model.reshape({model.inputs[0]: list(shape)})
            config = {
                "PERFORMANCE_HINT": "LATENCY",
                "INFERENCE_NUM_THREADS": self.threads,
                "INFERENCE_PRECISION_HINT": self.float_hint,
            }
            self._compiled[shape] = self.core.compile_model(model, "CPU", config).create_infer_request()
        return self._compiled[shape]

    def run(self, batch: np.ndarray) -> np.ndarray:
        request = self._request(tuple(batch.shape))
        return np.asarray(request.infer({0: np.ascontiguousarray(batch)})[0])


def _candidates(model_path: Path, threads: int, has_bf16: bool, precision: str) -> list[OpenVINORunner]:
    """The runners ``precision`` allows, fastest first; fp32 closes an ``auto`` list."""
    float_hint = "bf16" if has_bf16 else "f32"
    int8 = int8_sibling(model_path)
    if precision == "int8" and int8 is None:
        raise VidanimeError(f"--precision int8: there is no {model_path.stem}.int8.onnx beside {model_path.name} (export-onnx --int8 writes one)")
    if precision == "bf16" and not has_bf16:
        raise VidanimeError("--precision bf16: this CPU has no bf16 units (AMX / AVX512-BF16); it would run slower than fp32")
    found = []
    if int8 is not None and precision in ("auto", "int8"):
        try:
            found.append(OpenVINORunner(int8, threads, "int8", float_hint))
        except VidanimeError as exc:  # a damaged int8 file must not stop an auto run: fp32 still works
            if precision == "int8":
                raise
            log.warning("%s: not used", exc)
    if has_bf16 and precision in ("auto", "bf16"):
        found.append(OpenVINORunner(model_path, threads, "bf16", "bf16"))
    if precision in ("auto", "fp32"):
        found.append(OpenVINORunner(model_path, threads, "fp32"))
    return found


_ONNX_TYPE_NAMES = {"f32": "tensor(float)", "f16": "tensor(float16)"}


def read_contract(model_path: Path) -> ModelContract:
    """The contract of ``model_path`` as OpenVINO reads the graph (its ``vidanime.*`` metadata,
    then its shapes), so that no ONNX Runtime session is opened beside OpenVINO's."""
    from openvino.frontend import FrontEndManager

    try:  # the ONNX reader alone: a file that is not ONNX must not go through every other frontend's logging
        onnx = FrontEndManager().load_by_framework("onnx")
        model = onnx.convert(onnx.load(str(model_path)))
    except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError for most things
        raise VidanimeError(f"OpenVINO cannot read {model_path.name}: {str(exc).splitlines()[0]}") from exc
    info = model.get_rt_info()
    metadata = {key: value.astype(str) for key, value in info["framework"].items()} if "framework" in info else {}

    def dims(port: Any) -> list[int | None]:
        return [d.get_length() if d.is_static else None for d in port.get_partial_shape()]

    inp, out = model.inputs[0], model.outputs[0]
    kind = inp.get_element_type().get_type_name()
    return contract_from_graph(inp.get_any_name(), dims(inp), _ONNX_TYPE_NAMES.get(kind, kind), out.get_any_name(), dims(out), metadata)


def make_runner(
    model_path: Path, threads: int, reference: Callable[[np.ndarray], np.ndarray] | None, probe: np.ndarray, value_range: float, has_bf16: bool, precision: str = "auto"
) -> tuple[OpenVINORunner, str]:
    """The fastest runner ``precision`` allows whose probe answer is within ``MIN_PSNR`` of
    ``reference(probe)`` (default: the graph in fp32 on OpenVINO); returns (runner, why this precision)."""
    candidates = _candidates(model_path, threads, has_bf16, precision)
    if len(candidates) == 1 and candidates[0].precision == "fp32":
        return candidates[0], "fp32" + ("" if precision == "fp32" else " (no int8 graph, no bf16 units)")
    if reference is None:
        fp32 = candidates[-1] if candidates[-1].precision == "fp32" else OpenVINORunner(model_path, threads, "fp32")
        reference = fp32.run
    expected = reference(probe)
    rejected = []
    for runner in candidates:
        if runner.precision == "fp32":
            return runner, "fp32 (" + "; ".join(rejected) + ")" if rejected else "fp32"
        try:
            score = psnr(runner.run(probe), expected, value_range)
        except Exception as exc:  # noqa: BLE001 - a graph this OpenVINO cannot compile on this CPU; try the next
            if precision != "auto":
                raise VidanimeError(f"OpenVINO cannot run {model_path.name} in {runner.precision} on this CPU ({short_reason(exc)}); "
                                    "--precision auto picks one that runs") from exc
            log.info("%s failed on this CPU: not used", runner.precision)
            rejected.append(f"{runner.precision} failed: {short_reason(exc, 80)}")
            continue
        if score >= MIN_PSNR or precision != "auto":
            return runner, f"{runner.precision} (" + "; ".join([f"probe {score:.1f} dB against fp32", *rejected]) + ")"
        log.info("%s probe only %.1f dB against fp32: not used (the precision line says so)", runner.precision, score)
        rejected.append(f"{runner.precision} probe {score:.1f} dB < {MIN_PSNR:g}")
    raise AssertionError("an auto list ends with fp32")
