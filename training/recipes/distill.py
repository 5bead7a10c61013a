"""Distillation of the bundled styles: a slim ``lightweight`` student learns to imitate a classical
renderer (``training.teacher``) on random crops of real photos, with no discriminator.

``cel-distill`` (cel v2): L1 + an image-gradient term (a soft average of a thin line costs in
full) + VGG perceptual L1 at three depths (edges, textures, shapes). ``cel-v1-distill`` keeps
v1's recipe (L1 + conv2_2) so the previous weights can be rebuilt. ``shinkai-distill`` is cel v2's
recipe against the shinkai renderer with a residual student and a term that prices dark dots the
teacher does not have; ``manga-distill`` trains the tone
layer of the manga generator against the manga renderer's tone (the screen is fixed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from training.data.batches import PairedSource
from training.data.clip_pairs import ClipPairSource, load_clip_pairs
from training.distributed import unwrap
from training.losses.adversarial import KINDS, discriminator_loss, generator_term
from training.losses.content import multi_perceptual_l1
from training.losses.pixel import gradient_l1, ink_map, speck_excess
from training.models.registry import get_arch
from training.models.weights import read_checkpoint
from training.ops.motion import flow_warp, gaussian_blur, motion_margin, moved, small_motions, stability_l1
from training.recipes.base import Amp, Hyper, Recipe, discriminator_step, set_requires_grad, weighted
from training.recipes.registry import RECIPES
from training.teacher.cel import face_mask
from training.teacher.pairs import render_pairs


@dataclass
class DistillHyper(Hyper):
    teacher: str = "cel"
    batch_size: int = 8
    crop: int = 192
    steps: int = 4_000
    lr_g: float = 5e-4
    beta1: float = 0.9
    beta2: float = 0.99
    w_l1: float = 1.0
    w_gradient: float = 1.0
    w_perceptual: float = 0.05
    w_speck: float = 0.0  # dark dots beyond the teacher's (training.losses.pixel.speck_excess)
    perceptual_every: int = 4  # VGG costs 3x the student's step on a CPU; every 4th step keeps its pull
    perceptual_layers: str = "conv1_2,conv2_2,conv3_3"
    vgg: str = "vgg16:conv3_3"
    generator_kwargs: dict[str, Any] = field(default_factory=lambda: {"width": 16})


@dataclass
class DistillV1Hyper(DistillHyper):
    teacher: str = "cel-v1"
    steps: int = 6_000
    w_gradient: float = 0.0
    w_perceptual: float = 0.002
    perceptual_layers: str = "conv2_2"
    vgg: str = "vgg16:conv2_2"


@dataclass
class ShinkaiHyper(DistillHyper):
    teacher: str = "shinkai"
    steps: int = 1_600
    w_speck: float = 3.0  # without it the residual student passed the photos' dark dots (1914 specks/MP)
    generator_kwargs: dict[str, Any] = field(default_factory=lambda: {"width": 16, "residual": True})


def face_boxes(mask: torch.Tensor, min_side: int) -> list[tuple[int, int, int, int, int]]:
    """(item, top, bottom, left, right) of the marked pixels of each item of ``mask`` (N, 1, H, W)
    whose box is at least ``min_side`` pixels each way (a sliver of a face at a crop's border
    shows no eye to judge)."""
    boxes = []
    for i, m in enumerate(mask[:, 0] > 0.5):
        rows, cols = torch.nonzero(m.any(1)).flatten(), torch.nonzero(m.any(0)).flatten()
        if len(rows) and len(cols):
            top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
            if min(bottom - top, right - left) >= min_side:
                boxes.append((i, top, bottom, left, right))
    return boxes


def face_crops(images: torch.Tensor, boxes: list[tuple[int, int, int, int, int]], size: int) -> torch.Tensor:
    """Each box of ``images`` resized (bilinear) to ``size`` x ``size``, stacked."""
    return torch.cat([F.interpolate(images[i : i + 1, :, t:b, left:right], size=(size, size), mode="bilinear", align_corners=False) for i, t, b, left, right in boxes])


def face_weights(masks: list[np.ndarray], factor: float) -> list[float]:
    """Sampling weight per image: ``factor`` where its face mask marks a face, 1 elsewhere."""
    return [factor if (m > 127).any() else 1.0 for m in masks]


@dataclass
class CelV3Hyper(DistillHyper):
    """cel v3: flat fills and crisp lines are where an L1 student fails (it averages them into
    mush), so a conditional patch discriminator (pix2pix: photo beside picture) judges teacher vs
    student crops on top of L1. The student is the ``context-unet``: the teacher's tones and
    outlines come from a global solve, which a 70 px receptive field could only blur."""

    teacher: str = "cel-v3"
    steps: int = 6_000
    crop: int = 256  # the student's decisions need context: 256 px crops, fewer of them
    batch_size: int = 4
    w_adversarial: float = 0.02  # 0.1 held L1 at 0.16 for 1,300 steps and drifted the colours; 0.02 gave 0.13 within 100
    adversarial_from: int = 200  # steps of L1 / gradient / VGG alone before D steers the student
    gan: str = "lsgan"
    lr_d: float = 2e-4
    d_width: int = 32  # PatchGAN ndf: a 70 px receptive field at half pix2pix's width (CPU budget)
    conditional: bool = True  # D sees the photo too (6 channels)
    w_ink: float = 1.0  # the ink head as a classification of the teacher's strokes (BCE)
    init_generator: str = ""  # a generator.pt to start from (a fill-only run: its ink head starts fresh)
    # extra L1 inside the faces a detector finds in the photo (mean over face pixels): judges would
    # not ship v3 because small faces lost an eye or a mouth, a few pixels that plain L1 barely prices
    w_face: float = 0.0
    # images with a face are drawn this many times as often (with ``w_face``): a teacher that draws
    # faces (eyes, lids, a catch-light) teaches little when one crop in ten holds a face
    face_oversample: float = 1.0
    # flicker: L1 between the picture of a slightly moved, noisier photo and the moved picture
    # (training.ops.motion); lines that pop in and out as a clip's camera drifts cost here
    w_stable: float = 0.0
    stable_shift: float = 2.0  # pixels
    stable_zoom: float = 0.03
    stable_turn: float = 1.0  # degrees
    stable_noise: float = 0.02  # Gaussian, in the [-1, 1] scale: sensor and codec noise between frames
    stable_blur: float = 1.0  # px: both pictures blurred before the L1 (training.ops.motion.stability_l1)
    # price the ink head's line logits (clamped to +-6, scaled to [-1, 1]) instead of the picture:
    # on a skiing clip two thirds of v3's extra flicker is in its strokes, and the fills then keep their detail
    stable_ink_only: bool = False
    # a second conditional PatchGAN that sees only the faces (each face's box, resized to
    # ``face_crop``): under L1 the student blurs the teacher's drawn eyes away, however heavy w_face
    w_face_adversarial: float = 0.0
    face_crop: int = 96
    # flicker on real motion: the picture of a clip frame against the next frame's picture brought
    # back along the photo's optical flow, where the flow is trusted (training.data.clip_pairs)
    w_clip: float = 0.0
    clip_list: str = ""  # a text file naming the clips (one path a line): never a held-out clip
    clip_batch: int = 2  # pairs a step, beside the photo batch
    clip_crop: int = 192  # px: several training clips are 240 px high
    clip_every_s: float = 0.5  # a pair (a frame and the next) this often along each clip ...
    clip_per_clip: int = 24  # ... at most this many from one clip
    clip_blur: float = 1.0  # px, both pictures, as ``stable_blur``: resampling softens a line by itself
    clip_ink_only: bool = False  # price the ink logits (as ``stable_ink_only``) instead of the picture
    # price the fill alone (the paint under the lines): the fills can be steadied without a line
    # being dropped, which is how the picture and ink terms steadied the student (docs/cel_v3.md)
    clip_fill_only: bool = False
    # price the picture with the ink drawn as the export draws it (its gain and bias, e.g. 6 and 5):
    # the lines a user sees pop where a logit crosses the export's threshold, which the trained
    # composite (gain 1) barely prices; 0 prices the trained composite
    clip_ink_gain: float = 0.0
    clip_ink_bias: float = 0.0
    # steady lines by union, not by removal: a generator checkpoint (the weights being fine-tuned)
    # whose ink on a clip frame, joined with its ink on the next frame brought back along the flow, is
    # the target of the student's ink on that frame (BCE, drawn with clip_ink_gain / bias, default 6 / 5).
    # The plain clip term steadies lines by drawing fewer, which judges rejected (docs/cel_v3.md)
    clip_union: str = ""
    # steps at the start in which only the discriminator learns (the generator frozen): a fine-tune
    # that starts a new D otherwise spends its first steps on L1 alone, which softens the picture
    d_warmup: int = 0
    generator_kwargs: dict[str, Any] = field(default_factory=lambda: {"width": 16})

    def __post_init__(self) -> None:
        if self.gan not in KINDS:
            raise ValueError(f"unknown GAN loss {self.gan!r}; choose {KINDS}")
        if self.clip_ink_only and self.clip_fill_only:
            raise ValueError("clip_ink_only and clip_fill_only price different parts: set one")


@dataclass
class ShinkaiV3Hyper(CelV3Hyper):
    """shinkai v3: cel v3's student and losses against the painting shinkai v3 renderer."""

    teacher: str = "shinkai-v3"


