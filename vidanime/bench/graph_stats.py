"""Count a generator's multiply-accumulates and parameters from its ONNX graph.

The graph is pinned to one input size, constant-folded by ONNX Runtime (basic level: standard
ops only) so exporter-made shape arithmetic disappears, then shape-inferred by ONNX; every
Conv, ConvTranspose, MatMul and Gemm is counted from its real operand shapes.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vidanime.errors import VidanimeError


@dataclass(frozen=True)
class GraphStats:
    params: int
    macs: int
    uncounted_nodes: int  # heavy nodes whose shapes could not be inferred

    @property
    def gmacs(self) -> float:
        return self.macs / 1e9


def _pinned_and_folded(path: Path, height: int, width: int):  # -> onnx.ModelProto
    import onnx
    import onnxruntime as ort
    from onnx import shape_inference

    model = onnx.load(str(path))
    inp = model.graph.input[0]
    dims = inp.type.tensor_type.shape.dim
    if len(dims) != 4:
        raise VidanimeError(f"{path.name}: input is not an image batch")
    nhwc = dims[3].HasField("dim_value") and dims[3].dim_value == 3
    wanted = (1, height, width, 3) if nhwc else (1, 3, height, width)
    for dim, value in zip(dims, wanted):
        dim.ClearField("dim_param")
        dim.dim_value = value
    with tempfile.TemporaryDirectory() as tmp:
        pinned, folded = Path(tmp) / "pinned.onnx", Path(tmp) / "folded.onnx"
        onnx.save(model, str(pinned))
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        options.log_severity_level = 3
        ort.InferenceSession(str(pinned), options, providers=["CPUExecutionProvider"])
        return shape_inference.infer_shapes(onnx.load(str(folded)), data_prop=True)


def _shape(table: dict[str, list[int | None]], name: str) -> list[int] | None:
    dims = table.get(name)
    return None if dims is None or any(d is None for d in dims) else [int(d) for d in dims]  # type: ignore[misc]


def count_params(path: Path) -> int:
    """Floating-point weights only (shape constants are not parameters)."""
    import onnx

    model = onnx.load(str(path))
    float_types = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE, onnx.TensorProto.BFLOAT16}
    return int(sum(np.prod(t.dims) for t in model.graph.initializer if t.data_type in float_types))


def graph_stats(path: Path, height: int, width: int) -> GraphStats:
    """MACs for one (height, width) frame and the parameter count of ``path``."""
    graph = _pinned_and_folded(path, height, width).graph
    table: dict[str, list[int | None]] = {}
    for vi in list(graph.input) + list(graph.value_info) + list(graph.output):
        table[vi.name] = [d.dim_value if d.HasField("dim_value") else None for d in vi.type.tensor_type.shape.dim]
    for init in graph.initializer:
        table[init.name] = list(init.dims)
    macs, unknown = 0, 0
    for node in graph.node:
        if node.op_type not in ("Conv", "ConvTranspose", "MatMul", "Gemm"):
            continue
        a, b, out = _shape(table, node.input[0]), _shape(table, node.input[1]), _shape(table, node.output[0])
        if a is None or b is None or out is None:
            unknown += 1
            continue
        if node.op_type == "Conv":  # each output element: (C_in / groups) * kh * kw
            macs += int(np.prod(out)) * int(np.prod(b[1:]))
        elif node.op_type == "ConvTranspose":  # each input element scatters C_out/groups * kh * kw
            macs += int(np.prod(a)) * int(np.prod(b[1:]))
        else:  # MatMul / Gemm: every output element is a length-K dot product
            transposed = any(att.name == "transA" and att.i == 1 for att in node.attribute)
            k = a[-2] if transposed else a[-1]
            macs += int(np.prod(out)) * k
    return GraphStats(params=count_params(path), macs=macs, uncounted_nodes=unknown)
