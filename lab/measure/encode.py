"""How much each x264 preset costs and keeps on stylised 720p frames: ms per frame, PSNR of the
decoded result against the frames handed in, and bits per frame; the basis of the default preset.

    python -m lab.measure.encode CLIP [--style cel] [--frames 48] [--json out.json]

Frames are the style's output for the clip's first frames (what ``convert`` encodes), so the
figures describe flat, line-drawn pictures rather than camera noise."""

from __future__ import annotations

import argparse
import io
import json
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from vidanime.bench.machine import describe
from vidanime.engine.session import open_session
from vidanime.engine.stylizer import Stylizer
from vidanime.styles.registry import resolve_style
from vidanime.video.decode import VideoReader

PRESETS = ("medium", "fast", "faster", "veryfast", "superfast")


def stylised_frames(clip: Path, style: str, count: int) -> list[np.ndarray]:
    engine = open_session(resolve_style(style).path, "cpu")
    stylizer = Stylizer(engine.run, engine.contract)
    out = []
    with VideoReader(clip) as reader:
        for frame in reader.frames():
            out.append(stylizer(frame.image[None])[0])
            if len(out) == count:
                break
    return out


def encode(frames: list[np.ndarray], preset: str, crf: int, threads: int) -> tuple[bytes, float]:
    buf = io.BytesIO()
    h, w = frames[0].shape[:2]
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=Fraction(24))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": str(crf), "preset": preset}
        stream.thread_count = threads
        t0 = time.perf_counter()
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
        seconds = time.perf_counter() - t0
    return buf.getvalue(), seconds


def psnr(frames: list[np.ndarray], data: bytes) -> float:
    with av.open(io.BytesIO(data)) as inp:
        decoded = [f.to_ndarray(format="rgb24") for f in inp.decode(video=0)]
    mse = np.mean([np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2) for a, b in zip(frames, decoded)])
    return float(10 * np.log10(255.0**2 / max(mse, 1e-12)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", type=Path)
    ap.add_argument("--style", default="cel")
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--crf", type=int, default=18)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    frames = stylised_frames(args.clip, args.style, args.frames)
    rows = []
    for preset in PRESETS:
        for threads in (0, 1):  # 0: x264 picks (about 1.5 per core)
            data, seconds = encode(frames, preset, args.crf, threads)
            rows.append({"preset": preset, "threads": threads or "auto", "ms_per_frame": round(1000 * seconds / len(frames), 1), "psnr_db": round(psnr(frames, data), 2), "kbit_per_frame": round(8 * len(data) / 1000 / len(frames), 1)})
            print(rows[-1], flush=True)
    result = {"machine": describe(), "clip": args.clip.name, "style": args.style, "frames": len(frames), "size": f"{frames[0].shape[1]}x{frames[0].shape[0]}", "crf": args.crf, "rows": rows}
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
