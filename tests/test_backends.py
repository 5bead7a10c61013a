"""The CPU engines behind one session: ONNX Runtime, and OpenVINO with its int8 / bf16 quality gate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import engines_answer_like_fp32, fake_cpu
from factories import make_clip

from vidanime.cli.app import run
from vidanime.engine import openvino_backend as ovb
from vidanime.engine.session import open_session, variant_file
from vidanime.errors import UsageError, VidanimeError
from vidanime.styles.registry import installed_styles

needs_openvino = pytest.mark.skipif(not ovb.available(), reason="OpenVINO is not installed (pip install '.[openvino]')")


@needs_openvino
def test_openvino_matches_onnxruntime_on_the_bundled_style() -> None:
    model = installed_styles()["cel"].path
    ort, ov = open_session(model, "cpu", 2, "onnxruntime"), open_session(model, "cpu", 2, "openvino", "fp32")
    assert (ort.backend, ov.backend) == ("onnxruntime", "openvino")
    x = np.random.default_rng(0).uniform(-1, 1, (1, 3, 64, 96)).astype(np.float32)
    assert np.abs(ov.run(x) - ort.run(x)).max() < 1e-3
    y = np.random.default_rng(1).uniform(-1, 1, (2, 3, 40, 56)).astype(np.float32)  # another shape compiles again
    assert np.abs(ov.run(y) - ort.run(y)).max() < 1e-3


@needs_openvino
def test_bf16_only_when_the_probe_agrees(tmp_path: Path) -> None:
    model = tmp_path / "cel.onnx"  # without the int8 graph the bundled one ships
    model.write_bytes(installed_styles()["cel"].path.read_bytes())
    ort = open_session(model, "cpu", 2, "onnxruntime")
    probe = np.random.default_rng(0).uniform(-1, 1, (1, 3, 72, 88)).astype(np.float32)
    runner, note = ovb.make_runner(model, 2, ort.run, probe, 2.0, has_bf16=True)
    assert runner.precision == "bf16" and "dB against fp32" in note
    runner, note = ovb.make_runner(model, 2, lambda x: -ort.run(x), probe, 2.0, has_bf16=True)  # a reference it cannot match
    assert runner.precision == "fp32" and "<" in note
    runner, note = ovb.make_runner(model, 2, ort.run, probe, 2.0, has_bf16=False)
    assert runner.precision == "fp32" and "no bf16" in note


def _style_with_int8(folder: Path, name: str = "cel") -> Path:
    """A copy of a bundled style and its shipped int8 graph in ``folder``."""
    import shutil

    source = installed_styles()[name].path
    model = folder / source.name
    shutil.copyfile(source, model)
    shutil.copyfile(variant_file(source, "int8"), variant_file(model, "int8"))
    return model


@needs_openvino
def test_int8_graph_used_when_its_probe_agrees(tmp_path: Path) -> None:
    model = _style_with_int8(tmp_path)
    ort = open_session(model, "cpu", 2, "onnxruntime")
    probe = np.random.default_rng(0).uniform(-1, 1, (1, 3, 72, 88)).astype(np.float32)
    runner, note = ovb.make_runner(model, 2, ort.run, probe, 2.0, has_bf16=False)
    assert runner.precision == "int8" and "dB against fp32" in note
    x = np.random.default_rng(2).uniform(-1, 1, (1, 3, 64, 96)).astype(np.float32)
    error = np.abs(runner.run(x) - ort.run(x))
    assert 0 < error.mean() < 0.02  # really the int8 graph (not fp32), and close to fp32
    runner, note = ovb.make_runner(model, 2, lambda x: -ort.run(x), probe, 2.0, has_bf16=False)
    assert runner.precision == "fp32" and "int8 probe" in note  # a probe it cannot match: fp32
    runner, _ = ovb.make_runner(model, 2, ort.run, probe, 2.0, has_bf16=False, precision="fp32")
    assert runner.precision == "fp32"


# What --precision auto picks for a style that ships an int8 graph, per CPU kind, when every
# precision passes its probe: the int8 graph everywhere, its float parts in bf16 where the CPU has
# bf16 units.
AUTO_PRECISION = {"avx2": "int8", "avx512-bf16": "int8+bf16", "amx": "int8+bf16"}


@needs_openvino
@pytest.mark.parametrize("kind", sorted(AUTO_PRECISION))
def test_auto_precision_per_cpu_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    fake_cpu(monkeypatch, kind)
    model = _style_with_int8(tmp_path)
    engines_answer_like_fp32(monkeypatch, model)
    assert open_session(model, "cpu", 2, "auto").precision == AUTO_PRECISION[kind]
    variant_file(model, "int8").write_bytes(b"not a model")  # damaged: auto falls back, int8 says why
    assert open_session(model, "cpu", 2, "auto").precision == ("bf16" if kind != "avx2" else "fp32")
    with pytest.raises(VidanimeError, match="cannot read"):
        open_session(model, "cpu", 2, "auto", "int8")


@needs_openvino
@pytest.mark.parametrize("kind", ["avx512-bf16", "amx"])
def test_auto_falls_back_to_bf16_when_int8_with_bf16_fails_on_this_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    fake_cpu(monkeypatch, kind)
    model = _style_with_int8(tmp_path)
    engines_answer_like_fp32(monkeypatch, model, failing=("int8+bf16",))
    session = open_session(model, "cpu", 2, "auto")
    assert session.precision == "bf16" and "int8+bf16 failed: No suitable implementations" in session.precision_note
    # asked for by name, the failure is one clear line, not OpenVINO's source location
    with pytest.raises(VidanimeError, match=r"cannot run cel.onnx in int8\+bf16 on this CPU \(No suitable implementations\.\)"):
        open_session(model, "cpu", 2, "auto", "int8")


@needs_openvino
def test_precision_requests_that_cannot_be_met_are_clear_errors(tmp_path: Path, neg_model: Path) -> None:
    with pytest.raises(VidanimeError, match="no neg.int8.onnx"):
        open_session(neg_model, "cpu", 1, "auto", "int8")
    with pytest.raises(UsageError, match="needs the OpenVINO engine"):
        open_session(neg_model, "cpu", 1, "onnxruntime", "int8")
    with pytest.raises(UsageError, match="unknown precision"):
        open_session(neg_model, "cpu", 1, "auto", "fp8")
    assert open_session(neg_model, "cpu", 1, "onnxruntime", "fp32").backend == "onnxruntime"


@needs_openvino
def test_convert_reports_the_precision_it_ran(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = make_clip(tmp_path / "clip.mp4", n_frames=4, size=(64, 96))
    assert run(["convert", str(clip), "--style", "cel", "-o", str(tmp_path / "a.mp4")]) == 0
    err = capsys.readouterr().err
    assert "openvino int8" in err and "precision: int8 (probe" in err and "dB against fp32)" in err  # and why
    assert run(["convert", str(clip), "--style", "cel", "--precision", "fp32", "-o", str(tmp_path / "b.mp4")]) == 0
    assert "openvino fp32" in capsys.readouterr().err
    assert run(["convert", str(clip), "--style", "cel", "--backend", "onnxruntime", "--precision", "int8", "-o", str(tmp_path / "c.mp4")]) == 2
    assert "needs the OpenVINO engine" in capsys.readouterr().err and not (tmp_path / "c.mp4").exists()


def test_openvino_required_but_absent_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, neg_model: Path) -> None:
    monkeypatch.setattr(ovb, "available", lambda: False)
    with pytest.raises(VidanimeError, match="pip install"):
        open_session(neg_model, "cpu", 1, "openvino")
    assert open_session(neg_model, "cpu", 1, "auto").backend == "onnxruntime"  # auto falls back quietly


@needs_openvino
def test_a_graph_openvino_cannot_read_stays_on_onnxruntime_unless_asked(monkeypatch: pytest.MonkeyPatch, neg_model: Path) -> None:
    def refuse(self: object, model_path: Path, *args: object) -> None:
        raise VidanimeError(f"OpenVINO cannot read {model_path.name}: unsupported operator")

    monkeypatch.setattr(ovb.OpenVINORunner, "__init__", refuse)
    assert open_session(neg_model, "cpu", 1, "auto").backend == "onnxruntime"
    with pytest.raises(VidanimeError, match="cannot read"):
        open_session(neg_model, "cpu", 1, "openvino")


@needs_openvino
def test_one_loader_one_engine_built_whole(neg_model: Path) -> None:
    """The model OpenVINO runs holds no ONNX Runtime session, its engine cannot be changed after
    it is built, and the contract carries the overrides given to the loader."""
    import dataclasses

    from vidanime.model import ModelOptions, load_model

    model = load_model(ModelOptions(style=str(neg_model), contract_overrides={"channel_order": "BGR"}))
    assert model.engine.backend == "openvino" and model.engine.session is None
    assert model.contract.channel_order == "BGR" and model.contract.arch == "neg" and model.contract.size_multiple == 8
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.engine.contract = model.contract  # type: ignore[misc]
    ort = load_model(ModelOptions(style=str(neg_model), backend="onnxruntime"))
    assert ort.engine.session is not None and ort.describe() == "cpu"
    frame = np.random.default_rng(0).integers(0, 256, (1, 24, 40, 3), dtype=np.uint8)
    assert np.array_equal(model.stylizer("image")(frame), ort.stylizer("image")(frame[..., ::-1].copy())[..., ::-1])


def test_the_model_decides_pictures_and_video_frames(neg_model: Path) -> None:
    from vidanime.model import ModelOptions, load_model

    auto = load_model(ModelOptions(style=str(neg_model)))
    assert auto.stylizer("image").processing_size(720, 1280) == (720, 1280)  # pictures at full size
    assert auto.stylizer("video").processing_size(720, 1280) == (540, 960)  # 720p+ video at balanced
    fast = load_model(ModelOptions(style=str(neg_model), quality="fast"))
    assert fast.stylizer("image").processing_size(720, 1280) == fast.stylizer("video").processing_size(720, 1280) == (360, 640)


def test_an_openvino_failure_is_told_in_its_own_words_not_its_source_location() -> None:
    raised = RuntimeError(
        "Exception from src/inference/src/cpp/core.cpp:117:\nException from src/inference/src/dev/plugin.cpp:54:\n"
        "Check '!implementations.empty()' failed at src/plugins/intel_cpu/src/nodes/executors/executor_factory.hpp:117:\n"
        "No suitable implementations.This may indicate that the provided memory descriptors are not compatible with any implementation.\n"
    )
    assert ovb.short_reason(raised) == "No suitable implementations."
    assert ovb.short_reason(RuntimeError("unsupported operator Foo (opset 1.2)")) == "unsupported operator Foo (opset 1.2)"
    assert ovb.short_reason(RuntimeError("")) == "RuntimeError"
