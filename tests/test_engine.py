"""Device choice, contracts, and the pad / crop / range handling around a session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vidanime.engine.contract import ModelContract, contract_from_graph
from vidanime.engine.session import CPU, CUDA, choose_providers, open_session, pick_model_file
from vidanime.engine.stylizer import Stylizer, pad_to_multiple, scaled_size
from vidanime.errors import UsageError, VidanimeError


def test_auto_prefers_cuda_when_the_provider_exists() -> None:
    assert choose_providers("auto", [CUDA, CPU]) == [CUDA, CPU]
    assert choose_providers("auto", ["AzureExecutionProvider", CPU]) == [CPU]
    assert choose_providers("cpu", [CUDA, CPU]) == [CPU]
    assert choose_providers("auto", [CUDA, CPU], gpu_present=False) == [CPU]
    assert choose_providers("cuda", [CUDA, CPU], gpu_present=False) == [CUDA, CPU]  # asked for: try it


def test_cuda_without_provider_is_a_clear_error() -> None:
    with pytest.raises(VidanimeError, match="onnxruntime-gpu"):
        choose_providers("cuda", [CPU])
    with pytest.raises(UsageError):
        choose_providers("tpu", [CPU])


def test_fp16_sibling_is_picked_only_for_cuda(tmp_path: Path) -> None:
    model = tmp_path / "cel.onnx"
    model.write_bytes(b"x")
    (tmp_path / "cel.fp16.onnx").write_bytes(b"x")
    assert pick_model_file(model, "cuda").name == "cel.fp16.onnx"
    assert pick_model_file(model, "cpu") == model


def test_contract_reads_layout_from_shapes_and_metadata() -> None:
    c = contract_from_graph("x", ["N", "H", "W", 3], "tensor(float)", "y", [1, "H", "W", 3], {})
    assert c.layout == "NHWC" and c.fixed_size is None and not c.batch_fixed
    c = contract_from_graph(
        "x", [1, 3, 512, 512], "tensor(float16)", "y", [1, 3, 512, 512],
        {"vidanime.input_range": "0,1", "vidanime.size_multiple": "4"},
    )
    assert c.fixed_size == (512, 512) and c.batch_fixed and c.input_range == (0.0, 1.0)
    assert c.size_multiple == 4 and c.input_dtype == "float16"
    with pytest.raises(VidanimeError, match="not an image generator"):
        contract_from_graph("x", ["N", 100], "tensor(float)", "y", ["N", 10], {})


def test_scaled_size_keeps_aspect_and_evenness() -> None:
    assert scaled_size(720, 1280, 360) == (360, 640)
    assert scaled_size(1080, 1920, 2000) == (1080, 1920)
    h, w = scaled_size(361, 643, 200)
    assert h == 200 and w % 2 == 0 and abs(w / h - 643 / 361) < 0.02


def test_pad_to_multiple_mirrors_without_moving_pixels() -> None:
    x = np.random.default_rng(0).integers(0, 255, (2, 13, 21, 3), dtype=np.uint8)
    y = pad_to_multiple(x, 8)
    assert y.shape == (2, 16, 24, 3)
    np.testing.assert_array_equal(y[:, :13, :21], x)
    tiny = pad_to_multiple(x[:, :3, :3], 8)  # pad larger than the image itself
    assert tiny.shape == (2, 8, 8, 3)


def test_stylizer_feeds_the_model_sizes_it_accepts_and_crops_back() -> None:
    seen = []

    def run(batch: np.ndarray) -> np.ndarray:
        seen.append(batch.shape)
        assert batch.shape[2] % 8 == 0 and batch.shape[3] % 8 == 0
        return -batch

    contract = ModelContract("x", "y", size_multiple=8)
    frames = np.random.default_rng(1).integers(0, 255, (3, 61, 90, 3), dtype=np.uint8)
    out = Stylizer(run, contract)(frames)
    assert out.shape == frames.shape and seen == [(3, 3, 64, 96)]
    assert np.abs(out.astype(int) - (255 - frames.astype(int))).max() <= 1


def test_stylizer_resolution_and_batch_one_models() -> None:
    calls = []

    def run(batch: np.ndarray) -> np.ndarray:
        calls.append(batch.shape)
        return batch

    contract = ModelContract("x", "y", size_multiple=4, batch_fixed=True)
    frames = np.full((2, 100, 200, 3), 77, np.uint8)
    out = Stylizer(run, contract, short_side=50)(frames)
    assert out.shape == frames.shape and calls == [(1, 3, 52, 100)] * 2
    assert np.abs(out.astype(int) - 77).max() <= 1
    small = Stylizer(run, contract, short_side=50, keep_processing_size=True)(frames)
    assert small.shape == (2, 50, 100, 3)


def test_guided_upsampling_puts_edges_where_the_full_frame_has_them() -> None:
    """A model that inverts, run at a third of the size: the guided filter's output is much closer
    to the full-size answer than a plain resize, at a sharp diagonal edge and thin lines."""
    y, x = np.mgrid[0:240, 0:360]
    frame = np.where(x + 0.7 * y > 250, 220, 30).astype(np.uint8)
    frame[::16] = 0  # thin dark lines, 1 px: gone at a third of the size, back from the guide
    frames = np.repeat(frame[None, ..., None], 3, axis=3)
    contract = ModelContract("x", "y", size_multiple=4)
    full = Stylizer(lambda b: -b, contract)(frames).astype(int)
    guided = Stylizer(lambda b: -b, contract, short_side=80)(frames).astype(int)
    plain = Stylizer(lambda b: -b, contract, short_side=80, upsample="resize")(frames).astype(int)
    assert guided.shape == plain.shape == frames.shape
    err_guided, err_plain = np.abs(guided - full).mean(), np.abs(plain - full).mean()
    assert err_guided < 0.5 * err_plain, (err_guided, err_plain)


def test_quality_presets_set_the_processing_size() -> None:
    from vidanime.errors import UsageError
    from vidanime.model import processing_scale
    from vidanime.pipeline.convert import ConvertRequest, validate

    def sizes(quality: str, arch: str = "lightweight", resolution: int | None = None) -> list[tuple[int, int]]:
        def stylizer(kind: str) -> Stylizer:
            scale, scale_from = processing_scale(quality, arch, kind)  # type: ignore[arg-type]
            return Stylizer(lambda x: x, ModelContract("x", "y"), resolution, scale=scale, scale_from=scale_from)

        return [stylizer(kind).processing_size(h, w) for kind in ("image", "video") for h, w in ((720, 1280), (1080, 1920), (480, 854))]

    assert ConvertRequest(source=Path("a.mp4")).quality == "auto"
    # auto: pictures at full size; videos from 720p up at 3/4 of their short side; smaller ones full
    assert sizes("auto") == [(720, 1280), (1080, 1920), (480, 854), (540, 960), (810, 1440), (480, 854)]
    assert sizes("auto", "manga") == [(720, 1280), (1080, 1920), (480, 854)] * 2  # its screen is drawn per pixel
    assert sizes("fast") == [(360, 640), (540, 960), (240, 428)] * 2  # an explicit preset: pictures too
    assert sizes("best") == [(720, 1280), (1080, 1920), (480, 854)] * 2
    assert sizes("fast", resolution=500)[:2] == [(500, 888), (500, 888)]  # --resolution wins
    with pytest.raises(UsageError, match="--quality"):
        validate(ConvertRequest(source=Path("a.mp4"), quality="ultra"))


def test_open_session_runs_a_real_onnx_file(neg_model: Path) -> None:
    engine = open_session(neg_model, "auto")
    assert engine.device == "cpu" and engine.contract.size_multiple == 8 and engine.contract.arch == "neg"
    x = np.linspace(-1, 1, 2 * 3 * 8 * 8, dtype=np.float32).reshape(2, 3, 8, 8)
    np.testing.assert_allclose(engine.run(x), -x)


def test_open_session_refuses_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(VidanimeError, match="not found"):
        open_session(tmp_path / "none.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(VidanimeError, match="cannot load model"):
        open_session(broken)
