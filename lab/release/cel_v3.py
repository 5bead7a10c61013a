"""Release cel v3: the cel-v3-distill run becomes the bundled ``cel``; v2 stays as ``cel-v2``.

    python -m lab.release.cel_v3 runs/cel3 ../shared/data [--checkpoint PATH]
    python -m lab.release.int8 ../shared/data --styles cel      # then its int8 graph

Moves the v2 files to ``cel-v2.*`` (once), exports the student to ``cel.onnx`` (+ fp16), measures
v3 beside v2 and the teacher on the held-out photos (guards, faces), on two held-out clips
(warping error with the default smoothing and without) and in latency, draws the README grids
(photo | v2 | v3) and writes every figure to ``docs/cel_v3.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from lab.release.cel import CLIPS, README_CLIP_FRAMES, face_set, faces_kept, fit, frame_at, grid, render_set, style_report, stylizer, temporal
from training.export.onnx import export_generator
from training.plots import read_log
from training.teacher.cel_v3 import cel_v3_shade
from vidanime.bench.graph_stats import graph_stats
from vidanime.bench.latency import time_model
from vidanime.engine.cpu import cpu_model
from vidanime.images.io import read_image
from vidanime.styles.registry import BUNDLED_DIR

V2_FILES = ("cel.onnx", "cel.fp16.onnx", "cel.int8.onnx", "cel.md", "cel_loss.png")
LICENSE = "MIT (weights trained by vidanime on permissively licensed images; see cel.md)"


def keep_v2() -> Path:
    """``cel.*`` (v2) -> ``cel-v2.*`` with its own sidecar, unless that was done before."""
    v2 = BUNDLED_DIR / "cel-v2.onnx"
    if v2.is_file():
        return v2
    for name in V2_FILES:
        src = BUNDLED_DIR / name
        if src.is_file():
            shutil.copyfile(src, BUNDLED_DIR / name.replace("cel", "cel-v2", 1))
    sidecar = json.loads((BUNDLED_DIR / "cel.json").read_text())
    sidecar.update(name="cel-v2", license=sidecar["license"].replace("cel.md", "cel-v2.md"),
                   note="the previous default (v2): a light, beautifying touch that keeps the photo's detail; cel is v3")  # fmt: skip
    if "int8" in sidecar:
        sidecar["int8"]["file"] = "cel-v2.int8.onnx"
    (BUNDLED_DIR / "cel-v2.json").write_text(json.dumps(sidecar, indent=2) + "\n")
    return v2


def export_v3(run: Path, checkpoint: Path, steps: int) -> dict[str, object]:
    target = BUNDLED_DIR / "cel.onnx"
    (BUNDLED_DIR / "cel.int8.onnx").unlink(missing_ok=True)  # v2's; lab.release.int8 writes v3's
    report = export_generator(
        "context-unet-ink", target, checkpoint=checkpoint, style_name="cel", fp16=True, overwrite=True,
        extra_metadata={"recipe": "cel-v3-distill", "version": "3", "steps": str(steps), "license": LICENSE},
    )  # fmt: skip
    sidecar = {"name": "cel", "version": 3, "license": LICENSE, "arch": "context-unet-ink (width 16)", "recipe": "cel-v3-distill", "steps": steps}
    (BUNDLED_DIR / "cel.json").write_text(json.dumps(sidecar, indent=2) + "\n")
    shutil.copyfile(run / "loss.png", BUNDLED_DIR / "cel_loss.png")
    return {"params": report.params, "parity": report.parity, "file_mb": round(target.stat().st_size / 1e6, 2),
            "gmacs_720p": round(graph_stats(target, 720, 1280).gmacs, 2)}  # fmt: skip


def measure(run_dir: Path, data: Path, v3: Path, v2: Path) -> dict[str, object]:
    """Guards, faces, flicker and latency of v3 beside v2 (and the teacher's guards)."""
    holdout = [Path(line) for line in (run_dir / "holdout.txt").read_text().splitlines() if line.strip()]
    fn3, fn2 = stylizer(v3), stylizer(v2)
    new = lambda im: fn3(im[None])[0]  # noqa: E731
    old = lambda im: fn2(im[None])[0]  # noqa: E731
    f: dict[str, object] = {"cpu": cpu_model(), "holdout_photos": len(holdout)}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        f["style_v3"] = style_report(render_set(holdout, work / "v3", new))
        f["style_v2"] = style_report(render_set(holdout, work / "v2", old))
        f["style_teacher"] = style_report(render_set(holdout, work / "teacher", cel_v3_shade))
        people = face_set(data, holdout)
        f["faces"] = {"images": len(people), "v3": faces_kept(people, new), "v2": faces_kept(people, old)}
        f["temporal"] = {clip: {"v3": temporal(str(v3), data / "videos" / clip, work), "v2": temporal(str(v2), data / "videos" / clip, work)} for clip in CLIPS}
    latency: dict[str, list[float]] = {"v3": [], "v2": []}
    for _ in range(3):  # interleaved, so a busy moment costs both
        for name, path in (("v3", v3), ("v2", v2)):
            latency[name].append(time_model(path, 720, 1280, "cpu", runs=3, warmup=1, backend="openvino").median_ms)
    f["latency_720p_openvino_fp32_ms"] = {k: round(sorted(v)[1], 1) for k, v in latency.items()}
    photos = [fit(read_image(p)[0]) for p in holdout]
    chosen = [photos[i] for i in (0, 9, 18, 27, 36, 45) if i < len(photos)]
    grid([[(im, "photo"), (old(im), "cel v2"), (new(im), "cel v3")] for im in chosen], Path("samples/cel_grid.jpg"))
    frames = [frame_at(data / "videos" / clip, index) for clip, index in README_CLIP_FRAMES]
    grid([[(im, "frame"), (old(im), "cel v2"), (new(im), "cel v3")] for im in frames], Path("samples/cel_clip_grid.jpg"))
    return f


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path, help="the cel3 folder (holdout.txt, the run in ctx/)")
    parser.add_argument("data", type=Path, help="../shared/data")
    parser.add_argument("--run", default="ctx", help="the training run's folder inside run_dir")
    parser.add_argument("--checkpoint", type=Path, help="a generator checkpoint other than the run's last")
    args = parser.parse_args()
    run = args.run_dir / args.run
    rows = read_log(run / "log.jsonl")
    checkpoint = args.checkpoint or run / "checkpoints" / "generator.pt"
    v2 = keep_v2()
    f: dict[str, object] = {"steps": int(rows[-1]["step"]), **export_v3(run, checkpoint, int(rows[-1]["step"]))}
    f.update(measure(args.run_dir, args.data, BUNDLED_DIR / "cel.onnx", v2))
    f["final_losses"] = {k: round(v, 4) for k, v in rows[-1].items() if k not in ("step", "time", "seconds_per_step")}
    Path("docs/cel_v3.json").write_text(json.dumps(f, indent=2) + "\n")
    print(json.dumps(f, indent=2))


if __name__ == "__main__":
    main()
