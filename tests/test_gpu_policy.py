"""The CUDA policy (engine.gpu_policy): batch by frame size, fp16 choice, and --device auto never
slower than the CPU path. No GPU needed: the provider list, the CUDA engine and the timings are faked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vidanime.engine import gpu_policy, session
from vidanime.engine.contract import ModelContract
from vidanime.engine.session import CPU, CUDA, EngineSession, open_session, pick_model_file
from vidanime.pipeline.convert import ConvertRequest, convert
from vidanime.pipeline.video import VideoOptions


def test_batch_follows_the_table_by_working_size() -> None:
    assert gpu_policy.batch_size("cpu", 2160, 3840) == gpu_policy.CPU_BATCH == 1
    assert gpu_policy.batch_size("cuda", 360, 640) == 16
    assert gpu_policy.batch_size("cuda", 720, 1280) == 8
    assert gpu_policy.batch_size("cuda", 810, 1440) == 4  # 1080p at --quality balanced (auto)
    assert gpu_policy.batch_size("cuda", 1080, 1920) == 4
    assert gpu_policy.batch_size("cuda", 2160, 3840) == 1
    # the table is ordered and ends with a row every frame fits
    limits = [limit for limit, _ in gpu_policy.CUDA_BATCH]
    assert limits == sorted(limits) and limits[-1] == float("inf")
    assert [b for _, b in gpu_policy.CUDA_BATCH] == sorted((b for _, b in gpu_policy.CUDA_BATCH), reverse=True)


def test_batch_chooser_goes_through_the_processing_size() -> None:
    assert gpu_policy.batch_chooser("cpu", lambda h, w: (h, w)) is None
    half = gpu_policy.batch_chooser("cuda", lambda h, w: (h // 2, w // 2))
    assert half is not None and half(1080, 1920) == 8  # the model works at 960x540


def test_video_options_take_the_policy_batch_unless_one_is_given() -> None:
    assert VideoOptions(batch_size=3).batch_for(1080, 1920) == 3
    assert VideoOptions(batch_size=3, auto_batch=lambda h, w: 7).batch_for(1080, 1920) == 7


def test_fp16_graph_is_skipped_for_styles_the_policy_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "cel.onnx"
    model.write_bytes(b"x")
    (tmp_path / "cel.fp16.onnx").write_bytes(b"x")
    assert pick_model_file(model, "cuda").name == "cel.fp16.onnx"
    monkeypatch.setattr(gpu_policy, "FP16_OFF", frozenset({"cel"}))
    assert pick_model_file(model, "cuda") == model
    assert pick_model_file(tmp_path / "cel.fp16.onnx", "cuda").name == "cel.fp16.onnx"  # asked for by file: kept


def _engine(device: str, contract: ModelContract | None = None) -> EngineSession:
    c = contract or ModelContract("input", "output", size_multiple=8)
    return EngineSession(runner=lambda batch: batch, device=device, contract=c, model_path=Path("m.onnx"))


def _fake_timer(cuda_ms: float, cpu_ms: float, seen: list[tuple[str, tuple[int, ...]]]) -> Any:
    def timer(run: Any, batch: np.ndarray) -> float:
        device = run.__self__.device
        seen.append((device, batch.shape))
        return cuda_ms if device == "cuda" else cpu_ms

    return timer


@pytest.mark.parametrize("cuda_ms, cpu_ms, expected", [(2.0, 30.0, "cuda"), (30.0, 20.0, "cpu"), (10.0, 10.0, "cuda")])
def test_auto_keeps_the_faster_device(cuda_ms: float, cpu_ms: float, expected: str) -> None:
    seen: list[tuple[str, tuple[int, ...]]] = []
    chosen = gpu_policy.keep_faster(_engine("cuda"), lambda: _engine("cpu"), _fake_timer(cuda_ms, cpu_ms, seen))
    assert chosen.device == expected
    h, w = gpu_policy.PROBE_SIZE
    # each device at its own policy batch, on the probe frame in the model's layout
    assert seen == [("cuda", (gpu_policy.cuda_batch(h, w), 3, h, w)), ("cpu", (gpu_policy.CPU_BATCH, 3, h, w))]


def test_auto_probe_respects_fixed_graphs_and_failures() -> None:
    fixed = ModelContract("input", "output", layout="NHWC", fixed_size=(256, 256), batch_fixed=True)
    seen: list[tuple[str, tuple[int, ...]]] = []
    gpu_policy.keep_faster(_engine("cuda", fixed), lambda: _engine("cpu", fixed), _fake_timer(1.0, 2.0, seen))
    assert seen[0] == ("cuda", (1, 256, 256, 3))

    def broken() -> EngineSession:
        raise RuntimeError("no CPU engine")

    cuda = _engine("cuda")
    assert gpu_policy.keep_faster(cuda, broken, _fake_timer(5.0, 1.0, [])) is cuda  # a failed comparison keeps CUDA


def test_ms_per_frame_warms_up_then_takes_the_best_run() -> None:
    ticks = iter([0.0, 0.030, 1.0, 1.010])  # two timed runs: 30 ms and 10 ms
    calls: list[int] = []
    ms = gpu_policy.ms_per_frame(lambda b: calls.append(len(b)), np.zeros((2, 3, 8, 8), np.float32), runs=2, clock=lambda: next(ticks))
    assert calls == [2, 2, 2] and ms == pytest.approx(5.0)  # 10 ms for 2 frames


class _FakeOrt:
    """onnxruntime as a GPU machine shows it: the CUDA provider listed and starting."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def get_available_providers(self) -> list[str]:
        return [CUDA, CPU]

    def set_default_logger_severity(self, level: int) -> None:
        pass

    def SessionOptions(self) -> Any:  # noqa: N802 - onnxruntime's name
        return self.real.SessionOptions()

    def InferenceSession(self, path: str, sess_options: Any = None, providers: Any = None) -> Any:  # noqa: N802
        sess = self.real.InferenceSession(path, sess_options=sess_options, providers=[CPU])
        wanted = providers or [CPU]

        class Reported:  # the real CPU session, reporting the provider it was asked for
            def __getattr__(self, name: str) -> Any:
                return getattr(sess, name)

            def get_providers(self) -> list[str]:
                return list(wanted)

        return Reported()


