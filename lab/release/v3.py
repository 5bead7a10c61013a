"""Release a v3 student (a ``context-unet-ink`` distilled from a v3 teacher) as an opt-in bundled
style beside its v2 counterpart; what differs between styles is a ``V3Style`` (lab.release.cel_v3,
lab.release.shinkai_v3), the export, measurement and card are written here once.

Exports the student to ``NAME.onnx`` with its ink gain and bias, measures it beside v2 and the
teacher on the held-out photos (guards, faces), on two held-out clips (warping error with the
default smoothing and without) and in latency, draws the README grids (photo | v2 | v3), writes
every figure to the style's figures file and renders the card and docs page.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import numpy as np
import onnx

from lab.release import cards
from lab.release.cel import CLIP_FRAMES, CLIPS, README_CLIP_FRAMES, face_set, faces_kept, fit, frame_at, grid, render_set, style_report, stylizer, temporal
from training.export.onnx import checkpoint_from_onnx, export_generator
from training.plots import final_losses, read_log, wall_minutes
from vidanime.bench.graph_stats import graph_stats
from vidanime.bench.latency import time_model
from vidanime.engine.contract import META_PREFIX
from vidanime.engine.cpu import cpu_model
from vidanime.images.io import read_image
from vidanime.styles.registry import BUNDLED_DIR

DATA_LISTS = "cel-v2"  # every v3 student trained on the licensed lists of cel v2 (lab.release.cel_data)
DATA_NOTE = ("The same licensed lists as cel v2: the `photos-open` pool plus permissively licensed photos and clip frames; "
             "each image at long side ≤ 768 and at half size, random 256 px crops with flips. Held out: every 7th "
             "`photos-open` photo of each content tag, every 6th of the others, and whole clips.")  # fmt: skip
GRID_PHOTOS = (0, 9, 18, 27, 36, 45)  # which held-out photos the README grid shows
EXPORT_OPTIONS = ("ink_gain", "ink_bias", "fill_black", "tone_gamma", "tone_floor")  # context-unet-ink's export-time settings


@dataclass(frozen=True)
class V3Style:
    """One v3 release: its names, teacher, ink setting, pictures and the prose of its card."""

    name: str  # the bundled style: "cel-v3"
    v2: str  # the bundled v2 counterpart it is measured against: "cel"
    labels: tuple[str, str, str]  # the style table's columns: v2, teacher, v3
    grid_labels: tuple[str, str]  # the README grids' captions: v2, v3
    teacher: Callable[[np.ndarray], np.ndarray]
    ink: dict[str, float]  # export options (EXPORT_OPTIONS): the ink head's gain and bias, the fill's black point, the tone
    arch_kwargs: dict[str, object]  # what the generator was trained with (the ink shade is not in the graph's weights)
    recipe: str
    figures: Path  # every figure of the release; the card is rendered from it
    photo_grid: Path
    clip_grid: Path | None
    heading: str
    look: str
    use: str
    limits: str
    about: str
    history: str  # the page's last words: where the story of this style is told
    training: str  # the page's training section; ``{steps}``, ``{wall_minutes}``, ``{cpu}``, ``{final_losses}`` filled in
    reproduce: str
    teacher_params: str

    @property
    def license(self) -> str:
        return f"MIT (weights trained by vidanime on permissively licensed images; see {self.name}.md)"


def export(style: V3Style, run: Path | None, checkpoint: Path, steps: int, weights_note: str | None = None) -> dict[str, object]:
    """``NAME.onnx`` and its sidecar from ``checkpoint`` with the style's export options (and the
    run's loss plot, when there is a run); ``weights_note`` says where weights read back came from."""
    target = BUNDLED_DIR / f"{style.name}.onnx"
    (BUNDLED_DIR / f"{style.name}.int8.onnx").unlink(missing_ok=True)  # a previous export's; lab.release.int8 writes this one's
    extra = {"recipe": style.recipe, "version": "3", "steps": str(steps), "license": style.license}
    if weights_note:
        extra["weights"] = weights_note
    report = export_generator("context-unet-ink", target, checkpoint=checkpoint, style_name=style.name, overwrite=True, overrides=dict(style.ink), extra_metadata=extra)
    sidecar = {"name": style.name, "version": 3, "license": style.license, "arch": "context-unet-ink (width 16)", "recipe": style.recipe, "steps": steps, **style.ink}
    (BUNDLED_DIR / f"{style.name}.json").write_text(json.dumps(sidecar, indent=2) + "\n")
    if run is not None:
        shutil.copyfile(run / "loss.png", cards.MODELS / f"{style.name}_loss.png")
    return {"params": report.params, "parity": report.parity, "file_mb": round(target.stat().st_size / 1e6, 2),
            "gmacs_720p": round(graph_stats(target, 720, 1280).gmacs, 2)}  # fmt: skip


