"""``vidanime doctor``: the one-line CUDA verdict for each way CUDA goes unused, ONNX Runtime's own
error read from its log, the precision per CPU kind, and the JSON a bug report carries."""

from __future__ import annotations

import json
import os
from pathlib import Path

import onnxruntime as ort
import pytest
from conftest import engines_answer_like_fp32, fake_cpu

from vidanime.cli.app import run
from vidanime.cli.doctor_cmd import cuda_lines
from vidanime.diagnostics import cuda
from vidanime.diagnostics.report import cpu_units, style_engines
from vidanime.engine import session
from vidanime.styles.registry import resolve_style, user_styles_dir
from vidanime.video.encode import CODECS

CUDA, CPU = session.CUDA, session.CPU
# What onnxruntime-gpu 1.31 logs on a machine without CUDA 13 (colour codes included).
ORT_LOG = (
    "\x1b[1;31m2026-11-26 23:15:58.059061170 [E:onnxruntime:Default, provider_bridge_ort.cc:2458 operator()] "
    "/onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:2043 onnxruntime::Provider& "
    "onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library "
    "/venv/lib/python3.11/site-packages/onnxruntime/capi/libonnxruntime_providers_cuda.so with error: "
    "libcublasLt.so.13: cannot open shared object file: No such file or directory\n\x1b[m\n"
    "\x1b[0;93m2026-11-26 23:15:58.059113689 [W:onnxruntime:Default, onnxruntime_pybind_state.cc:1295 "
    "CreateExecutionProviderFactoryInstance] Failed to create CUDAExecutionProvider. Require cuDNN 9.* and "
    "CUDA 13.*. Please install all dependencies as mentioned in the GPU requirements page.\x1b[m\n"
)
NO_LIBRARIES = {stem: [] for stem in cuda.LIBRARIES}


def fake_machine(monkeypatch: pytest.MonkeyPatch, providers: list[str], gpu: bool, driver: str | None = None) -> None:
    monkeypatch.setattr(ort, "get_available_providers", lambda: providers)
    monkeypatch.setattr(session, "nvidia_gpu_present", lambda: gpu)
    monkeypatch.setattr(cuda, "driver_version", lambda: driver)
    monkeypatch.setattr(cuda, "find_libraries", lambda: dict(NO_LIBRARIES))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


def test_cpu_build_says_so_without_trying_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_machine(monkeypatch, [CPU], gpu=True, driver="550.54.14 (NVIDIA A10)")
    monkeypatch.setattr(cuda, "start_provider", lambda: pytest.fail("a CPU build has no provider to start"))
    facts = cuda.gather()
    assert facts.reason.startswith("CUDA not used: onnxruntime") and "has no CUDA provider" in facts.reason
    assert "\n" not in facts.reason and not facts.started and facts.provider_error is None


def test_no_driver_is_the_one_line_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_machine(monkeypatch, [CUDA, CPU], gpu=False)
    monkeypatch.setattr(cuda, "start_provider", lambda: (False, "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file", "cuDNN 9.* and CUDA 13.*"))
    facts = cuda.gather()
    assert facts.reason == "CUDA not used: no NVIDIA GPU driver on this machine"
    assert "libcublasLt.so.13" in facts.provider_error  # the provider's own error is kept beside it
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert cuda.gather().reason == "CUDA not used: CUDA_VISIBLE_DEVICES='-1' hides every GPU"


def test_provider_failing_names_its_error_and_the_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_machine(monkeypatch, [CUDA, CPU], gpu=True, driver="550.54.14 (NVIDIA A10)")
    libraries = dict(NO_LIBRARIES, cudart=["/usr/local/cuda-11.8/lib64/libcudart.so.11"], cublas=["/usr/lib/libcublas.so.12"])
    monkeypatch.setattr(cuda, "find_libraries", lambda: libraries)
    error = "Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file"
    monkeypatch.setattr(cuda, "start_provider", lambda: (False, error, "cuDNN 9.* and CUDA 12.*"))
    facts = cuda.gather()
    assert facts.reason == (
        f"CUDA not used: the CUDA provider failed to start: {error}; this ONNX Runtime needs cuDNN 9.* and CUDA 12.*; "
        "try pip install 'vidanime[cuda]'"
    )
    gaps = cuda.version_gaps(facts.libraries, facts.requirement)
    assert "cudart is 11, needs 12" in gaps and "cudnn missing" in gaps and not any(g.startswith("cublas ") for g in gaps)
    shown = "\n".join(text for _, text in cuda_lines(facts))
    assert "driver: 550.54.14 (NVIDIA A10)" in shown and f"provider: {error}" in shown and "cudart is 11, needs 12" in shown


