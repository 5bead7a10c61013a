"""The CPU engines behind one session: ONNX Runtime, and OpenVINO with its bf16 quality gate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vidanime.engine import openvino_backend as ovb
from vidanime.engine.session import open_session
from vidanime.errors import VidanimeError
from vidanime.styles.registry import installed_styles

needs_openvino = pytest.mark.skipif(not ovb.available(), reason="OpenVINO is not installed (pip install '.[openvino]')")


@needs_openvino
def test_openvino_matches_onnxruntime_on_the_bundled_style() -> None:
    model = installed_styles()["cel"].path
    ort, ov = open_session(model, "cpu", 2, "onnxruntime"), open_session(model, "cpu", 2, "openvino")
    assert (ort.backend, ov.backend) == ("onnxruntime", "openvino")
    x = np.random.default_rng(0).uniform(-1, 1, (1, 3, 64, 96)).astype(np.float32)
    assert np.abs(ov.run(x) - ort.run(x)).max() < 1e-3
    y = np.random.default_rng(1).uniform(-1, 1, (2, 3, 40, 56)).astype(np.float32)  # another shape compiles again
    assert np.abs(ov.run(y) - ort.run(y)).max() < 1e-3


@needs_openvino
def test_bf16_only_when_the_probe_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    model = installed_styles()["cel"].path
    ort = open_session(model, "cpu", 2, "onnxruntime")
    probe = np.random.default_rng(0).uniform(-1, 1, (1, 3, 72, 88)).astype(np.float32)
    runner, note = ovb.make_runner(model, 2, ort.run, probe, 2.0, want_bf16=True)
    assert runner.precision == "bf16" and "dB against fp32" in note
    runner, note = ovb.make_runner(model, 2, lambda x: -ort.run(x), probe, 2.0, want_bf16=True)  # a reference it cannot match
    assert runner.precision == "fp32" and "<" in note
    runner, note = ovb.make_runner(model, 2, ort.run, probe, 2.0, want_bf16=False)
    assert runner.precision == "fp32" and "no bf16" in note


def test_openvino_required_but_absent_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, neg_model: Path) -> None:
    monkeypatch.setattr(ovb, "available", lambda: False)
    with pytest.raises(VidanimeError, match="pip install"):
        open_session(neg_model, "cpu", 1, "openvino")
    assert open_session(neg_model, "cpu", 1, "auto").backend == "onnxruntime"  # auto falls back quietly