def weights_of_bundled(style: V3Style, target: Path) -> tuple[Path, str]:
    """The bundled graph's weights as a generator checkpoint (``checkpoint_from_onnx``, checked to
    answer as the graph does with the options its sidecar names), and a note of where they came from."""
    graph = BUNDLED_DIR / f"{style.name}.onnx"
    sidecar = json.loads((BUNDLED_DIR / f"{style.name}.json").read_text())
    exported_with = {k: sidecar[k] for k in EXPORT_OPTIONS if k in sidecar}
    checkpoint = checkpoint_from_onnx(graph, target, "context-unet-ink", style.arch_kwargs, style.recipe, exported_with)
    provenance = {p.key: p.value for p in onnx.load(str(graph)).metadata_props}.get(META_PREFIX + "provenance", "unknown provenance")
    return checkpoint, f"read back from {graph.name} ({provenance}; exported then with {exported_with})"


def measure(style: V3Style, holdout: list[Path], data: Path) -> dict[str, object]:
    """Guards, faces, flicker and latency of v3 beside v2 (and the teacher's guards); the README grids."""
    v3, v2 = BUNDLED_DIR / f"{style.name}.onnx", BUNDLED_DIR / f"{style.v2}.onnx"
    fn3, fn2 = stylizer(v3), stylizer(v2)
    new = lambda im: fn3(im[None])[0]  # noqa: E731
    old = lambda im: fn2(im[None])[0]  # noqa: E731
    f: dict[str, object] = {"cpu": cpu_model(), "holdout_photos": len(holdout)}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        f["style_v3"] = style_report(render_set(holdout, work / "v3", new))
        f["style_v2"] = style_report(render_set(holdout, work / "v2", old))
        f["style_teacher"] = style_report(render_set(holdout, work / "teacher", style.teacher))
        people = face_set(data, holdout)
        f["faces"] = {"images": len(people), "v3": faces_kept(people, new), "v2": faces_kept(people, old)}
        f["temporal"] = {clip: {"v3": temporal(str(v3), data / "videos" / clip, work), "v2": temporal(str(v2), data / "videos" / clip, work)} for clip in CLIPS}
    latency: dict[str, list[float]] = {"v3": [], "v2": []}
    ran_as: dict[str, str] = {}
    for _ in range(3):  # interleaved, so a busy moment costs both
        for key, path in (("v3", v3), ("v2", v2)):
            timed = time_model(path, 720, 1280, "cpu", runs=3, warmup=1, backend="openvino")
            latency[key].append(timed.median_ms)
            ran_as[key] = timed.provider
    f["latency_720p_openvino_auto_ms"] = {k: round(sorted(v)[1], 1) for k, v in latency.items()}
    f["latency_ran_as"] = ran_as
    (v2_label, v3_label) = style.grid_labels
    photos = [fit(read_image(p)[0]) for p in holdout]
    chosen = [photos[i] for i in GRID_PHOTOS if i < len(photos)]
    grid([[(im, "photo"), (old(im), v2_label), (new(im), v3_label)] for im in chosen], style.photo_grid)
    if style.clip_grid is not None:
        frames = [frame_at(data / "videos" / clip, index) for clip, index in README_CLIP_FRAMES]
        grid([[(im, "frame"), (old(im), v2_label), (new(im), v3_label)] for im in frames], style.clip_grid)
    return f


