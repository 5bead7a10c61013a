"""Write the int8 graph of bundled styles (``NAME.int8.onnx``, what ``--precision auto`` runs in
OpenVINO on the CPU) and measure what it gives up and what it gains.

    python -m lab.release.int8 ../shared/data [--styles cel shinkai] [--json docs/int8.json]

Calibration: one random 256 px crop of each of 32 photos-open pictures (the permissively licensed set the styles were
trained on). Measurement, on frames of five real clips that calibration never saw, at 720p:
PSNR and SSIM against the fp32 model, the fine-detail ratio, and ms per frame of OpenVINO fp32,
OpenVINO int8 and ONNX Runtime fp32, interleaved in one run. Also records the result in the
style's sidecar (``int8``, shown by ``styles info`` and the short card) and in docs/int8.json (the
"int8 graph" section of the style's docs page), then renders the cards again (lab.release.render_cards).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from lab.measure.upsample import agreement, frames_of
from lab.release import cards, render_cards
from training.export.onnx import export_int8
from vidanime.bench.machine import describe
from vidanime.engine.openvino_backend import OpenVINORunner
from vidanime.engine.session import EngineSession, open_session, usable_cores, variant_file
from vidanime.engine.stylizer import Stylizer
from vidanime.errors import VidanimeError
from vidanime.images.io import is_image_path
from vidanime.outputs import write_json
from vidanime.styles.registry import BUNDLED_DIR

CALIBRATION_PHOTOS = 32  # export_int8 takes one random crop of each
REPEATS = 3  # timing rounds, engines interleaved within each


def calibration_set(data: Path) -> list[Path]:
    photos = sorted(p for p in (data / "photos-open").iterdir() if is_image_path(p))
    random.Random(0).shuffle(photos)
    return photos[:CALIBRATION_PHOTOS]


def int8_engine(model: Path, fp32: EngineSession) -> EngineSession:
    """The int8 graph as ``--precision int8`` runs it on this CPU, or, where OpenVINO cannot (on an
    AMX Xeon OpenVINO 2026.4 cannot compile it with bf16 float parts), with fp32 float parts."""
    try:
        return open_session(model, "cpu", None, "openvino", "int8")
    except VidanimeError:
        runner = OpenVINORunner(variant_file(model, "int8"), usable_cores(), "int8", "f32")
        return EngineSession(runner.run, "cpu", fp32.contract, model, "openvino", runner.precision)


def stylizers(model: Path) -> tuple[dict[str, Stylizer], str]:
    """The three ways a CPU can run the style: OpenVINO fp32 / int8, ONNX Runtime fp32; and the
    precision the int8 graph ran at."""
    fp32 = open_session(model, "cpu", None, "openvino", "fp32")
    engines = {"openvino_fp32": fp32, "openvino_int8": int8_engine(model, fp32), "onnxruntime_fp32": open_session(model, "cpu", None, "onnxruntime")}
    return {name: Stylizer(e.run, e.contract) for name, e in engines.items()}, engines["openvino_int8"].precision


def measure(model: Path, frames: list[np.ndarray]) -> dict[str, object]:
    runs, int8_precision = stylizers(model)
    ref = [runs["openvino_fp32"](f[None])[0] for f in frames]
    out = [runs["openvino_int8"](f[None])[0] for f in frames]
    scores, ssim, detail = agreement(ref, out)
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(REPEATS):
        for name, st in runs.items():
            t0 = time.perf_counter()
            st(frames[0][None])
            times[name].append(1000 * (time.perf_counter() - t0))
    ms = {k: round(float(np.median(v)), 1) for k, v in times.items()}
    return {
        "psnr_db_median": round(float(np.median(scores)), 2),
        "psnr_db_min": round(float(min(scores)), 2),
        "ssim": round(ssim, 4),
        "fine_detail_vs_fp32": round(detail, 3),
        "ms_per_720p_frame": ms,
        "int8_speedup_vs_openvino_fp32": round(ms["openvino_fp32"] / ms["openvino_int8"], 2),
        "int8_speedup_vs_onnxruntime_fp32": round(ms["onnxruntime_fp32"] / ms["openvino_int8"], 2),
        "int8_precision": int8_precision,
        "machine": describe(),  # per style: a run measures only some styles, on whatever machine it has
        "frame_size": list(frames[0].shape[:2]),
        "frames": len(frames),
    }


def release(style: str, data: Path, frames: list[np.ndarray]) -> dict[str, object]:
    model = BUNDLED_DIR / f"{style}.onnx"
    report = export_int8(model, calibration_set(data))
    figures = measure(model, frames)
    figures["file"] = variant_file(model, "int8").name
    figures["size_bytes"] = report.path.stat().st_size
    figures["calibration"] = f"{report.calibration_crops} random crops of {CALIBRATION_PHOTOS} photos-open pictures (seed 0)"
    figures["psnr_db_on_calibration_crops"] = round(report.psnr_vs_fp32, 2)
    figures["psnr_db_on_probe"] = round(report.probe_psnr_vs_fp32, 2)  # ONNX Runtime; what --precision auto judges, in OpenVINO
    figures["float_convolutions"] = report.float_convolutions
    sidecar_path = model.with_suffix(".json")
    sidecar = json.loads(sidecar_path.read_text())
    sidecar["int8"] = {k: figures[k] for k in ("file", "psnr_db_median", "psnr_db_min", "int8_speedup_vs_openvino_fp32", "int8_precision")}
    sidecar["int8"]["cpu"] = figures["machine"]["cpu"]
    sidecar_path.write_text(json.dumps(sidecar, indent=2) + "\n")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the shared data folder (photos-open/, videos/)")
    parser.add_argument("--styles", nargs="+", default=["cel", "shinkai"])
    parser.add_argument("--json", type=Path, default=cards.INT8_FIGURES, help="where the figures go (styles not measured now are kept)")
    args = parser.parse_args()
    frames = [f[:720, :1280] for f in frames_of(args.data / "videos", per_clip=2)]
    out = {"machine": describe(), "clips_note": "2 frames each of lab.measure.upsample's five real clips, 720p", "styles": {s: release(s, args.data, frames) for s in args.styles}}
    print(json.dumps(out, indent=2))
    if args.json.is_file():  # keep the figures of the styles not measured in this run (each names its machine)
        out["styles"] = {**json.loads(args.json.read_text(encoding="utf-8")).get("styles", {}), **out["styles"]}
    write_json(args.json, out)
    if args.json.resolve() == cards.INT8_FIGURES:
        render_cards.render(args.styles)


if __name__ == "__main__":
    main()
