"""`vidanime benchmark --quick --json`: every field present and sane (no timing thresholds)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

pytest.importorskip("torch")

from factories import frame_pattern  # noqa: E402

from training.export.onnx import export_generator  # noqa: E402
from vidanime.bench.paper import feasibility_note, required_tflops  # noqa: E402
from vidanime.cli.app import run  # noqa: E402
from vidanime.engine.openvino_backend import available as openvino_available  # noqa: E402
from vidanime.engine.session import open_session  # noqa: E402


def test_quick_benchmark_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench.json"
    args = ["benchmark", "--quick", "--json", str(out), "--plot", str(tmp_path / "bench.png"), "--e2e-quality", "best", "--e2e-quality", "fast"]
    assert run(args) == 0
    data = json.loads(out.read_text())
    assert data["machine"]["cores"] >= 1 and data["machine"]["cpu"] and data["machine"]["onnxruntime"]
    assert data["peak_gflops"]["fp32"] > 0 and data["peak_gflops"]["int8"] > 0
    rows = {r["name"]: r for r in data["models"]}
    light = rows["lightweight"]
    assert light["params"] == 1_467_075 and light["gmacs"]["720x1280"] == pytest.approx(114.84, abs=0.01)
    for key in ("fp32@256x256", "int8@256x256"):
        lat = light["latency"][key]
        assert 0 < lat["p10_ms"] <= lat["median_ms"] <= lat["p90_ms"]
        assert 0 < light["peak_percent"][key] < 300
    assert light["int8_psnr_db"] > 20
    paper = data["paper"]
    assert [r["model"] for r in paper["rows"]] == ["lightweight", "animegan", "cartoongan", "cyclegan"]
    assert paper["rows"][0]["our_ratio"] == 1.0 and paper["rows"][2]["paper_ratio"] == pytest.approx(148.02 / 15.23, abs=0.01)
    assert any("exceed" in n or "above" in n for n in paper["notes"])
    e2e = data["end_to_end"]
    assert e2e["size"] == "320x180" and e2e["audio"] and not e2e["clip_is_real"] and e2e["model_only"]["fps"] > 0
    assert e2e["model_only"]["ms"] == pytest.approx((e2e["model_only"]["ms_before"] + e2e["model_only"]["ms_after"]) / 2, abs=0.1)
    assert [r["quality"] for r in e2e["runs"]] == ["best", "fast"]
    for r in e2e["runs"]:
        assert r["frames"] == 8 and r["fps"] > 0 and r["vs_baseline"] > 0
        assert set(r["stage_seconds"]) == {"decode", "infer", "smooth", "encode"}
    assert e2e["runs"][0]["vs_model_only"] > 0 and "vs_model_only" not in e2e["runs"][1]
    assert e2e["baseline_anchors_loop"]["frames"] == 8 and e2e["peak_rss_mib"] > 50
    if openvino_available():  # the bundled style also timed in the other CPU engine
        assert rows["style:cel"]["latency"]["openvino@256x256"]["median_ms"] > 0
    assert (tmp_path / "bench.png").stat().st_size > 5000
    assert "end to end" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [(["--e2e-quality", "ultra"], "--e2e-quality takes"), (["--clip", "no/such.mp4"], "no such file")])
def test_benchmark_rejects_bad_options(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["benchmark", "--quick", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_feasibility_arithmetic() -> None:
    assert required_tflops(100.0, 10.0) == pytest.approx(20.0)  # 200 GFLOP in 10 ms
    assert feasibility_note("lightweight", 114.8) is not None
    assert feasibility_note("lightweight", 10.0) is None and feasibility_note("unknown", 1e6) is None


def test_int8_leaves_the_output_finish_in_float() -> None:
    import onnx

    from training.export.quantize import output_finish_nodes
    from vidanime.styles.registry import installed_styles

    graph = onnx.load(str(installed_styles()["shinkai"].path))
    after = {n.name: n.op_type for n in graph.graph.node if n.name in set(output_finish_nodes(graph))}
    assert "MaxPool" in after.values() and "Conv" not in after.values()  # the despeckle, not the network
    int8 = onnx.load(str(installed_styles()["shinkai"].path.with_name("shinkai.int8.onnx")))
    quantized_inputs = {i for n in int8.graph.node if n.op_type == "DequantizeLinear" for i in n.output}
    finish = [n for n in int8.graph.node if n.op_type == "MaxPool"]
    assert finish and not any(i in quantized_inputs for n in finish for i in n.input)


def test_int8_export_stays_close_to_fp32(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(4):
        cv2.imwrite(str(photos / f"{i}.png"), frame_pattern(i, 300, 320))
    report = export_generator("lightweight", tmp_path / "lw.onnx", overrides={"width": 8}, int8_calibration=sorted(photos.iterdir()))
    assert report.int8 is not None and report.int8.psnr_vs_fp32 > 30
    engine = open_session(report.int8.path, "cpu")
    assert engine.contract.arch == "lightweight"  # metadata survives quantization
    assert run(["export-onnx", "--arch", "lightweight", "-o", str(tmp_path / "x.onnx"), "--int8"]) == 2
    assert "--calibration" in capsys.readouterr().err


def test_latency_spread_stays_inside_the_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three runs, one slow (a loaded machine): p10 and p90 lie between the fastest and slowest
    run, never extrapolated past them (it once reported a negative p10)."""
    import types

    from vidanime.bench import latency
    from vidanime.engine.contract import ModelContract

    clock = {"now": 0.0}
    durations = iter([0.0, 0.0, 0.010, 0.030, 0.002])  # two warm-up runs, then three timed ones

    class FakeEngine:
        backend, precision = "openvino", "fp32"
        contract = ModelContract("input", "output")

        def run(self, x: object) -> None:
            clock["now"] += next(durations)

    monkeypatch.setattr("vidanime.engine.session.open_session", lambda *a: FakeEngine())
    monkeypatch.setattr(latency, "time", types.SimpleNamespace(perf_counter=lambda: clock["now"]))
    lat = latency.time_model(Path("m.onnx"), 64, 64, runs=3)
    assert lat.median_ms == pytest.approx(10.0) and 2.0 <= lat.p10_ms <= lat.median_ms <= lat.p90_ms <= 30.0
