"""``vidanime benchmark``: per-generator parameters, GMACs, latency (fp32; fp16 on CUDA; int8 on
CPU), the fraction of the machine's measured GEMM peak each run reaches, the FPT thesis' Table 1
beside our ratios, and an end-to-end conversion with the time split by stage.

The runtime never imports the training kit: the CLI hands over the registry generators it
exported and, where it can, an int8 quantizer."""

from __future__ import annotations

import tempfile
import time

try:
    import resource  # peak RSS; not on Windows
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from vidanime.bench import machine, paper
from vidanime.bench.graph_stats import count_params, graph_stats
from vidanime.bench.latency import time_model
from vidanime.bench.roofline import measure_peak
from vidanime.engine.openvino_backend import available as openvino_available

QUICK_ARCHS = ("lightweight", "animeganv3")

# (fp32 model, int8 target, contract, calibration images, quick) -> PSNR of int8 vs fp32 (dB)
Quantizer = Callable[[Path, Path, Any, list[np.ndarray], bool], float]


@dataclass
class BenchOptions:
    device: str = "cpu"
    quick: bool = False
    registry_models: list[tuple[str, Path, int]] = field(default_factory=list)  # (name, ONNX file, params)
    models: list[Path] = field(default_factory=list)
    quantize: Quantizer | None = None  # int8 rows on CPU when given
    calibration: Path | None = None
    runs: int = 5
    e2e: bool = True
    clip: Path | None = None  # the end-to-end clip (a generated one when None)
    e2e_qualities: tuple[str, ...] = ("auto",)
    backends: bool = True  # also time the bundled styles in OpenVINO when it is installed (CPU)
    work_dir: Path | None = None


@dataclass
class ModelRow:
    name: str
    source: str
    params: int
    gmacs: dict[str, float]
    latency: dict[str, dict[str, float]] = field(default_factory=dict)  # "fp32@720x1280" -> Latency fields
    peak_percent: dict[str, float] = field(default_factory=dict)
    int8_psnr_db: float | None = None
    notes: list[str] = field(default_factory=list)


def sizes(quick: bool) -> list[tuple[int, int]]:
    return [(256, 256)] if quick else [(256, 256), (720, 1280)]


def _style_models() -> list[tuple[str, Path, int, str]]:
    from vidanime.styles.registry import installed_styles

    return [(f"style:{s.name}", s.path, count_params(s.path), s.source) for s in installed_styles().values() if s.source == "bundled"]


def _calibration_images(options: BenchOptions) -> list[np.ndarray]:
    from vidanime.engine.probe import probe_image

    if options.calibration is not None:
        from vidanime.images.io import is_image_path, read_image

        files = sorted(p for p in options.calibration.rglob("*") if is_image_path(p))[:32]
        if files:
            return [read_image(p)[0] for p in files]
    return [probe_image(512, 512)[0]]  # no photos given: a synthetic probe (speed only; PSNR less meaningful)


def _int8_model(path: Path, images: list[np.ndarray], folder: Path, options: BenchOptions) -> tuple[Path, float]:
    from vidanime.engine.session import open_session

    assert options.quantize is not None
    target = folder / f"{path.stem}.int8.onnx"
    psnr = options.quantize(path, target, open_session(path, "cpu").contract, images, options.quick)
    return target, psnr


