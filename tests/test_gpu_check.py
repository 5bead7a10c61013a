"""lab/check/gpu.py without a GPU: the tiny CPU dry run end to end, the kit (parts joined and
checked, wheels installed offline), and the GPU-only summaries fed with GPU-shaped results."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lab.check import gpu as gpu_check


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pytest.importorskip("torch")
    root = tmp_path_factory.mktemp("gpu_check")
    out = root / "gpu.json"
    code = gpu_check.main(["--cpu-dry-run", "--tiny", "--out", str(out), "--work", str(root / "work"), "--kit", str(root / "no-kit")])
    data = json.loads(out.read_text())
    assert code == 0, data.get("failed_sections")
    return data


def test_tiny_dry_run_labels_itself_and_runs_every_section(tiny_run: dict[str, Any]) -> None:
    d = tiny_run
    assert d["kind"] == "cpu-dry-run" and d["label"].startswith("CPU DRY RUN on ") and "No figure here is a GPU figure" in d["label"]
    assert d["failed_sections"] == []
    for section in ("install", "versions", "tests", "clip", "model_only", "end_to_end", "training", "policy", "targets"):
        assert section in d, section
    assert d["install"]["status"].startswith("skipped: no wheels")
    assert d["versions"]["onnxruntime"] and d["versions"]["cpu"]
    assert d["targets"]["status"] == "not measured: CPU dry run"


def test_tiny_dry_run_model_grid(tiny_run: dict[str, Any]) -> None:
    m = tiny_run["model_only"]
    assert m["device"] == "cpu" and m["note"].startswith("CPU DRY RUN")
    configs = m["configs"]
    # cel x (fp16, fp32) x one size x batches (1, 2) x IO binding (on, off, device)
    assert len(configs) == 12 and all(c["fps"] and c["ms_per_frame"] and not c["error"] for c in configs)
    assert {c["graph"] for c in configs} == {"cel.onnx", "cel.fp16.onnx"}
    assert {c["io_binding"] for c in configs} == {"on", "off", "device"}
    assert all(v >= 40 for v in m["fp16_psnr_db"].values()) and m["fp16_psnr_db"]
    fp32 = [c["psnr_vs_cpu_fp32_db"] for c in configs if c["precision"] == "fp32" and c["psnr_vs_cpu_fp32_db"] is not None]
    assert fp32 and min(fp32) >= 60  # the same graph on the same provider
    assert tiny_run["policy"]["rows"][0]["policy_batch"] == 16  # 96x64: the table's first row


def test_tiny_dry_run_end_to_end_and_training(tiny_run: dict[str, Any]) -> None:
    e = tiny_run["end_to_end"]
    run = e["runs"][0]
    assert run["cli"]["frames"] > 0 and run["cli"]["audio_kept"]
    timed = run["timed"]
    assert timed["frames"] == run["cli"]["frames"] and timed["fps_pipeline"] > 0
    assert set(timed["stage_seconds"]) == {"decode", "infer", "smooth", "encode"}
    assert timed["model_stage_parts_seconds"]["model"] > 0 and timed["model_calls"] >= 1
    t = tiny_run["training"]["rows"][0]
    assert t["recipe"] == "cel-distill" and isinstance(t["steps_per_second"]["cpu fp32"], float)
    assert t["steps_per_second"]["fp16 AMP"] is None  # CUDA settings: not run in a dry run


class FakeMemory:
    """A 100 MiB GPU where every measured batch frame takes 60 MiB."""

    total_mib = 100.0

    def __init__(self) -> None:
        self.used = 0.0

    def used_mib(self) -> float:
        value = self.used
        self.used += 60.0
        return value


def test_batches_that_would_not_fit_the_gpu_are_not_tried(tmp_path: Path) -> None:
    import numpy as np

    plan = gpu_check.Plan.tiny()
    plan.precisions, plan.io_modes = ["fp32"], ["on"]
    frames = [np.full((72, 128, 3), 120, np.uint8)]
    result = gpu_check.model_only(plan, True, frames, tmp_path, FakeMemory())  # type: ignore[arg-type]
    first, second = result["configs"]
    assert first["fps"] and first["gpu_mem_mib"] == 60.0
    assert second["fps"] is None and "over 85% of the GPU's memory" in second["skipped"]


def _wheel(folder: Path, name: str = "gpucheckdemo", version: str = "0.1") -> Path:
    """A minimal pure-Python wheel, made by hand (no network, no build backend)."""
    path = folder / f"{name}-{version}-py3-none-any.whl"
    files = {f"{name}/__init__.py": b"VALUE = 42\n",
             f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
             f"{name}-{version}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}  # fmt: skip
    record = []
    for arc, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{arc},sha256={digest},{len(data)}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    with zipfile.ZipFile(path, "w") as z:
        for arc, data in files.items():
            z.writestr(arc, data)
        z.writestr(f"{name}-{version}.dist-info/RECORD", "\n".join(record) + "\n")
    return path


def test_kit_parts_are_joined_checked_and_installed_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = tmp_path / "whole"
    whole.mkdir()
    wheel = _wheel(whole)
    (whole / "clip.mp4").write_bytes(bytes(range(256)) * 40)  # 10 KiB: cut into 3 parts of 4 KiB
    files = {p.name: {"sha256": gpu_check.sha256(p), "bytes": p.stat().st_size} for p in whole.iterdir()}
    kit = tmp_path / "kit"
    gpu_check.split_kit(whole, kit, 4096, files)
    assert files["clip.mp4"]["parts"] == 3 and all(f.stat().st_size <= 4096 + 2000 for f in kit.rglob("*.part-*"))
    assert all((folder / "manifest.json").is_file() for folder in kit.glob("part-*"))
    joined = gpu_check.kit_files(kit, tmp_path / "joined")
    assert joined["problems"] == [] and sorted(joined["files"]) == sorted(files)
    assert joined["files"]["clip.mp4"].read_bytes() == (whole / "clip.mp4").read_bytes()

    # what the GPU machine does with the kit: pip --no-index into a private folder
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", "")
    args = gpu_check.parse(["--kit", str(kit), "--site", str(tmp_path / "site")])
    result = gpu_check.install(args, dry=False)
    assert result["wheels"][wheel.name]["fits_this_python"] and result["clips"] == ["clip.mp4"]
    assert (tmp_path / "site" / "gpucheckdemo" / "__init__.py").is_file()
    assert str(tmp_path / "site") in sys.path and str(tmp_path / "site") in __import__("os").environ["PYTHONPATH"]
    dry = gpu_check.install(args, dry=True)
    assert dry["status"].startswith("dry run: would install 1 wheel")

    # a damaged or missing part is reported, never installed
    piece = next(kit.rglob("clip.mp4.part-001"))
    piece.write_bytes(b"x" + piece.read_bytes()[1:])
    assert gpu_check.kit_files(kit, tmp_path / "j2")["problems"] == ["clip.mp4: sha256 differs from the manifest"]
    piece.unlink()
    assert gpu_check.kit_files(kit, tmp_path / "j3")["problems"] == ["clip.mp4: 2 of 3 parts present"]


def test_wheel_tags_are_matched_to_the_python() -> None:
    ok = gpu_check.wheel_compatible
    assert ok("onnxruntime_gpu-1.31.1-cp312-cp312-manylinux_2_28_x86_64.whl", "3.12.3")
    assert not ok("onnxruntime_gpu-1.31.1-cp312-cp312-manylinux_2_28_x86_64.whl", "3.11.7")
    assert ok("av-18.1.0-cp311-abi3-manylinux_2_28_x86_64.whl", "3.12.3") and not ok("av-18.1.0-cp311-abi3-manylinux_2_28_x86_64.whl", "3.10.1")
    assert ok("onnxconverter_common-1.16.0-py2.py3-none-any.whl", "3.12.0")
    assert not ok("clip.mp4", "3.12.0")


def _config(style: str, precision: str, size: str, batch: int, io: str, fps: float, psnr: float | None = None, mem: float = 900.0) -> dict[str, Any]:
    return {"style": style, "precision": precision, "size": size, "batch": batch, "io_binding": io, "fps": fps, "gpu_mem_mib": mem, "psnr_vs_cpu_fp32_db": psnr}


def test_policy_and_targets_read_gpu_results() -> None:
    """The summaries that only a GPU run feeds, fed with results shaped like one."""
    configs = [
        _config("cel", "fp16", "1920x1080", 1, "on", 200.0, psnr=47.0),
        _config("cel", "fp16", "1920x1080", 4, "on", 310.0),
        _config("cel", "fp16", "1920x1080", 8, "on", 330.0),
        _config("cel", "fp16", "1920x1080", 8, "device", 420.0),
        _config("cel", "fp32", "1920x1080", 8, "on", 150.0),
        _config("shinkai", "fp16", "1920x1080", 1, "on", 190.0, psnr=38.5),
    ]
    model = {"configs": configs, "fp16_psnr_db": gpu_check.fp16_psnr([gpu_check.Config(**{**c, "graph": "", "model_input": ""}) for c in configs])}
    pol = gpu_check.policy(model)
    cel = next(r for r in pol["rows"] if r["style"] == "cel")
    assert cel["policy_batch"] == 4 and cel["best_batch"] == 8 and cel["policy_vs_best"] == pytest.approx(310 / 330, abs=1e-3)
    assert pol["fp16_below_gate"] == {"shinkai@1920x1080": 38.5}
    data = {
        "model_only": model,
        "end_to_end": {"runs": [{"quality": "auto", "cli": {"fps_including_start": 40.0, "gpu_memory": {"peak_above_baseline_mib": 2048.0}},
                                 "timed": {"fps_pipeline": 55.0, "fps_after_first_call": 75.0}}]},  # fmt: skip
        "tests": {"passed": 13, "failed": 0, "skipped": 1},
    }
    t = gpu_check.targets(data, dry=False)
    assert t["cel_1080p_model_fps"]["value"] == 420.0 and t["cel_1080p_model_fps"]["host_to_host"] == 330.0 and t["cel_1080p_model_fps"]["met"]
    assert t["e2e_1080p_fps"]["value"] == 75.0 and t["e2e_1080p_fps"]["met"]
    assert t["e2e_gpu_mem_gib"] == {"target": 4.0, "value": 2.0, "met": True}
    assert t["fp16_psnr_db"]["min"] == 38.5 and not t["fp16_psnr_db"]["met"]
    assert t["cuda_tests"]["met"]


def test_stage_clock_splits_the_cuda_run_and_restores_the_engine(neg_model: Path) -> None:
    """The CUDA branch of the end-to-end timing (upload, IO-bound run, copy back), on a CPU session
    that says it is on CUDA: the answer is the model's, each part is timed, the patches come off."""
    import dataclasses

    import numpy as np

    import vidanime.engine.stylizer as st
    from vidanime.engine.session import EngineSession, open_session

    engine = dataclasses.replace(open_session(neg_model, "cpu", backend="onnxruntime"), device="cuda")
    before = (EngineSession.run, st.to_model_input)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 16, 24)).astype(np.float32)
    with gpu_check.StageClock(device_type="cpu") as clock:
        y = engine.run(x)
        st.to_model_input(np.zeros((1, 8, 8, 3), np.uint8), engine.contract)
    assert np.allclose(y, -x)
    assert clock.first_call is not None and clock.first_call[0] == 2 and clock.calls == 1
    assert all(clock.seconds[k] > 0 for k in ("host_to_device", "model", "device_to_host", "to_model_input"))
    assert (EngineSession.run, st.to_model_input) == before