@dataclass
class CelV3TrunkHyper(CelV3Hyper):
    w_adversarial: float = 0.1  # the first 1,550 steps of the released trunk; it went on at 0.02


@dataclass
class MangaHyper(DistillHyper):
    teacher: str = "manga-tone"
    steps: int = 2_000


class CelDistill(Recipe):
    name = "cel-distill"
    summary = "bundled 'cel' v2: slim lightweight student distilled from the cel v2 renderer (L1 + gradient + 3-depth VGG)"
    generator_arch = "lightweight"
    hyper_cls: type[Hyper] = DistillHyper

    def make_source(self, photos: list[Path], styles: list[Path] | None, seed: int, cache_dir: Path) -> PairedSource:
        hp: DistillHyper = self.hp  # type: ignore[assignment]
        inputs, targets = render_pairs(photos, cache_dir / "teacher", teacher=hp.teacher)
        return PairedSource(inputs, targets, hp.crop, hp.batch_size, seed)

    def build_models(self) -> dict[str, nn.Module]:
        return {"generator": self.build_generator()}

    def optimizers(self, models: dict[str, nn.Module]) -> dict[str, torch.optim.Optimizer]:
        return {"generator": torch.optim.Adam(models["generator"].parameters(), lr=self.hp.lr_g, betas=(self.hp.beta1, self.hp.beta2))}

    def schedule(self, step: int, opt: torch.optim.Optimizer) -> None:
        """Cosine decay to 5 % over the run: the last steps polish instead of bouncing."""
        hp: DistillHyper = self.hp  # type: ignore[assignment]
        progress = min(1.0, step / max(1, hp.steps))
        for group in opt.param_groups:
            group["lr"] = hp.lr_g * (0.05 + 0.95 * 0.5 * (1 + torch.cos(torch.tensor(progress * torch.pi)).item()))

    def imitation_terms(self, step: int, out: torch.Tensor, target: torch.Tensor) -> dict[str, tuple[float, torch.Tensor]]:
        """How far the student's picture is from the teacher's: pixels, gradients, VGG features."""
        hp: DistillHyper = self.hp  # type: ignore[assignment]
        terms = {"l1": (hp.w_l1, F.l1_loss(out, target))}
        if hp.w_gradient > 0:
            terms["gradient"] = (hp.w_gradient, gradient_l1(out, target))
        if hp.w_speck > 0:
            terms["speck"] = (hp.w_speck, speck_excess(out, target))
        if self.vgg is not None and hp.w_perceptual > 0 and step % hp.perceptual_every == 0:
            layers = hp.perceptual_layers.split(",")
            terms["perceptual"] = (hp.w_perceptual, multi_perceptual_l1(self.vgg, out, target, layers))
        return terms

    def train_step(self, step: int, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp) -> dict[str, float]:
        self.schedule(step, opts["generator"])
        with amp.autocast():
            out = self.student(models["generator"])(batch["photo"])
            loss, logged = weighted(self.imitation_terms(step, out, batch["target"]))
        amp.backward_step(loss, opts["generator"])
        logged["total"] = float(loss.detach())
        return logged

    def student(self, generator: nn.Module) -> nn.Module:
        """The part of the generator that learns the teacher's picture (all of it, here)."""
        return generator

    def sample_columns(self, batch: dict[str, torch.Tensor], models: dict[str, nn.Module]) -> dict[str, torch.Tensor]:
        cols = super().sample_columns(batch, models)
        return {"photo": cols["photo"], "teacher": batch["target"], "student": cols["generated"]}


