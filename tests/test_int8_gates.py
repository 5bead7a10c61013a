"""int8 export: what stays in float (output finish, sigmoid gates) and the second recipe for a
graph whose int8 answer misses the probe ``--precision auto`` judges it by."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("nncf")

from factories import frame_pattern, make_onnx_graph  # noqa: E402

from training.export import quantize  # noqa: E402
from training.export.onnx import export_int8  # noqa: E402
from vidanime.styles.registry import BUNDLED_DIR  # noqa: E402


def ink_generator(path: Path, gated: bool = True, gain: float = 6.0) -> Path:
    """A trunk conv, then a fill conv and an ink conv on its activation; with ``gated`` the ink
    logit goes through gain, bias and a Sigmoid before it darkens the fill (cel-v3's head)."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)

    def weight(name: str, shape: tuple[int, ...]) -> object:
        return numpy_helper.from_array((rng.standard_normal(shape) * 0.3).astype(np.float32), name)

    def const(name: str, value: float) -> object:
        return numpy_helper.from_array(np.array(value, np.float32), name)

    nodes = [
        helper.make_node("Conv", ["input", "trunk.w"], ["t"], name="/trunk/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("LeakyRelu", ["t"], ["a"], name="/act/LeakyRelu", alpha=0.2),
        helper.make_node("Conv", ["a", "fill.w"], ["fill"], name="/out/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["a", "ink.w"], ["logit"], name="/ink/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Mul", ["logit", "gain"], ["scaled"], name="/Mul"),
        helper.make_node("Add", ["scaled", "bias"], ["shifted"], name="/Add"),
        helper.make_node("Sigmoid" if gated else "Tanh", ["shifted"], ["ink"], name="/Sigmoid" if gated else "/Tanh"),
        helper.make_node("Mul", ["ink", "fill"], ["dark"], name="/Mul_1"),
        helper.make_node("Sub", ["fill", "dark"], ["output"], name="/Sub"),
    ]
    inits = [weight("trunk.w", (16, 3, 3, 3)), weight("fill.w", (3, 16, 3, 3)), weight("ink.w", (1, 16, 3, 3)), const("gain", gain), const("bias", 1.0)]
    io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 3, "H", "W"]) for n in ("input", "output")]
    return make_onnx_graph(path, nodes, [io[0]], [io[1]], inits)


def test_a_sigmoid_gate_stays_in_float(tmp_path: Path) -> None:
    import onnx

    graph = onnx.load(str(ink_generator(tmp_path / "g.onnx")))
    # the trunk reaches the sigmoid only through the ink conv, so it is no gate; the fill never reaches it
    assert quantize.gate_nodes(graph) == ["/ink/Conv", "/Mul", "/Add", "/Sigmoid"]
    assert set(quantize.gate_nodes(graph)) <= set(quantize.float_nodes(graph))
    assert set(quantize.output_finish_nodes(graph)) <= set(quantize.float_nodes(graph))


def test_no_gate_leaves_the_float_nodes_as_they_were(tmp_path: Path) -> None:
    import onnx

    graph = onnx.load(str(ink_generator(tmp_path / "g.onnx", gated=False)))
    assert quantize.gate_nodes(graph) == []
    assert quantize.float_nodes(graph) == quantize.output_finish_nodes(graph)


@pytest.mark.parametrize("style", ["cel", "cel-v1", "shinkai", "manga"])
def test_bundled_int8_graphs_without_a_gate_keep_their_float_nodes(style: str) -> None:
    """Their shipped int8 graphs stay reproducible: the rule changes nothing for them."""
    import onnx

    graph = onnx.load(str(BUNDLED_DIR / f"{style}.onnx"))
    assert quantize.float_nodes(graph) == quantize.output_finish_nodes(graph)


def test_cel_v3_ink_head_is_its_only_gate() -> None:
    import onnx

    graph = onnx.load(str(BUNDLED_DIR / "cel-v3.onnx"))
    convs = [n for n in quantize.gate_nodes(graph) if n.endswith("Conv")]
    assert convs == ["/heads/Conv"]  # the fill and ink heads, one conv
    assert "/heads/Conv" in quantize.float_convolutions(onnx.load(str(BUNDLED_DIR / "cel-v3.int8.onnx")))


def test_a_graph_short_of_the_probe_is_quantized_again_until_it_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    photos = []
    for i in range(3):
        photos.append(tmp_path / f"{i}.png")
        cv2.imwrite(str(photos[-1]), frame_pattern(i, 260, 300))
    model = ink_generator(tmp_path / "g.onnx")
    monkeypatch.setattr(quantize, "PROBE_TARGET_DB", 0.0)  # any answer passes: NNCF's recipe alone
    plain = export_int8(model, photos)
    assert plain.float_convolutions == ["/ink/Conv"]  # the gate only
    monkeypatch.setattr(quantize, "PROBE_TARGET_DB", plain.probe_psnr_vs_fp32 + 3)  # a bar that recipe misses
    again = export_int8(model, photos)
    assert again.probe_psnr_vs_fp32 >= plain.probe_psnr_vs_fp32 + 3
    assert set(again.float_convolutions) > {"/ink/Conv"}  # bought with convolutions back in float