def test_working_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_machine(monkeypatch, [CUDA, CPU], gpu=True, driver="550.54.14 (NVIDIA A10)")
    monkeypatch.setattr(cuda, "start_provider", lambda: (True, None, None))
    assert cuda.gather().reason == "CUDA used by --device auto (driver 550.54.14 (NVIDIA A10))"


def test_provider_log_is_read_to_its_error_and_requirement() -> None:
    error, requirement = cuda.parse_provider_log(ORT_LOG)
    assert error == "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory"
    assert requirement == "cuDNN 9.* and CUDA 13.*"
    assert cuda.parse_provider_log("") == (None, None)


@pytest.mark.skipif(CUDA not in ort.get_available_providers(), reason="this ONNX Runtime is the CPU build: there is no CUDA provider to start")
def test_starting_the_real_provider_gives_an_answer() -> None:
    started, error, _ = cuda.start_provider()  # on a machine without CUDA: ONNX Runtime's error, read from its C++ log
    assert started or (error and "\n" not in error and "[E:" not in error)


@pytest.mark.parametrize(("kind", "bf16", "precision"), [("avx2", [], "int8"), ("amx", ["amx_bf16", "avx512_bf16"], "int8+bf16")])
def test_precision_per_cpu_kind(monkeypatch: pytest.MonkeyPatch, kind: str, bf16: list[str], precision: str) -> None:
    pytest.importorskip("openvino", reason="the precision choice is OpenVINO's")
    fake_cpu(monkeypatch, kind)
    engines_answer_like_fp32(monkeypatch, resolve_style("cel").path)
    assert cpu_units().bf16 == bf16 and ("amx_int8" in cpu_units().int8) == (kind == "amx")
    cel = style_engines("cel", resolve_style("cel"))  # the bundled cel ships an int8 graph and an fp16 one
    assert (cel.cpu_backend, cel.cpu_precision, cel.cuda_model) == ("openvino", precision, "cel.fp16.onnx")
    assert cel.cpu_why.startswith(f"{precision} (probe ") and cel.error is None


def test_doctor_screen_and_json_on_a_cpu_only_machine(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(session, "nvidia_gpu_present", lambda: False)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    assert run(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    reason = report["cuda"]["reason"]
    assert reason.startswith("CUDA not used: ") and "\n" not in reason
    assert reason == "CUDA not used: no NVIDIA GPU driver on this machine" or "has no CUDA provider" in reason
    assert report["machine"]["cpu_flags"] == ["avx", "avx2", "fma", "f16c"]  # conftest's faked AVX2 CPU
    assert {"cel", "manga", "shinkai"} <= {s["name"] for s in report["styles"]}
    assert all(s["cpu_precision"] in ("fp32", "int8", "bf16", "int8+bf16") for s in report["styles"])
    assert list(report["codecs"]) == list(CODECS) and report["codecs"]["h264"]["available"] is True
    assert report["user_folder"]["path"] == str(user_styles_dir())
    assert run(["doctor"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("CUDA ")] == [f"CUDA      {reason}"]  # one line says why
    assert any(line.split()[:3] == ["styles", "cel", "CPU"] for line in lines) and any("libx264 ok" in line for line in lines)


@pytest.mark.skipif(os.name == "nt", reason="the Linux library names")
def test_libraries_found_on_the_loader_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("libcudnn.so.9", "libcublasLt.so.12", "libcublas.so.12.4.5.8", "libcudnn_ops.so.9"):
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path))
    found = cuda.find_libraries()
    assert str(tmp_path / "libcudnn.so.9") in found["cudnn"] and str(tmp_path / "libcublasLt.so.12") in found["cublasLt"]
    assert not any(str(tmp_path) in f for f in found["cublas"] + found["cudnn"] if not f.endswith((".so.9", ".so.12")))
    assert cuda.version_gaps({"cudnn": [str(tmp_path / "libcudnn.so.9")], "cublasLt": [str(tmp_path / "libcublasLt.so.12")]}, "cuDNN 9.* and CUDA 13.*") == ["cublasLt is 12, needs 13"]
