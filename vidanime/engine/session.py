"""The engine factory: which device, which engine (ONNX Runtime, or OpenVINO on the CPU), which
model file, how to run a batch.

CUDA is used when the provider is really usable (the GPU build installed, CUDA and cuDNN
loadable); ``auto`` falls back to the CPU with threads set to the cores we may use.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from vidanime.engine import gpu_policy
from vidanime.engine import openvino_backend as ovb
from vidanime.engine.contract import ModelContract, contract_from_graph, with_overrides
from vidanime.engine.cpu import cpu_has_bf16
from vidanime.engine.probe import precision_probe
from vidanime.engine.variants import variant_file
from vidanime.errors import UsageError, VidanimeError

log = logging.getLogger(__name__)

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
DEVICES = ("auto", "cpu", "cuda")
BACKENDS = ("auto", "onnxruntime", "openvino")
PRECISIONS = ("auto", "fp32", "bf16", "int8")  # the CPU engine's; CUDA takes fp16 from a NAME.fp16.onnx
DEFAULT_BATCH = {"cpu": 1, "cuda": 4}  # where the frame size is not known; convert asks engine.gpu_policy


def usable_cores() -> int:
    """Cores this process may run on (cgroup / affinity aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def nvidia_gpu_present() -> bool:
    """Cheap check for an NVIDIA driver, so CPU-only machines never try (and log) CUDA."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    return any(Path(p).exists() for p in ("/proc/driver/nvidia/version", "/dev/nvidia0", "/dev/nvidiactl")) or (
        os.name == "nt" and Path(os.environ.get("SystemRoot", "C:/Windows"), "System32", "nvcuda.dll").exists()
    )


def choose_providers(device: str, available: Sequence[str], gpu_present: bool = True) -> list[str]:
    """Providers to ask for, in order of preference; CPU always closes the list."""
    if device not in DEVICES:
        raise UsageError(f"unknown device {device!r}: choose one of {', '.join(DEVICES)}")
    if device == "cpu" or (device == "auto" and not gpu_present):
        return [CPU]
    if CUDA in available:
        return [CUDA, CPU]
    if device == "cuda":
        raise VidanimeError(
            "--device cuda: this ONNX Runtime has no CUDA provider "
            f"(available: {', '.join(available) or 'none'}); on Linux x86_64 install "
            "'onnxruntime-gpu' instead of 'onnxruntime' (see the README)"
        )
    return [CPU]


def pick_model_file(path: Path, device: str) -> Path:
    """On CUDA prefer a sibling ``NAME.fp16.onnx`` when one was exported (and the policy allows it)."""
    fp16 = variant_file(path, "fp16")
    wanted = device == "cuda" and not path.name.endswith(".fp16.onnx") and gpu_policy.use_fp16(fp16.name[: -len(".fp16.onnx")])
    return fp16 if wanted and fp16.is_file() else path


def _import_ort() -> Any:
    import onnxruntime as ort

    return ort


class OnnxRuntimeRunner:
    """``run(batch)`` on an ONNX Runtime session (CPU, or CUDA through IO binding)."""

    def __init__(self, session: Any, input_name: str, output_name: str, cuda: bool) -> None:
        self.session, self.input_name, self.output_name, self.cuda = session, input_name, output_name, cuda

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        if self.cuda:
            return self._run_cuda(batch)
        return self.session.run([self.output_name], {self.input_name: batch})[0]

    def _run_cuda(self, batch: np.ndarray) -> np.ndarray:
        # IO binding: the output stays on the GPU until one copy back, instead of
        # ONNX Runtime allocating host memory for every call.
        binding = self.session.io_binding()
        binding.bind_cpu_input(self.input_name, np.ascontiguousarray(batch))
        binding.bind_output(self.output_name, "cuda")
        self.session.run_with_iobinding(binding)
        return binding.copy_outputs_to_cpu()[0]


@dataclass(frozen=True)
class EngineSession:
    """A loaded generator on one device, with its contract; built whole by ``open_session``."""

    runner: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    device: str
    contract: ModelContract
    model_path: Path
    backend: str = "onnxruntime"
    precision: str = "fp32"
    precision_note: str = ""  # why this precision (OpenVINO's probe), for the user
    session: Any = field(default=None, repr=False)  # the ONNX Runtime session, when ONNX Runtime runs

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Run one preprocessed batch (already in the model's layout and dtype)."""
        return self.runner(batch)

    def describe(self) -> str:
        """The device, and the engine and precision where OpenVINO runs: "cpu (openvino int8)"."""
        return self.device if self.backend == "onnxruntime" else f"{self.device} ({self.backend} {self.precision})"


def open_session(
    model_path: Path,
    device: str = "auto",
    threads: int | None = None,
    backend: str = "onnxruntime",
    precision: str = "auto",
    refine: Sequence[Mapping[str, Any]] = (),
) -> EngineSession:
    """The engine factory: load ``model_path`` on the best device ``device`` allows and read its
    contract, refined by each of ``refine`` in turn (a style's stored fields, then ``--layout`` ...);
    on the CPU, ``backend`` auto / openvino hands the runs to OpenVINO at the fastest ``precision``
    that passes its probe (int8 when the style ships an int8 graph, bf16 where the CPU has it).
    Only the engine that runs keeps a session open."""
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if precision not in PRECISIONS:
        raise UsageError(f"unknown precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
    if not model_path.is_file():
        raise VidanimeError(f"model file not found: {model_path}")
    openvino = backend != "onnxruntime"
    required = backend == "openvino" or precision in ("bf16", "int8")
    if openvino and choose_providers(device, _import_ort().get_available_providers(), nvidia_gpu_present())[0] == CPU:
        engine = _open_openvino(model_path, threads or usable_cores(), required, precision, refine)
        if engine is not None:
            return engine
        openvino = False  # tried: not installed, or it cannot take this graph
    engine = _open_onnxruntime(model_path, device, threads, refine)
    if openvino and engine.device == "cpu":  # CUDA was hoped for and could not start
        return _open_openvino(model_path, threads or usable_cores(), required, precision, refine) or engine
    if precision not in ("auto", "fp32"):  # OpenVINO, had it been asked and usable, returned above
        raise UsageError(f"--precision {precision} needs the OpenVINO engine on the CPU (this run: {engine.device}, {backend})")
    if device == "auto" and engine.device == "cuda":  # auto is never slower than the CPU path
        return gpu_policy.keep_faster(engine, lambda: open_session(model_path, "cpu", threads, backend, precision, refine))
    return engine


def _open_openvino(model_path: Path, threads: int, required: bool, precision: str, refine: Sequence[Mapping[str, Any]]) -> EngineSession | None:
    """``model_path`` on OpenVINO at the fastest precision that passes its probe, or None when
    OpenVINO is not installed or cannot take the graph (an error when ``required``)."""
    if not ovb.available():
        if required:
            raise VidanimeError("--backend openvino and --precision bf16 / int8 need OpenVINO: pip install openvino")
        return None
    try:
        contract = ovb.read_contract(model_path)
        for fields in refine:
            contract = with_overrides(contract, fields)
        probe = precision_probe(contract)
        value_range = contract.output_range[1] - contract.output_range[0]
        runner, note = ovb.make_runner(model_path, threads, None, probe, value_range, cpu_has_bf16(), precision)
    except Exception as exc:  # noqa: BLE001 - a graph OpenVINO cannot take still runs on ONNX Runtime
        if required and isinstance(exc, VidanimeError):
            raise
        if required:
            raise VidanimeError(f"OpenVINO cannot run {model_path.name}: {ovb.short_reason(exc)}") from exc
        log.info("OpenVINO cannot run %s (%s): staying on ONNX Runtime", model_path.name, exc)
        return None
    return EngineSession(runner.run, "cpu", contract, model_path, "openvino", runner.precision, note)


def _open_onnxruntime(model_path: Path, device: str = "auto", threads: int | None = None, refine: Sequence[Mapping[str, Any]] = ()) -> EngineSession:
    ort = _import_ort()
    providers = choose_providers(device, ort.get_available_providers(), nvidia_gpu_present())
    if device == "auto":  # a failed CUDA probe is expected there; keep ONNX Runtime quiet about it
        ort.set_default_logger_severity(4)
    if providers[0] == CUDA and hasattr(ort, "preload_dlls"):
        try:  # CUDA / cuDNN from the pip 'nvidia-*' wheels, when the user installed vidanime[cuda]
            ort.preload_dlls()
        except Exception as exc:  # noqa: BLE001 - best effort, the session says what is missing
            log.debug("preload_dlls failed: %s", exc)
    path = pick_model_file(model_path, "cuda" if providers[0] == CUDA else "cpu")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or usable_cores()
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), sess_options=options, providers=providers)
    except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
        raise VidanimeError(f"cannot load model {path.name}: {str(exc).splitlines()[0]}") from exc
    active = session.get_providers()[0]
    if providers[0] == CUDA and active != CUDA:
        if device == "cuda":
            raise VidanimeError(
                "--device cuda: the CUDA provider failed to start (CUDA 12 / cuDNN 9 libraries missing?); "
                "try 'pip install vidanime[cuda]' or --device cpu"
            )
        log.info("CUDA provider not usable, running on the CPU")
        if path != model_path:  # the fp16 file was chosen for CUDA: reload the fp32 one
            return _open_onnxruntime(model_path, "cpu", threads, refine)
    inp, out = session.get_inputs()[0], session.get_outputs()[0]
    contract = contract_from_graph(
        inp.name, inp.shape, inp.type, out.name, out.shape, session.get_modelmeta().custom_metadata_map
    )
    for fields in refine:
        contract = with_overrides(contract, fields)
    runner = OnnxRuntimeRunner(session, contract.input_name, contract.output_name, cuda=active == CUDA)
    return EngineSession(runner, "cuda" if active == CUDA else "cpu", contract, path, session=session)
