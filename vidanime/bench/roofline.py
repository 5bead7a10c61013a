"""The machine's limit: measured peak GEMM throughput of ONNX Runtime on this device, the same
engine the generators run on (fp32 MatMul; int8 via a quantized MatMul; fp16 on CUDA)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Peak:
    dtype: str
    gflops: float  # 2 * M * N * K / seconds (int8: "GOPS")
    size: int


def _matmul_model(path: Path, n: int, dtype: str) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    if dtype == "int8":
        b = numpy_helper.from_array(rng.integers(-127, 127, (n, n), dtype=np.int8), "b")
        zero_a = numpy_helper.from_array(np.array(128, np.uint8), "za")
        zero_b = numpy_helper.from_array(np.array(0, np.int8), "zb")
        node = helper.make_node("MatMulInteger", ["a", "b", "za", "zb"], ["y"])
        inp = helper.make_tensor_value_info("a", TensorProto.UINT8, [n, n])
        out = helper.make_tensor_value_info("y", TensorProto.INT32, [n, n])
        inits = [b, zero_a, zero_b]
    else:
        elem = TensorProto.FLOAT16 if dtype == "fp16" else TensorProto.FLOAT
        np_t = np.float16 if dtype == "fp16" else np.float32
        b = numpy_helper.from_array(rng.standard_normal((n, n)).astype(np_t), "b")
        node = helper.make_node("MatMul", ["a", "b"], ["y"])
        inp = helper.make_tensor_value_info("a", elem, [n, n])
        out = helper.make_tensor_value_info("y", elem, [n, n])
        inits = [b]
    graph = helper.make_graph([node], "peak", [inp], [out], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def measure_peak(dtype: str = "fp32", providers: list[str] | None = None, n: int = 1536, seconds: float = 1.5, threads: int | None = None) -> Peak:
    """Best of repeated n x n x n products over about ``seconds``."""
    import onnxruntime as ort

    from vidanime.engine.session import usable_cores

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mm.onnx"
        _matmul_model(path, n, dtype)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or usable_cores()
        options.log_severity_level = 3
        session = ort.InferenceSession(str(path), options, providers=providers or ["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    if dtype == "int8":
        a = rng.integers(0, 255, (n, n), dtype=np.uint8)
    else:
        a = rng.standard_normal((n, n)).astype(np.float16 if dtype == "fp16" else np.float32)
    session.run(None, {"a": a})  # warm-up
    best = float("inf")
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        session.run(None, {"a": a})
        best = min(best, time.perf_counter() - t0)
    return Peak(dtype, 2 * n**3 / best / 1e9, n)
