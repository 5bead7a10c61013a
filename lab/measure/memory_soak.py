"""Memory over a long conversion: RSS sampled every half second while ``convert`` (defaults:
``--temporal flow``, audio kept) runs on a generated clip of ``--minutes`` with audio; prints and
writes the RSS at each tenth of the frames, the peak, and the growth over the second half.

    python -m lab.measure.memory_soak --minutes 10 --size 256x144 --json docs/memory_soak.json

Memory depends on the clip's length (queues, timestamps, audio) far more than on its frame size,
so a small frame size keeps a ten-minute soak to minutes of CPU."""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from vidanime.bench.machine import describe
from vidanime.pipeline.convert import ConvertRequest, convert
from vidanime.video.synthetic import write_clip


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def moving_picture(height: int, width: int):  # type: ignore[no-untyped-def]
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return lambda i: np.stack([(x + 3 * i) % 256, (y + 2 * i) % 256, (x * y / (height * width) * 255 + i) % 256], -1).astype(np.uint8)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--size", default="256x144", help="WIDTHxHEIGHT of the generated clip")
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--style", default="cel")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    frames = round(args.minutes * 60 * args.fps)
    work = Path(tempfile.mkdtemp(prefix="vidanime-soak-"))
    print(f"writing a {args.minutes:g}-minute {width}x{height} clip with audio ({frames} frames)", flush=True)
    clip = write_clip(work / "soak.mp4", moving_picture(height, width), frames, args.fps, codec_options={"preset": "ultrafast", "crf": "23"})
    samples: list[tuple[float, int, float]] = []  # (seconds, frames done, RSS MiB)
    done = [0]
    finished = threading.Event()
    start = time.perf_counter()

    def sample() -> None:
        while not finished.wait(0.5):
            samples.append((time.perf_counter() - start, done[0], rss_mib()))

    def progress(name: str, total: int | None):  # type: ignore[no-untyped-def]
        def step(n: int) -> None:
            done[0] += n

        return step

    threading.Thread(target=sample, daemon=True).start()
    request = ConvertRequest(source=clip, output=work / "out.mp4", style=args.style, overwrite=True, temporal="flow")
    outcome = convert(request, progress)
    finished.set()
    result = outcome.results[0]
    if result.error:
        raise SystemExit(f"conversion failed: {result.error}")
    by_tenth = []
    for tenth in range(1, 11):
        reached = [s for s in samples if s[1] >= frames * tenth / 10]
        if reached:
            by_tenth.append({"share": tenth / 10, "seconds": round(reached[0][0], 1), "rss_mib": round(reached[0][2], 1)})
    half = [s for s in samples if s[1] >= frames / 2]
    growth = (half[-1][2] - half[0][2]) if len(half) > 1 else 0.0
    report = {
        "machine": describe(),
        "clip": {"minutes": args.minutes, "size": args.size, "fps": args.fps, "frames": frames, "audio": True},
        "style": args.style,
        "engine": outcome.device,
        "frames_written": result.frames,
        "wall_seconds": round(time.perf_counter() - start, 1),
        "rss_by_tenth": by_tenth,
        "peak_rss_mib": round(max(s[2] for s in samples), 1),
        "second_half_growth_mib": round(growth, 1),
    }
    for row in by_tenth:
        print(f"{row['share']:>4.0%} of frames  {row['seconds']:>7.1f} s  RSS {row['rss_mib']:.1f} MiB")
    print(f"peak RSS {report['peak_rss_mib']} MiB; growth over the second half {report['second_half_growth_mib']} MiB")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
