"""The CUDA path on a real NVIDIA GPU: ONNX Runtime's CUDA provider (fp32 and fp16 graphs, IO
binding, batches, --device auto / cuda, convert end to end) and torch training on CUDA (fp32, fp16
and bf16 AMP, channels-last; DDP over NCCL where there are two GPUs).

Every test here skips, with the reason, on a machine without a usable GPU: this is the subset
``lab/check/gpu.py`` runs on a GPU machine (``pytest -m cuda``) and reports in docs/gpu.json."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from vidanime.engine.openvino_backend import psnr as gate_psnr
from vidanime.engine.probe import probe_image
from vidanime.engine.session import CPU, CUDA, nvidia_gpu_present, open_session
from vidanime.engine.stylizer import Stylizer, from_model_output, to_model_input
from vidanime.styles.registry import BUNDLED_DIR, installed_styles

pytestmark = pytest.mark.cuda


@functools.lru_cache(maxsize=None)
def ort_cuda_problem() -> str | None:
    """Why ONNX Runtime cannot run on CUDA here, or None when its CUDA provider really starts."""
    import onnxruntime as ort

    if CUDA not in ort.get_available_providers():
        return f"onnxruntime {ort.__version__} has no CUDA provider (the CPU build; install onnxruntime-gpu)"
    if not nvidia_gpu_present():
        return "no NVIDIA driver on this machine"
    try:
        sess = ort.InferenceSession(str(BUNDLED_DIR / "cel.onnx"), providers=[CUDA, CPU])
    except Exception as exc:  # noqa: BLE001
        return f"the CUDA provider failed: {str(exc).splitlines()[0]}"
    if sess.get_providers()[0] != CUDA:
        return "the CUDA provider did not start (CUDA / cuDNN libraries missing?)"
    return None


@functools.lru_cache(maxsize=None)
def torch_cuda_problem() -> str | None:
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.cuda.is_available():
        return f"torch {torch.__version__} sees no CUDA GPU"
    return None


def needs_ort_cuda() -> None:
    problem = ort_cuda_problem()
    if problem:
        pytest.skip(problem)


def needs_torch_cuda(gpus: int = 1) -> None:
    problem = torch_cuda_problem()
    if problem:
        pytest.skip(problem)
    import torch

    if torch.cuda.device_count() < gpus:
        pytest.skip(f"needs {gpus} GPUs, this machine has {torch.cuda.device_count()}")


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return gate_psnr(a, b, 255.0)  # the CPU engine's quality-gate measure


def stylise(engine, frames: np.ndarray) -> np.ndarray:  # noqa: ANN001
    return from_model_output(engine.run(to_model_input(frames, engine.contract)), engine.contract)


def bundled() -> list[str]:
    return sorted(name for name, s in installed_styles().items() if s.source == "bundled")


# --- ONNX Runtime ---------------------------------------------------------------------------------


@pytest.mark.parametrize("style", bundled())
def test_every_bundled_style_runs_on_cuda_close_to_cpu_fp32(style: str) -> None:
    """The graph --device cuda picks (fp16 where the style ships one) within 40 dB of CPU fp32."""
    needs_ort_cuda()
    path = installed_styles()[style].path
    frames = np.concatenate([probe_image(240, 320), probe_image(240, 320)[:, ::-1]])
    cpu = open_session(path, "cpu", backend="onnxruntime")
    gpu = open_session(path, "cuda")
    assert gpu.device == "cuda" and gpu.session.get_providers()[0] == CUDA
    expected = stylise(cpu, frames)
    got = stylise(gpu, frames)
    assert got.shape == expected.shape
    assert psnr(got, expected) >= 40.0, (style, gpu.model_path.name, psnr(got, expected))


def test_fp32_and_fp16_graphs_both_run_on_cuda(tmp_path: Path) -> None:
    needs_ort_cuda()
    fp32 = tmp_path / "cel.onnx"
    shutil.copy(BUNDLED_DIR / "cel.onnx", fp32)  # no fp16 sibling beside it: CUDA runs fp32
    frames = probe_image(256, 256)
    a, b = open_session(fp32, "cuda"), open_session(BUNDLED_DIR / "cel.onnx", "cuda")
    assert a.model_path.name == "cel.onnx" and b.model_path.name == "cel.fp16.onnx"
    assert psnr(stylise(a, frames), stylise(b, frames)) >= 40.0
    cpu = stylise(open_session(fp32, "cpu", backend="onnxruntime"), frames)
    assert psnr(stylise(a, frames), cpu) >= 50.0  # fp32 on the GPU: only summation order differs


def test_io_binding_batches_any_size_and_returns_host_frames() -> None:
    needs_ort_cuda()
    engine = open_session(BUNDLED_DIR / "cel.onnx", "cuda")
    stylizer = Stylizer(engine.run, engine.contract)
    for n, (h, w) in ((1, (72, 88)), (3, (90, 130)), (8, (64, 64))):
        frames = np.repeat(probe_image(h, w), n, axis=0)
        out = stylizer(frames)
        assert out.shape == frames.shape and out.dtype == np.uint8
        assert np.array_equal(out[0], out[-1])  # same frame, same answer, wherever it sits in the batch


def test_auto_uses_cuda_on_this_gpu() -> None:
    """--device auto keeps CUDA when it is faster than the CPU path (on any real GPU of this decade)."""
    needs_ort_cuda()
    assert open_session(BUNDLED_DIR / "cel.onnx", "auto").device == "cuda"


def test_convert_a_clip_with_audio_on_cuda(tmp_path: Path) -> None:
    needs_ort_cuda()
    from factories import audio_summary, make_clip, read_frames

    from vidanime.cli.app import run

    clip = make_clip(tmp_path / "in.mp4", n_frames=20, size=(144, 256))
    out = tmp_path / "out.mp4"
    assert run(["convert", str(clip), "-o", str(out), "--device", "cuda", "-q"]) == 0
    _, frames, _ = read_frames(out)
    assert len(frames) == 20 and frames[0].shape == (144, 256, 3)
    assert audio_summary(out) is not None


# --- torch training -------------------------------------------------------------------------------


def _distill(out: Path, precision: str, channels_last: bool, steps: int = 3) -> Path:
    from factories import frame_pattern

    from training.data.batches import PairedSource
    from training.recipes import all_recipes
    from training.recipes.base import apply_overrides
    from training.trainer import TrainConfig, Trainer

    images = [frame_pattern(i, 64, 64) for i in range(3)]
    source = PairedSource(images, [255 - im for im in images], 48, batch_size=4, seed=3)
    hp = apply_overrides(all_recipes()["cel-distill"].hyper_cls(), [f"steps={steps}", "w_perceptual=0", "generator_kwargs.width=8"])
    config = TrainConfig("cel-distill", out, hp, device="cuda", precision=precision, channels_last=channels_last, log_every=1, sample_every=10**6, checkpoint_every=10**6, export=False)
    Trainer(config, all_recipes()["cel-distill"], source).run()
    return out


@pytest.mark.parametrize("precision, channels_last", [("fp32", False), ("fp16", False), ("bf16", False), ("fp16", True)])
def test_training_steps_on_cuda(precision: str, channels_last: bool, tmp_path: Path) -> None:
    needs_torch_cuda()
    out = _distill(tmp_path / "run", precision, channels_last)
    rows = [json.loads(x) for x in (out / "log.jsonl").read_text().splitlines()]
    config = json.loads((out / "config.json").read_text())
    assert [r["step"] for r in rows] == [1, 2, 3] and all(np.isfinite(r["l1"]) for r in rows)
    assert config["precision"] == precision and config["channels_last"] == channels_last


def test_auto_device_and_precision_are_cuda_fp16() -> None:
    needs_torch_cuda()
    import torch

    from training.precision import resolve_precision
    from training.trainer import pick_device

    assert pick_device("auto").type == "cuda"
    assert resolve_precision("auto", torch.device("cuda")) == "fp16"


NCCL_SCRIPT = textwrap.dedent(
    """
    import os, sys, torch
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from test_cuda import _distill
    out = Path({out!r})
    _distill(out, "fp16", False)
    """
)


def test_two_process_nccl_run(tmp_path: Path) -> None:
    """DDP over NCCL, one process per GPU (torchrun); needs two GPUs."""
    needs_torch_cuda(gpus=2)
    script = tmp_path / "ddp.py"
    out = tmp_path / "ddp"
    out.mkdir()
    script.write_text(NCCL_SCRIPT.format(tests=str(Path(__file__).parent), out=str(out)))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29531", str(script)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [json.loads(x)["step"] for x in (out / "log.jsonl").read_text().splitlines()] == [1, 2, 3]
