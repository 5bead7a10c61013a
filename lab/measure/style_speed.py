"""How fast bundled styles run on this CPU: the model alone at each OpenVINO precision, the
precision ``--precision auto`` picks (and why), and a default conversion end to end.

    python -m lab.measure.style_speed ../shared/data/videos/CLIP [--styles cel cel-v3] [--json docs/cel_v3_speed.json]

Every entry is timed in turn within each round, so a busy moment on a shared machine costs all of
them alike; a conversion is the whole ``python -m vidanime convert`` process with default settings.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from vidanime.bench.machine import describe
from vidanime.engine.cpu import cpu_has_bf16
from vidanime.engine.openvino_backend import OpenVINORunner, int8_sibling, short_reason
from vidanime.engine.session import open_session
from vidanime.outputs import write_json
from vidanime.styles.registry import BUNDLED_DIR

THREADS = 2  # the cores of the machine the figures in docs/ were taken on


def precision_runners(style: str) -> dict[str, OpenVINORunner]:
    """Every precision OpenVINO can run ``style`` at on this CPU."""
    model = BUNDLED_DIR / f"{style}.onnx"
    runners = {"fp32": OpenVINORunner(model, THREADS, "fp32")}
    int8 = int8_sibling(model)
    if cpu_has_bf16():
        runners["bf16"] = OpenVINORunner(model, THREADS, "bf16", "bf16")
    if int8 is not None:
        runners["int8"] = OpenVINORunner(int8, THREADS, "int8")
        if cpu_has_bf16():
            runners["int8+bf16"] = OpenVINORunner(int8, THREADS, "int8", "bf16")
    return {f"{style} {p}": r for p, r in runners.items()}


def interleaved(jobs: dict[str, Any], rounds: int, once: Callable[[Any], object]) -> dict[str, list[float]]:
    """Seconds of ``once(job)`` for each job, ``rounds`` times, the jobs in turn within a round."""
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, job in jobs.items():
            t0 = time.perf_counter()
            once(job)
            times[name].append(time.perf_counter() - t0)
    return times


def model_alone(styles: list[str], rounds: int) -> dict[str, dict[str, float]]:
    """Median and best ms per 720p frame of random content (content does not change the speed)."""
    runners = {name: r for s in styles for name, r in precision_runners(s).items()}
    frame = np.random.default_rng(0).uniform(-1, 1, (1, 3, 720, 1280)).astype(np.float32)
    failed: dict[str, dict[str, str]] = {}
    for name, r in list(runners.items()):  # the first runs compile for this size
        try:
            r.run(frame)
        except RuntimeError as exc:  # a precision this CPU's OpenVINO cannot compile (int8+bf16 on an AMX Xeon, 2026.4)
            failed[name] = {"fails": short_reason(exc)}
            del runners[name]
            continue
        r.run(frame)
    times = interleaved(runners, rounds, lambda r: r.run(frame))
    return {**{name: {"median_ms": round(1000 * statistics.median(t), 1), "best_ms": round(1000 * min(t), 1)} for name, t in times.items()}, **failed}


def auto_choice(style: str) -> str:
    """What ``--precision auto`` runs ``style`` at on this CPU, with the probe's reason."""
    engine = open_session(BUNDLED_DIR / f"{style}.onnx", "cpu", THREADS, "openvino", "auto")
    return engine.precision_note


def end_to_end(clip: Path, styles: list[str], rounds: int) -> dict[str, list[float]]:
    """Wall seconds of a default ``vidanime convert`` of ``clip`` per style (the whole process)."""
    with tempfile.TemporaryDirectory(prefix="style-speed-") as tmp:

        def convert(style: str) -> None:
            out = Path(tmp) / f"{style}.mp4"
            out.unlink(missing_ok=True)
            subprocess.run([sys.executable, "-m", "vidanime", "convert", str(clip), "-o", str(out), "--style", style], check=True, capture_output=True)

        times = interleaved({s: s for s in styles}, rounds, convert)
    return {s: [round(t, 2) for t in ts] for s, ts in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path, help="the clip converted end to end")
    parser.add_argument("--styles", nargs="+", default=["cel", "cel-v3"])
    parser.add_argument("--model-rounds", type=int, default=7)
    parser.add_argument("--convert-rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, help="where the figures go")
    args = parser.parse_args()
    if not args.clip.is_file():
        sys.exit(f"error: no clip at {args.clip}")
    out: dict[str, object] = {
        "machine": describe(),
        "load_average_before": os.getloadavg(),  # other work on the machine, which the figures share it with
        "threads": THREADS,
        "auto_precision": {s: auto_choice(s) for s in args.styles},
        "model_alone_720p": model_alone(args.styles, args.model_rounds),
        "clip": args.clip.name,
        "convert_wall_s": end_to_end(args.clip, args.styles, args.convert_rounds),
    }
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))
    if args.json:
        write_json(args.json, out)


if __name__ == "__main__":
    main()