class CelV1Distill(CelDistill):
    name = "cel-v1-distill"
    summary = "the previous bundled 'cel' (v1, now cel-v1): L1 + VGG16 conv2_2 against the v1 renderer"
    hyper_cls = DistillV1Hyper


class ShinkaiDistill(CelDistill):
    name = "shinkai-distill"
    summary = "bundled 'shinkai': the cel v2 student recipe against the shinkai renderer, residual output (detail passes through)"
    hyper_cls = ShinkaiHyper


class CelV3Distill(CelDistill):
    name = "cel-v3-distill"
    summary = "bundled 'cel' v3: context-unet student with an ink head, of the drawing cel v3 renderer (L1 + gradient + VGG + ink BCE + conditional PatchGAN)"
    generator_arch = "context-unet-ink"
    hyper_cls = CelV3Hyper

    def build_models(self) -> dict[str, nn.Module]:
        hp: CelV3Hyper = self.hp  # type: ignore[assignment]
        d = get_arch("patchgan").build(ndf=hp.d_width, in_ch=6 if hp.conditional else 3)
        set_requires_grad(d, False)  # trainable only inside its own step
        models = {"discriminator": d}
        if hp.w_face_adversarial > 0:
            models["face_discriminator"] = get_arch("patchgan").build(ndf=hp.d_width, in_ch=6)
            set_requires_grad(models["face_discriminator"], False)
        generator = self.build_generator()
        if hp.clip_union:
            self.anchor = self.build_generator().to(self.device)
            self.anchor.load_state_dict(read_checkpoint(Path(hp.clip_union))[0])  # all of it, or it is not the anchor meant
            set_requires_grad(self.anchor.eval(), False)
        if hp.init_generator:
            state, _ = read_checkpoint(Path(hp.init_generator))
            missing, unexpected = generator.load_state_dict(state, strict=False)
            if unexpected or any(not k.startswith("ink.") for k in missing):
                raise ValueError(f"{hp.init_generator} does not fit {self.generator_arch}: missing {missing}, unexpected {unexpected}")
        return {"generator": generator, **models}

    def optimizers(self, models: dict[str, nn.Module]) -> dict[str, torch.optim.Optimizer]:
        hp: CelV3Hyper = self.hp  # type: ignore[assignment]
        opts = super().optimizers(models)
        for name in ("discriminator", "face_discriminator"):
            if name in models:
                opts[name] = torch.optim.Adam(models[name].parameters(), lr=hp.lr_d, betas=(0.5, 0.999))
        return opts

    def make_source(self, photos: list[Path], styles: list[Path] | None, seed: int, cache_dir: Path) -> PairedSource:
        source = super().make_source(photos, styles, seed, cache_dir)
        hp: CelV3Hyper = self.hp  # type: ignore[assignment]
        if hp.w_face > 0:
            source.masks = [np.rint(face_mask(photo) * 255).astype(np.uint8) for photo in source.inputs]
            if hp.face_oversample != 1.0:
                source.weights = face_weights(source.masks, hp.face_oversample)
        if hp.w_clip > 0:
            if not hp.clip_list:
                raise ValueError("w_clip needs clip_list: a text file naming the training clips")
            clips = [Path(line.strip()) for line in Path(hp.clip_list).read_text().splitlines() if line.strip()]
            pairs = load_clip_pairs(clips, every_s=hp.clip_every_s, per_clip=hp.clip_per_clip)
            source.clips = ClipPairSource(pairs, hp.clip_crop, hp.clip_batch, seed)
        return source

    def judged(self, photo: torch.Tensor, picture: torch.Tensor) -> torch.Tensor:
        """What D sees: the picture, beside its photo when D is conditional."""
        hp: CelV3Hyper = self.hp  # type: ignore[assignment]
        return torch.cat([photo, picture], dim=1) if hp.conditional else picture

    @staticmethod
    def draw(generator: nn.Module, photo: torch.Tensor, sharpen: tuple[float, float] | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The student's picture and, for an inked generator, its ink logits (``sharpen``: the ink
        drawn with that gain and bias, as an export would)."""
        if not hasattr(unwrap(generator), "composite"):
            return generator(photo), None
        fill, logit = generator(photo, parts=True)
        return unwrap(generator).composite(fill, logit, sharpen), logit

    def stability_term(self, step: int, generator: nn.Module, photo: torch.Tensor, out: torch.Tensor, logit: torch.Tensor | None = None) -> torch.Tensor:
        """How much the picture (or its ink, ``stable_ink_only``) changes beyond the motion when
        the camera moves a little."""
        hp: CelV3Hyper = self.hp  # type: ignore[assignment]
        rng = torch.Generator().manual_seed(step)  # by step: a resumed run draws the same motions
        size = photo.shape[-1]
        theta = small_motions(photo.shape[0], rng, hp.stable_shift, hp.stable_zoom, hp.stable_turn, size).to(photo.device)
        noise = torch.randn(photo.shape, generator=rng).to(photo) * hp.stable_noise
        after, after_logit = self.draw(generator, (moved(photo, theta) + noise).clamp(-1, 1))
        if hp.stable_ink_only:
            if logit is None or after_logit is None:
                raise ValueError("stable_ink_only needs a generator with an ink head (context-unet-ink)")
            after, out = after_logit.clamp(-6, 6) / 6, logit.clamp(-6, 6) / 6
        return stability_l1(after, moved(out, theta), motion_margin(hp.stable_shift, hp.stable_zoom, hp.stable_turn, size), hp.stable_blur)

    def clip_term(self, generator: nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """How much the picture (or its ink, ``clip_ink_only``, or its fill, ``clip_fill_only``) of a
        clip frame differs from the next frame's picture brought back along the flow, over the pixels
        whose flow is trusted."""
        hp: CelV3Hyper = self.hp  # type: ignore[assignment]
        if hp.clip_union:
            return self.union_term(generator, batch)
        if hp.clip_fill_only:
            if not hasattr(unwrap(generator), "composite"):
                raise ValueError("clip_fill_only needs a generator with an ink head (context-unet-ink)")
            first, _ = generator(batch["clip_first"], parts=True)
            second, _ = generator(batch["clip_second"], parts=True)
            return self.flow_l1(first, second, batch)
        sharpen = (hp.clip_ink_gain, hp.clip_ink_bias) if hp.clip_ink_gain > 0 else None
        first, first_logit = self.draw(generator, batch["clip_first"], sharpen)
        second, second_logit = self.draw(generator, batch["clip_second"], sharpen)
        if hp.clip_ink_only:
            if first_logit is None or second_logit is None:
                raise ValueError("clip_ink_only needs a generator with an ink head (context-unet-ink)")
            first, second = first_logit.clamp(-6, 6) / 6, second_logit.clamp(-6, 6) / 6
        return self.flow_l1(first, second, batch)

    def flow_l1(self, first: torch.Tensor, second: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """L1 between ``first`` and ``second`` brought back along the clip pair's flow, both blurred
        by ``clip_blur``, over the trusted pixels."""
        hp: CelV3Hyper = self.hp  # type: ignore[assignment]
        back = flow_warp(second.float(), batch["clip_flow"])
        diff = (gaussian_blur(first.float(), hp.clip_blur) - gaussian_blur(back, hp.clip_blur)).abs().mean(1, keepdim=True)
        trust = batch["clip_trust"]
        return (diff * trust).sum() / trust.sum().clamp_min(1.0)

    def union_term(self, generator: nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """BCE of the student's ink on a clip frame against the anchor's ink on that frame joined
        (maximum of the logits) with its ink on the next frame brought back along the flow, both
        drawn as the export draws them: a line the anchor draws in either frame is drawn in both."""
        hp: CelV3Hyper = self.hp  # type: ignore[assignment]
        gain, bias = (hp.clip_ink_gain, hp.clip_ink_bias) if hp.clip_ink_gain > 0 else (6.0, 5.0)
        trust = batch["clip_trust"]
        with torch.no_grad():
            _, own = self.anchor(batch["clip_first"], parts=True)
            _, next_ = self.anchor(batch["clip_second"], parts=True)
            back = flow_warp(next_.float(), batch["clip_flow"])
            union = torch.maximum(own.float(), back * trust + own.float() * (1 - trust))
        _, logit = generator(batch["clip_first"], parts=True)
        return F.binary_cross_entropy_with_logits(gain * logit.float() + bias, torch.sigmoid(gain * union + bias))

    def discriminator_warmup(self, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp) -> dict[str, float]:
        """A step of D alone against the frozen generator's pictures (``d_warmup``)."""
        photo = batch["photo"]
        with torch.no_grad(), amp.autocast():
            out, _ = self.draw(models["generator"], photo)
        real, fake = self.judged(photo, batch["target"]), self.judged(photo, out.float())
        return {"d": self.teacher_vs_student_step("discriminator", real, fake, models, opts, amp)}

    def train_step(self, step: int, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp) -> dict[str, float]:
        hp: CelV3Hyper = self.hp  # type: ignore[assignment]
        if step < hp.d_warmup:
            return self.discriminator_warmup(batch, models, opts, amp)
        self.schedule(step, opts["generator"])
        photo = batch["photo"]
        with amp.autocast():
            out, logit = self.draw(models["generator"], photo)
            terms = self.imitation_terms(step, out, batch["target"])
            if hp.w_stable > 0:
                terms["stable"] = (hp.w_stable, self.stability_term(step, models["generator"], photo, out, logit))
            if hp.w_clip > 0 and "clip_first" in batch:
                terms["clip"] = (hp.w_clip, self.clip_term(models["generator"], batch))
            if "mask" in batch and hp.w_face > 0:
                face = batch["mask"].to(out.dtype)
                terms["face"] = (hp.w_face, ((out - batch["target"]).abs() * face).sum() / (3 * face.sum()).clamp_min(1.0))
            if logit is not None and hp.w_ink > 0:
                terms["ink"] = (hp.w_ink, F.binary_cross_entropy_with_logits(logit.float(), ink_map(batch["target"].float())))
            if step >= hp.adversarial_from:
                terms["adversarial"] = (hp.w_adversarial, generator_term(unwrap(models["discriminator"])(self.judged(photo, out)), hp.gan))
            boxes = face_boxes(batch["mask"], hp.face_crop // 3) if "mask" in batch and "face_discriminator" in models else []
            if boxes:
                face_photo = face_crops(photo, boxes, hp.face_crop)
                if step >= hp.adversarial_from:
                    judged = unwrap(models["face_discriminator"])(torch.cat([face_photo, face_crops(out, boxes, hp.face_crop)], 1))
                    terms["face_adversarial"] = (hp.w_face_adversarial, generator_term(judged, hp.gan))
            loss, logged = weighted(terms)
        amp.backward_step(loss, opts["generator"])
        logged["total"] = float(loss.detach())
        if step >= hp.adversarial_from // 2:  # D starts half-way through the warm-up, so it knows something when it steers
            real, fake = self.judged(photo, batch["target"]), self.judged(photo, out.detach())
            logged["d"] = self.teacher_vs_student_step("discriminator", real, fake, models, opts, amp)
            if boxes:
                real = torch.cat([face_photo, face_crops(batch["target"], boxes, hp.face_crop)], 1)
                fake = torch.cat([face_photo, face_crops(out.detach(), boxes, hp.face_crop)], 1)
                logged["d_face"] = self.teacher_vs_student_step("face_discriminator", real, fake, models, opts, amp)
        return logged

    def teacher_vs_student_step(self, name: str, real: torch.Tensor, fake: torch.Tensor, models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp) -> float:
        """One update of discriminator ``name``: the teacher's pictures real, the student's fake."""
        gan = self.hp.gan  # type: ignore[attr-defined]
        return discriminator_step(lambda d: discriminator_loss(gan, real=[(d(real), 1.0)], fake=[(d(fake), 1.0)]), models, opts, amp, name)


class ShinkaiV3Distill(CelV3Distill):
    name = "shinkai-v3-distill"
    summary = "'shinkai' v3: cel v3's context-unet student and losses against the painting shinkai v3 renderer"
    hyper_cls = ShinkaiV3Hyper


class CelV3TrunkDistill(CelV3Distill):
    name = "cel-v3-trunk-distill"
    summary = "cel v3's first stage: the context-unet without its ink head (the released student starts from it: init_generator)"
    generator_arch = "context-unet"
    hyper_cls = CelV3TrunkHyper


class MangaDistill(CelDistill):
    name = "manga-distill"
    summary = "bundled 'manga': the student learns the manga renderer's tone layer; the exported model ends in a fixed line screen"
    generator_arch = "manga"
    hyper_cls = MangaHyper

    def student(self, generator: nn.Module) -> nn.Module:
        return generator.tone  # the screen has no weights and no useful gradient


RECIPES.register(CelDistill)
RECIPES.register(MangaDistill)
RECIPES.register(ShinkaiDistill)
RECIPES.register(CelV1Distill)
RECIPES.register(CelV3Distill)
RECIPES.register(CelV3TrunkDistill)
RECIPES.register(ShinkaiV3Distill)