def card_of(style: V3Style, f: dict) -> cards.Card:  # type: ignore[type-arg]
    """A v3 style's card and docs page from its saved figures (``style.figures``)."""
    held = f["holdout_photos"]
    medians = {who: f[f"style_{who}"]["medians"] for who in ("v2", "teacher", "v3")}
    targets = {k if k != "black_lift_abs" else "black_lift": t["target"] for k, t in f["style_v3"]["targets"].items()}
    fc, lat, clips = f["faces"], f["latency_720p_openvino_auto_ms"], list(f["temporal"].values())
    ran = f["latency_ran_as"]  # the backend and precision each side was timed at
    ran_as = f"v3 {ran['v3']}, v2 {ran['v2']}"
    columns = [(label, medians[who]) for label, who in zip(style.labels, ("v2", "teacher", "v3"))]
    measurements = f"""## Measured on {held} held-out photos (never trained on), at long side 768

`vidanime eval style` figures (medians; ratios are output / photo):

{cards.style_table(columns, targets)}

Faces still found by OpenCV's frontal-face detector after stylisation ({fc['images']} images:
held-out portraits and people photos, and every 10th of the first 120 frames of a portrait video):
{cards.faces_found(fc, {"v3": "v3", "v2": "v2"})}; target ≥ 0.80.

{cards.flicker_section(f["temporal"], CLIP_FRAMES, ("v3", "v3"), ("v2", "v2"))}

## Speed

720×1280, model only, OpenVINO at the precision `--precision auto` picks ({ran_as}; v3 measured before its int8 graph is written), {f['cpu']}, 2 cores, interleaved in one run: v3 {lat['v3']} ms, v2 {lat['v2']} ms per frame.

Every figure as measured, export parity included: [{style.figures.name}](../{style.figures.name}). {style.history}"""
    figures = (
        *cards.target_figures({k: t for k, t in f["style_v3"]["targets"].items() if k != "faces_kept"}),
        cards.Figure("faces still found", f"{fc['v3']['kept']} of {fc['v3']['in_inputs']}", f">= 80 % (v2 {fc['v2']['kept']} of {fc['v2']['in_inputs']})"),
        cards.Figure("warping error, `--temporal flow`, 2 clips", " / ".join(f"{c['v3']['warping_error_flow']:.6f}" for c in clips), "v2 " + " / ".join(f"{c['v2']['warping_error_flow']:.6f}" for c in clips)),
        cards.Figure("ms per 720p frame, OpenVINO auto, v3 before its int8 graph", str(lat["v3"]), f"v2 {lat['v2']}"),
    )  # fmt: skip
    return cards.Card(
        name=style.name, heading=style.heading, look=style.look, use=style.use, limits=style.limits, about=style.about,
        model=f"`context-unet-ink` generator (width 16, a dilated 1/8-scale stage and an ink head): {f['params']:,} parameters, {f['file_mb']} MB fp32 ONNX",
        gmacs_720p=f["gmacs_720p"], measured=cards.measured(f), eval_set=cards.held_out_set(held),
        figures=figures, judged=cards.judged(f.get("judged")), data=DATA_LISTS, data_note=DATA_NOTE,
        reproduce=style.reproduce, measurements=measurements, training=style.training.format_map(f), teacher_params=style.teacher_params,
    )  # fmt: skip


def saved_card(style: V3Style) -> cards.Card:
    """The card from the saved figures alone (no run directory needed)."""
    return card_of(style, json.loads(style.figures.read_text(encoding="utf-8")))


def release(style: V3Style, run: Path, checkpoint: Path, holdout_list: Path, data: Path) -> dict[str, object]:
    """Export, measure, keep a judging run's verdict, write the figures and render the card."""
    rows = read_log(run / "log.jsonl")
    steps = int(rows[-1]["step"])
    f: dict[str, object] = {"steps": steps, **export(style, run, checkpoint, steps)}
    f["final_losses"] = final_losses(rows)
    f["wall_minutes"] = wall_minutes(rows)
    return measured_and_written(style, f, holdout_list, data)


def reexport(style: V3Style, holdout_list: Path, data: Path) -> dict[str, object]:
    """The bundled weights exported again with the style's export options as they are now (the
    training run's folder is not needed), measured, the figures and card written; what the
    training run reported (steps, losses, wall time) is kept from the saved figures."""
    saved = json.loads(style.figures.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint, note = weights_of_bundled(style, Path(tmp) / "generator.pt")
        f: dict[str, object] = {"steps": saved["steps"], **export(style, None, checkpoint, saved["steps"], note)}
    f.update({k: saved[k] for k in ("final_losses", "wall_minutes") if k in saved})
    return measured_and_written(style, f, holdout_list, data)


def measured_and_written(style: V3Style, f: dict[str, object], holdout_list: Path, data: Path) -> dict[str, object]:
    holdout = [Path(line) for line in holdout_list.read_text().splitlines() if line.strip()]
    f.update(measure(style, holdout, data))
    f["date"] = date.today().isoformat()
    if style.figures.is_file():  # a judging run's verdict outlives a re-measure
        f["judged"] = json.loads(style.figures.read_text()).get("judged")
    style.figures.write_text(json.dumps(f, indent=2) + "\n")
    cards.write(card_of(style, f))
    return f


def main(style: V3Style, doc: str) -> None:
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("run_dir", type=Path, help="the style's runs folder (the run folders, and holdout.txt unless --holdout)")
    parser.add_argument("data", type=Path, help="../shared/data")
    parser.add_argument("--run", default="ink", help="the released student's run folder inside run_dir (the ink run)")
    parser.add_argument("--checkpoint", type=Path, help="a generator checkpoint other than the run's last")
    parser.add_argument("--holdout", type=Path, help="the held-out photo list, when not run_dir/holdout.txt")
    parser.add_argument("--from-bundled", action="store_true", help="export the bundled weights again with today's export options (no run needed)")
    args = parser.parse_args()
    holdout = args.holdout or args.run_dir / "holdout.txt"
    if args.from_bundled:
        f = reexport(style, holdout, args.data)
    else:
        run = args.run_dir / args.run
        f = release(style, run, args.checkpoint or run / "checkpoints" / "generator.pt", holdout, args.data)
    print(json.dumps(f, indent=2))