def test_open_session_auto_compares_cuda_with_the_cpu_path(neg_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import onnxruntime

    monkeypatch.setattr(session, "_import_ort", lambda: _FakeOrt(onnxruntime))
    monkeypatch.setattr(session, "nvidia_gpu_present", lambda: True)
    monkeypatch.setattr(session.OnnxRuntimeRunner, "_run_cuda", lambda self, b: self.session.run([self.output_name], {self.input_name: b})[0])
    asked: list[str] = []

    def slow_gpu(cuda_engine: EngineSession, open_cpu: Any) -> EngineSession:
        asked.append(cuda_engine.device)
        return open_cpu()

    monkeypatch.setattr(gpu_policy, "keep_faster", slow_gpu)
    engine = open_session(neg_model, "auto", backend="onnxruntime")
    assert asked == ["cuda"] and engine.device == "cpu"
    asked.clear()
    assert open_session(neg_model, "cuda", backend="onnxruntime").device == "cuda" and asked == []  # --device cuda means CUDA
    assert open_session(neg_model, "cpu", backend="onnxruntime").device == "cpu" and asked == []


def test_convert_on_cuda_batches_by_the_policy(neg_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole convert path on a faked CUDA engine: the policy's batch reaches the model."""
    import onnxruntime
    from factories import make_clip

    monkeypatch.setattr(session, "_import_ort", lambda: _FakeOrt(onnxruntime))
    monkeypatch.setattr(session, "nvidia_gpu_present", lambda: True)
    batches: list[int] = []

    def run_cuda(self: session.OnnxRuntimeRunner, b: np.ndarray) -> np.ndarray:
        batches.append(b.shape[0])
        return self.session.run([self.output_name], {self.input_name: b})[0]

    monkeypatch.setattr(session.OnnxRuntimeRunner, "_run_cuda", run_cuda)
    monkeypatch.setattr(gpu_policy, "CUDA_BATCH", ((0.01, 5), (float("inf"), 2)))
    clip = make_clip(tmp_path / "clip.mp4", n_frames=11, size=(48, 64), fps=12, audio=None)
    out = convert(ConvertRequest(source=clip, output=tmp_path / "out.mp4", style=str(neg_model), device="cuda", temporal="off", keep_audio=False))
    assert out.device == "cuda" and out.results[0].frames == 11
    assert batches[1:] == [5, 5, 1]  # after the load probe; 64x48 = 0.003 MP: the first row
    batches.clear()
    convert(ConvertRequest(source=clip, output=tmp_path / "out2.mp4", style=str(neg_model), device="cuda", temporal="off", keep_audio=False, batch_size=3, overwrite=True))
    assert batches[1:] == [3, 3, 3, 2]  # --batch-size wins
