"""How much the --quality presets give up against full-size processing, on frames of real clips.

    python -m lab.measure.upsample [--styles cel] [--short-sides 720 1080] [--precision int8]
                                  [--json docs/upsample_eval.json]

Frames of five real clips are scaled to each short side. For each preset (balanced, fast) the
model runs at the preset's fraction of the short side and the result comes back to full size
twice: by the guided filter (what convert does) and by a plain cubic resize (what it would be
without it). Each is compared with the model run at full size in fp32: PSNR (mean and worst
frame), SSIM and the fine-detail ratio of the style figures (1.0 = as much fine detail as
full-size processing). The presets run at ``--precision`` in OpenVINO (what ``auto`` picks when
the style ships an int8 graph); "best" at that precision is reported against fp32 too. Also the
time per frame of each preset (model + upsampling, this machine, one run).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from vidanime.bench.machine import describe
from vidanime.engine.session import open_session
from vidanime.engine.stylizer import Stylizer
from vidanime.model import QUALITY_SCALE
from vidanime.outputs import write_json
from vidanime.quality.style import fine_detail, luma
from vidanime.styles.registry import resolve_style
from vidanime.temporal.metrics import video_frames

CLIPS = [  # real footage of different kinds: animals, people, a portrait, a flower, sport
    "imageio__imageio-binaries__images_cockatoo.mp4",
    "williamyang1991__Rerender_A_Video__videos_pexels-antoni-shkraba-8048492-540x960-25fps.mp4",
    "williamyang1991__VToonify__data_529.mp4",
    "mdn__shared-assets__videos_flower.mp4",
    "showlab__Tune-A-Video__data_man-skiing.mp4",
]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float32) - b.astype(np.float32)) ** 2).mean())
    return 10 * np.log10(255.0**2 / max(mse, 1e-9))


def agreement(refs: list[np.ndarray], outs: list[np.ndarray]) -> tuple[list[float], float, float]:
    """How close ``outs`` are to ``refs``: the PSNR of each pair, the mean SSIM, and the median
    fine-detail ratio (output / reference; 1.0 = as much fine detail)."""
    scores = [psnr(a, b) for a, b in zip(refs, outs)]
    ssim = float(np.mean([structural_similarity(a, b, channel_axis=2) for a, b in zip(refs, outs)]))
    detail = float(np.median([fine_detail(luma(b)) / max(fine_detail(luma(a)), 1e-6) for a, b in zip(refs, outs)]))
    return scores, ssim, detail


def at_short_side(frame: np.ndarray, short: int = 720) -> np.ndarray:
    """The frame scaled to ``short`` px on its short side (the presets are meant for 720p and up)."""
    h, w = frame.shape[:2]
    s = short / min(h, w)
    return cv2.resize(frame, (round(w * s / 2) * 2, round(h * s / 2) * 2), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)


def frames_of(clips_dir: Path, per_clip: int = 3, short: int = 720) -> list[np.ndarray]:
    out = []
    for name in CLIPS:
        path = clips_dir / name
        if not path.is_file():
            continue
        taken = [f for _, f in zip(range(120), video_frames(path))]
        out += [at_short_side(f, short) for f in taken[10::40][:per_clip]]
    return out


def evaluate(style: str, frames: list[np.ndarray], precision: str) -> dict[str, object]:
    model = resolve_style(style).path
    reference = open_session(model, "cpu", None, "openvino", "fp32")
    engine = open_session(model, "cpu", None, "openvino", precision)
    full = Stylizer(reference.run, reference.contract)
    refs = [full(f[None])[0] for f in frames]
    result: dict[str, object] = {}
    for preset, scale in QUALITY_SCALE.items():
        for method in ("guided",) if scale == 1.0 else ("guided", "resize"):
            st = Stylizer(engine.run, engine.contract, upsample=method, scale=scale)
            outs, seconds = [], []
            for f in frames:
                t0 = time.perf_counter()
                outs.append(st(f[None])[0])
                seconds.append(time.perf_counter() - t0)
            scores, ssim, detail = agreement(refs, outs)
            result[preset if scale == 1.0 else f"{preset}_{method}"] = {
                "short_side": round(min(frames[0].shape[:2]) * scale),
                "psnr_db": round(float(np.mean(scores)), 2),
                "psnr_db_worst_frame": round(float(min(scores)), 2),
                "ssim": round(ssim, 4),
                "fine_detail_vs_best": round(detail, 3),
                "ms_per_frame": round(1000 * float(np.median(seconds)), 1),
            }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data" / "videos")
    parser.add_argument("--styles", nargs="+", default=["cel"])
    parser.add_argument("--short-sides", nargs="+", type=int, default=[720, 1080])
    parser.add_argument("--precision", default="auto", help="of the presets' runs in OpenVINO (the reference is always fp32 at full size)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sides = {}
    for short in args.short_sides:
        frames = frames_of(args.videos, short=short)
        sides[f"{short}p"] = {"frames": len(frames), "styles": {s: evaluate(s, frames, args.precision) for s in args.styles}}
    out = {"machine": describe(), "clips": CLIPS, "precision": args.precision, "short_sides": sides}
    print(json.dumps(out, indent=2))
    if args.json:
        write_json(args.json, out)


if __name__ == "__main__":
    main()
