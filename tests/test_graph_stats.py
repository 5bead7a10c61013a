"""MAC counting from ONNX graphs against hand-computed figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import lightweight_macs

from vidanime.bench.graph_stats import graph_stats


def _one_conv(path: Path, groups: int = 1) -> Path:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.zeros((8, 4 // groups, 3, 3), np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], group=groups)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8, "H", "W"])],
        [w],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def test_single_conv_counts_by_hand(tmp_path: Path) -> None:
    stats = graph_stats(_one_conv(tmp_path / "c.onnx"), 10, 20)
    assert stats.macs == 10 * 20 * 8 * 4 * 9 and stats.params == 8 * 4 * 9 and stats.uncounted_nodes == 0
    grouped = graph_stats(_one_conv(tmp_path / "g.onnx", groups=2), 10, 20)
    assert grouped.macs == 10 * 20 * 8 * 2 * 9


def test_lightweight_macs_equal_its_layer_list(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from training.export.onnx import export_generator

    path = tmp_path / "lw.onnx"
    export_generator("lightweight", path)
    h, w = 720, 1280
    expected = lightweight_macs(32, h, w)
    assert graph_stats(path, h, w).macs == expected
