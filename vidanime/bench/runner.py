"""``vidanime benchmark``: per-generator parameters, GMACs, latency (fp32; fp16 on CUDA; int8 on
CPU), the fraction of the machine's measured GEMM peak each run reaches, the FPT thesis' Table 1
beside our ratios, and an end-to-end conversion with the time split by stage."""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import numpy as np

from vidanime.bench import machine, paper
from vidanime.bench.graph_stats import count_params, graph_stats
from vidanime.bench.latency import time_model
from vidanime.bench.roofline import measure_peak
from vidanime.video.encode import encode_signal

QUICK_ARCHS = ("lightweight", "animeganv3")


@dataclass
class BenchOptions:
    device: str = "cpu"
    quick: bool = False
    archs: list[str] | None = None  # None: every registry generator (needs the training kit)
    models: list[Path] = field(default_factory=list)
    int8: bool = True
    calibration: Path | None = None
    runs: int = 5
    e2e: bool = True
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


def _registry_models(names: list[str] | None, quick: bool, folder: Path) -> list[tuple[str, Path, int, str]]:
    """Export registry generators (random init: weights do not change the speed) once."""
    try:
        from training.export.onnx import export_generator
        from training.models.layers import count_params
        from training.models.registry import generator_names, get_arch
    except ImportError:
        return []
    wanted = names or (list(QUICK_ARCHS) if quick else generator_names())
    found = []
    for name in wanted:
        path = folder / f"{name}.onnx"
        if not path.exists():
            export_generator(name, path, overwrite=True)
        found.append((name, path, count_params(get_arch(name).build()), "registry"))
    return found


def _style_models() -> list[tuple[str, Path, int, str]]:
    from vidanime.styles.registry import installed_styles

    return [(f"style:{s.name}", s.path, count_params(s.path), s.source) for s in installed_styles().values() if s.source == "bundled"]


def _calibration_images(options: BenchOptions) -> list[np.ndarray]:
    from vidanime.styles.inspect import probe_image

    if options.calibration is not None:
        from vidanime.images.io import is_image_path, read_image

        files = sorted(p for p in options.calibration.rglob("*") if is_image_path(p))[:32]
        if files:
            return [read_image(p)[0] for p in files]
    return [probe_image(512, 512)[0]]  # no photos given: a synthetic probe (speed only; PSNR less meaningful)


def _int8_model(path: Path, images: list[np.ndarray], folder: Path, quick: bool) -> tuple[Path, float] | None:
    try:
        from training.export.quantize import calibration_crops, quantize_int8
    except ImportError:
        return None
    from vidanime.engine.session import open_session

    target = folder / f"{path.stem}.int8.onnx"
    contract = open_session(path, "cpu").contract
    report = quantize_int8(path, target, contract, calibration_crops(images, 256, 8 if quick else 16))
    return target, report.psnr_vs_fp32


def run_benchmark(options: BenchOptions, say: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    work = options.work_dir or Path(tempfile.mkdtemp(prefix="vidanime-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"machine": machine.describe(), "quick": options.quick, "device": options.device}
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if options.device == "cuda" else ["CPUExecutionProvider"]
    say("measuring the machine's GEMM peak")
    peaks = {"fp32": measure_peak("fp32", providers, n=1024 if options.quick else 1536, seconds=0.5 if options.quick else 2.0)}
    if options.device == "cuda":
        peaks["fp16"] = measure_peak("fp16", providers)
    elif options.int8:
        peaks["int8"] = measure_peak("int8", providers, n=1024 if options.quick else 1536, seconds=0.5 if options.quick else 2.0)
    result["peak_gflops"] = {k: round(v.gflops, 1) for k, v in peaks.items()}
    models = _registry_models(options.archs, options.quick, work) + _style_models()
    models += [(p.stem, p, count_params(p), "file") for p in options.models]
    calib = _calibration_images(options) if options.int8 and options.device == "cpu" else []
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
            made = _int8_model(path, calib, work, options.quick)
            if made is not None:
                variants.append(("int8", made[0]))
                row.int8_psnr_db = round(made[1], 2)
        for precision, file in variants:
            for h, w in sizes(options.quick):
                lat = time_model(file, h, w, options.device, runs=runs, warmup=1)
                key = f"{precision}@{h}x{w}"
                row.latency[key] = asdict(lat)
                peak = peaks.get(precision, peaks["fp32"])
                achieved = 2 * row.gmacs[f"{h}x{w}"] / (lat.median_ms / 1000)  # sizes() are among the counted ones
                row.peak_percent[key] = round(100 * achieved / peak.gflops, 1)
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


def make_clip(path: Path, frames: int, height: int, width: int, fps: int = 24) -> None:
    """A synthetic clip with audio: a drifting gradient scene (encoded fast, decoded for real)."""
    import av

    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "20"})
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        aus = out.add_stream("aac", rate=48000)
        aus.layout = "stereo"
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        for i in range(frames):
            img = np.stack([(x + 4 * i) % 256, (y * 0.5 + 2 * i) % 256, (x + y) / (height + width) * 255], -1).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
        samples = int(frames / fps * 48000)
        encode_signal(out, aus, 0.1 * np.sin(2 * np.pi * 440 * np.arange(samples) / 48000), 48000)


def end_to_end(options: BenchOptions, work: Path, say: Callable[[str], None]) -> dict[str, Any]:
    """``convert`` on a generated clip with the default style (or lightweight): fps and where time goes."""
    from vidanime.pipeline.convert import ConvertRequest, Job, convert_one_video, load_stylizer, smoother_factory
    from vidanime.pipeline.video import VideoOptions
    from vidanime.styles.registry import installed_styles, resolve_style

    h, w, n = (180, 320, 8) if options.quick else (720, 1280, 48)
    clip = work / f"e2e_{h}p.mp4"
    make_clip(clip, n, h, w)
    if "cel" in installed_styles():
        style = resolve_style("cel")
    else:
        from vidanime.styles.registry import Style

        style = Style("lightweight", work / "lightweight.onnx", "file")
        if not style.path.exists():
            return {"skipped": "no bundled style and no training kit to export one"}
    say(f"end to end: {n} frames at {w}x{h} with {style.name}")
    request = ConvertRequest(source=clip, style=style.name, device=options.device, temporal="flow")
    stylizer, engine = load_stylizer(style, request)
    model_only = time_model(style.path, h, w, options.device, runs=3 if options.quick else 5, warmup=1)
    out = work / "e2e_out.mp4"
    if out.exists():
        out.unlink()
    t0 = time.perf_counter()
    report = convert_one_video(Job(clip, out, "video"), stylizer, VideoOptions(batch_size=1), lambda name, total: (lambda k: None), smoother_factory(request)())
    wall = time.perf_counter() - t0
    r = report.report
    assert r is not None
    return {
        "style": style.name,
        "frames": report.frames,
        "size": f"{w}x{h}",
        "fps_end_to_end": round(report.frames / wall, 2),
        "fps_model_only": round(1000 / model_only.median_ms, 2),
        "ratio": round((report.frames / wall) / (1000 / model_only.median_ms), 3),
        "stage_seconds": {k: round(v, 2) for k, v in r.stage_seconds.items()},
        "smoothing_vs_inference": round(r.stage_seconds["smooth"] / max(1e-9, r.stage_seconds["infer"]), 3),
        "wall_seconds": round(wall, 2),
        "temporal": "flow",
    }


