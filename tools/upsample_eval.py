"""How much the --quality presets give up against full-size processing, on frames of real clips.

    python tools/upsample_eval.py [--styles cel shinkai manga] [--json docs/upsample_eval.json]

For each preset (balanced, fast) the model runs at the preset's short side and the result comes
back to full size twice: by the guided filter (what convert does) and by a plain cubic resize
(what it would be without it). Each is compared with the model run at full size: PSNR, SSIM and
the fine-detail ratio of the style figures (1.0 = as much fine detail as full-size processing).
Also the time per 720p frame of each preset (model + upsampling, this machine, one run).
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
from vidanime.pipeline.convert import QUALITY
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


def at_720p(frame: np.ndarray) -> np.ndarray:
    """Frames at 720 px short side, as the presets are meant for 720p and up."""
    h, w = frame.shape[:2]
    s = 720 / min(h, w)
    return cv2.resize(frame, (round(w * s / 2) * 2, round(h * s / 2) * 2), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)


def frames_of(clips_dir: Path, per_clip: int = 3) -> list[np.ndarray]:
    out = []
    for name in CLIPS:
        path = clips_dir / name
        if not path.is_file():
            continue
        taken = [f for _, f in zip(range(120), video_frames(path))]
        out += [at_720p(f) for f in taken[10::40][:per_clip]]
    return out


def evaluate(style: str, frames: list[np.ndarray]) -> dict[str, object]:
    engine = open_session(resolve_style(style).path, "cpu", None, "onnxruntime")
    full = Stylizer(engine.run, engine.contract)
    refs = [full(f[None])[0] for f in frames]
    result: dict[str, object] = {}
    for preset, side in QUALITY.items():
        if side is None:
            t0 = time.perf_counter()
            full(frames[0][None])
            result[preset] = {"ms_per_720p_frame": round(1000 * (time.perf_counter() - t0), 1)}
            continue
        for method in ("guided", "resize"):
            st = Stylizer(engine.run, engine.contract, side, upsample=method)
            outs, seconds = [], []
            for f in frames:
                t0 = time.perf_counter()
                outs.append(st(f[None])[0])
                seconds.append(time.perf_counter() - t0)
            result[f"{preset}_{method}"] = {
                "short_side": side,
                "psnr_db": round(float(np.mean([psnr(a, b) for a, b in zip(refs, outs)])), 2),
                "ssim": round(float(np.mean([structural_similarity(a, b, channel_axis=2) for a, b in zip(refs, outs)])), 4),
                "fine_detail_vs_best": round(float(np.median([fine_detail(luma(b)) / max(fine_detail(luma(a)), 1e-6) for a, b in zip(refs, outs)])), 3),
                "ms_per_720p_frame": round(1000 * float(np.median(seconds)), 1),
            }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "videos")
    parser.add_argument("--styles", nargs="+", default=["cel"])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    frames = frames_of(args.videos)
    out = {"machine": describe(), "frames": len(frames), "clips": CLIPS, "styles": {s: evaluate(s, frames) for s in args.styles}}
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
