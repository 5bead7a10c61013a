"""Measure `convert --ray` against one process on this machine, and the overheads a projection to
N machines needs: Ray start, seeking into a segment, joining the segments.

    python -m lab.measure.ray_bench [CLIP] [--json docs/ray_bench.json]

Without CLIP a 20 s 640x360 clip is generated. Every figure comes from one run on one
machine, named in the output.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import ray

from vidanime.bench.machine import describe
from vidanime.outputs import write_json
from vidanime.pipeline.convert import ConvertRequest, convert
from vidanime.pipeline.segments import join_segments, plan_segments
from vidanime.video.decode import VideoReader
from vidanime.video.synthetic import write_clip


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip", nargs="?", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--segment-seconds", type=float, default=5.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vidanime-raybench-"))
    clip = args.clip
    if clip is None:
        y, x = np.mgrid[0:360, 0:640].astype(np.float32)
        clip = write_clip(work / "clip.mp4", lambda i: np.stack([(x + 4 * i) % 256, (y + 2 * i) % 256, (x + y) % 256], -1).astype(np.uint8), 480, 24, codec_options={"preset": "ultrafast", "g": "48"})
    out: dict[str, object] = {"machine": describe(), "clip": str(clip), "segment_seconds": args.segment_seconds}
    base = dict(source=clip, overwrite=True, segment_seconds=args.segment_seconds)
    seconds, outcome = timed(lambda: convert(ConvertRequest(output=work / "one.mp4", **base)))
    frames = outcome.results[0].frames
    out["one_process"] = {"seconds": round(seconds, 2), "fps": round(frames / seconds, 2), "frames": frames}
    seconds, _ = timed(lambda: ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False))
    out["ray_start_seconds"] = round(seconds, 2)
    for workers, threads in ((1, 2), (2, 1)):
        request = ConvertRequest(output=work / f"ray{workers}.mp4", ray="local", ray_workers=workers, threads=threads, **base)
        seconds, outcome = timed(lambda request=request: convert(request))
        out[f"ray_{workers}x{threads}"] = {"seconds": round(seconds, 2), "fps": round(outcome.results[0].frames / seconds, 2)}
    ray.shutdown()
    with VideoReader(clip) as reader:
        plan = plan_segments(reader.keyframes(), reader.info.time_base, args.segment_seconds)
        seeks = []
        for seg in plan[1:]:
            t0 = time.perf_counter()
            next(f for f in reader.frames(seek_to=seg.start_pts) if f.pts >= seg.start_pts)
            seeks.append(time.perf_counter() - t0)
    out["segments"] = len(plan)
    out["seek_to_first_frame_seconds"] = round(float(np.mean(seeks)), 3) if seeks else 0.0
    parts = []
    from dataclasses import replace

    from vidanime.pipeline.segments import convert_segment
    from vidanime.pipeline.video import VideoOptions
    from vidanime.video.encode import EncodeSettings

    identity = lambda x: x  # noqa: E731 - the join is what is measured, not the model
    for seg in plan:
        part = work / f"seg_{seg.index:03d}.mp4"
        convert_segment(clip, seg, part, identity, VideoOptions(encode=replace(EncodeSettings(), preset="ultrafast")))
        parts.append(part)
    seconds, _ = timed(lambda: join_segments(parts, clip, work / "joined.mp4", True))
    out["join_seconds"] = round(seconds, 2)
    one = out["one_process"]  # type: ignore[assignment]
    film_frames, film_segments = 2 * 3600 * 24, int(2 * 3600 / args.segment_seconds)  # a two-hour film at 24 fps
    per_segment_overhead = float(out["seek_to_first_frame_seconds"]) + float(out["join_seconds"]) / len(plan)  # type: ignore[arg-type]

    def film_hours(n: int) -> float:
        work = film_frames / float(one["fps"]) / n  # type: ignore[index]
        return round((float(out["ray_start_seconds"]) + work + per_segment_overhead * film_segments / n) / 3600, 2)  # type: ignore[arg-type]

    out["projection"] = {
        "note": "a projection, not a measurement: a two-hour 24 fps film at this clip's size, on N machines each as fast as "
        "this one in one process, segments spread evenly, Ray start + seek + join counted, network copies not",
        **{f"{n}_machines_hours": film_hours(n) for n in (1, 2, 4, 8, 16)},
    }
    print(json.dumps(out, indent=2))
    if args.json:
        write_json(args.json, out)


if __name__ == "__main__":
    main()