def run_benchmark(options: BenchOptions, say: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    work = options.work_dir or Path(tempfile.mkdtemp(prefix="vidanime-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"machine": machine.describe(), "quick": options.quick, "device": options.device}
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if options.device == "cuda" else ["CPUExecutionProvider"]
    say("measuring the machine's GEMM peak")
    peaks = {"fp32": measure_peak("fp32", providers, n=1024 if options.quick else 1536, seconds=0.5 if options.quick else 2.0)}
    if options.device == "cuda":
        peaks["fp16"] = measure_peak("fp16", providers)
    elif options.quantize is not None:
        peaks["int8"] = measure_peak("int8", providers, n=1024 if options.quick else 1536, seconds=0.5 if options.quick else 2.0)
    result["peak_gflops"] = {k: round(v.gflops, 1) for k, v in peaks.items()}
    models = [(name, path, params, "registry") for name, path, params in options.registry_models] + _style_models()
    models += [(p.stem, p, count_params(p), "file") for p in options.models]
    calib = _calibration_images(options) if options.quantize is not None and options.device == "cpu" else []
    rows = []
    runs = 2 if options.quick else options.runs
    for name, path, params, source in models:
        say(f"benchmarking {name}")
        row = ModelRow(name, source, params, {})
        for h, w in ((256, 256), (720, 1280)):
            row.gmacs[f"{h}x{w}"] = round(graph_stats(path, h, w).gmacs, 2)
        variants: list[tuple[str, Path]] = [("fp32", path)]
        if options.device == "cuda" and path.with_name(path.stem + ".fp16.onnx").exists():
            variants.append(("fp16", path.with_name(path.stem + ".fp16.onnx")))
        if calib:
            int8_path, psnr = _int8_model(path, calib, work, options)
            variants.append(("int8", int8_path))
            row.int8_psnr_db = round(psnr, 2)
        for precision, file in variants:
            # int8 graphs are timed in OpenVINO when it is there: ONNX Runtime runs them slower than fp32
            engine = "openvino" if precision == "int8" and options.device == "cpu" and openvino_available() else "onnxruntime"
            for h, w in sizes(options.quick):
                lat = time_model(file, h, w, options.device, runs=runs, warmup=1, backend=engine)
                if precision == "int8":
                    lat = replace(lat, provider=f"{engine} int8 graph")  # the engine runs the QDQ graph it was given
                key = f"{precision}@{h}x{w}"
                row.latency[key] = asdict(lat)
                peak = peaks.get(precision, peaks["fp32"])
                achieved = 2 * row.gmacs[f"{h}x{w}"] / (lat.median_ms / 1000)  # sizes() are among the counted ones
                row.peak_percent[key] = round(100 * achieved / peak.gflops, 1)
        if options.backends and options.device == "cpu" and source == "bundled" and openvino_available():
            for h, w in sizes(options.quick):  # the same file in the other CPU engine (what --backend auto picks)
                lat = time_model(path, h, w, "cpu", runs=runs, warmup=1, backend="openvino")
                row.latency[f"openvino@{h}x{w}"] = asdict(lat)
        note = paper.feasibility_note(name, row.gmacs["720x1280"])
        if note:
            row.notes.append(note)
        rows.append(row)
    result["models"] = [asdict(r) for r in rows]
    result["paper"] = paper_comparison(rows, options.quick)
    if options.e2e:
        result["end_to_end"] = end_to_end(options, work, say)
    return result


def paper_comparison(rows: list[ModelRow], quick: bool) -> dict[str, Any]:
    """Latency ratios to the lightweight model: ours (same run) next to the thesis'."""
    size = "256x256" if quick else "720x1280"
    ours = {r.name: r.latency.get(f"fp32@{size}", {}).get("median_ms") for r in rows}
    base_ours, base_paper = ours.get("lightweight"), paper.PAPER_MS["lightweight"]
    table = []
    for name, ms in paper.PAPER_MS.items():
        row: dict[str, Any] = {"model": name, "paper_ms": ms, "paper_params_m": paper.PAPER_PARAMS_M[name], "paper_ratio": round(ms / base_paper, 2)}
        if ours.get(name) and base_ours:
            row["our_ms"] = round(ours[name], 1)  # type: ignore[arg-type]
            row["our_ratio"] = round(ours[name] / base_ours, 2)  # type: ignore[operator]
        table.append(row)
    notes = [n for r in rows for n in r.notes]
    return {"source": paper.PAPER, "measured_at": size, "rows": table, "notes": notes}


def _drifting_gradient(height: int, width: int) -> Callable[[int], np.ndarray]:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return lambda i: np.stack([(x + 4 * i) % 256, (y * 0.5 + 2 * i) % 256, (x + y) / (height + width) * 255], -1).astype(np.uint8)


def end_to_end(options: BenchOptions, work: Path, say: Callable[[str], None]) -> dict[str, Any]:
    """``convert`` with its defaults (``--temporal flow``, audio kept, the default backend) on a real
    clip (``--clip``) or a generated one with audio, at each ``--quality`` asked for: fps, where the
    time goes, the model alone at the clip's size on the same engine, and the anchors' per-frame
    loop on the same clip and model (the baseline)."""
    from vidanime.pipeline.convert import ConvertRequest, convert
    from vidanime.styles.registry import installed_styles
    from vidanime.video.decode import VideoReader

    clip = options.clip or _generated_clip(work, options.quick)
    with VideoReader(clip) as reader:
        w, h = reader.info.width, reader.info.height
        has_audio = reader.has_audio
    if "cel" in installed_styles():
        style, model = "cel", installed_styles()["cel"].path
    else:
        model = work / "lightweight.onnx"
        if not model.exists():
            return {"skipped": "no bundled style and no training kit to export one"}
        style = str(model)
    say(f"end to end: model alone at {w}x{h} ({Path(style).stem}, default backend)")
    model_runs = 3 if options.quick else 5
    before = time_model(model, h, w, options.device, runs=model_runs, warmup=1, backend="auto")
    runs = []
    for quality in options.e2e_qualities:
        say(f"end to end: convert {clip.name} with {Path(style).stem}, --quality {quality}")
        request = ConvertRequest(source=clip, output=work / f"e2e_{quality}.mp4", style=style, device=options.device, overwrite=True, temporal="flow", quality=quality)
        t0 = time.perf_counter()
        outcome = convert(request)
        wall = time.perf_counter() - t0
        result = outcome.results[0]
        if result.error or result.report is None:
            raise RuntimeError(f"end-to-end conversion failed: {result.error}")
        r = result.report
        runs.append({
            "quality": quality,
            "engine": outcome.device,
            "frames": result.frames,
            "fps": round(result.frames / wall, 2),
            "wall_seconds": round(wall, 2),
            "stage_seconds": {k: round(v, 2) for k, v in r.stage_seconds.items()},
        })  # fmt: skip
    # the model alone again after the conversions: shared machines drift, and one side of the
    # ratio measured minutes before the other would credit (or blame) the pipeline for the drift
    say(f"end to end: model alone at {w}x{h} again")
    after = time_model(model, h, w, options.device, runs=model_runs, warmup=1, backend="auto")
    model_ms = (before.median_ms + after.median_ms) / 2
    best = next((x for x in runs if x["quality"] == "best"), None)
    if best is not None:
        best["vs_model_only"] = round(best["fps"] / (1000 / model_ms), 3)
    baseline = None
    if options.device == "cpu":
        from vidanime.bench.baseline import anchors_loop

        say("end to end: the anchors' per-frame loop on the same clip and model (baseline)")
        baseline = anchors_loop(clip, model, work / "baseline.mp4")
        for x in runs:
            x["vs_baseline"] = round(x["fps"] / baseline["fps"], 3)
    return {
        "clip": clip.name,
        "clip_is_real": options.clip is not None,
        "size": f"{w}x{h}",
        "audio": has_audio,
        "style": Path(style).stem,
        "temporal": "flow",
        "model_only": {"engine": before.provider, "ms": round(model_ms, 1), "fps": round(1000 / model_ms, 2),
                       "ms_before": round(before.median_ms, 1), "ms_after": round(after.median_ms, 1)},
        "runs": runs,
        "baseline_anchors_loop": baseline,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1) if resource else None,
    }


def _generated_clip(work: Path, quick: bool) -> Path:
    from vidanime.video.synthetic import write_clip

    h, w, n = (180, 320, 8) if quick else (720, 1280, 48)
    return write_clip(work / f"e2e_{h}p.mp4", _drifting_gradient(h, w), n, 24, codec_options={"preset": "ultrafast", "crf": "20"})
