"""AnimeGAN (seed 003) and AnimeGANv2: adversarial (LSGAN) + VGG content + grey Gram style +
YUV colour + total variation; D also learns to reject grey and edge-smoothed grey anime."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from training.losses.adversarial import discriminator_loss, generator_term
from training.losses.content import gram_style_loss, perceptual_l1
from training.losses.pixel import colour_loss, total_variation
from training.ops.color import to_grey3
from training.recipes.base import Amp, Hyper, discriminator_step, weighted
from training.recipes.gan import PhotoToStyleGAN
from training.recipes.registry import RECIPES


@dataclass
class AnimeGANv2Hyper(Hyper):
    """AnimeGANv2 main.py: adv 300, content 1.5, gram 2.5, colour 10, tv 1; G 2e-5 / D 4e-5 after a
    2e-4 content-only init; batch 12; D term weights of the Shinkai set (1.7, 1.7, 1.7, 1.0)."""

    batch_size: int = 12
    init_steps: int = 1000
    init_lr: float = 2e-4
    lr_g: float = 2e-5
    lr_d: float = 4e-5
    gan: str = "lsgan"
    w_adv: float = 300.0
    d_adv: float = 300.0
    w_content: float = 1.5
    w_gram: float = 2.5
    w_colour: float = 10.0
    w_tv: float = 1.0
    d_weights: tuple[float, float, float, float] = (1.7, 1.7, 1.7, 1.0)  # real, fake, grey, smoothed grey


@dataclass
class AnimeGANHyper(AnimeGANv2Hyper):
    """Seed 003: w_adv 300, w_col 10, G 8e-5 / D 1.6e-4, batch 4, one content-only epoch at 1e-4."""

    batch_size: int = 4
    init_lr: float = 1e-4
    lr_g: float = 8e-5
    lr_d: float = 1.6e-4
    w_gram: float = 3.0
    w_tv: float = 0.0
    d_weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    generator_kwargs: dict[str, Any] = field(default_factory=dict)


class AnimeGANv2(PhotoToStyleGAN):
    name = "animeganv2"
    summary = "AnimeGANv2: LSGAN 300, content 1.5, grey Gram 2.5, YUV colour 10, tv 1"
    generator_arch = "animeganv2"
    discriminator_arch = "anime_d"
    hyper_cls = AnimeGANv2Hyper

    def train_step(self, step: int, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp) -> dict[str, float]:
        hp: AnimeGANv2Hyper = self.hp  # type: ignore[assignment]
        g, photo, style = models["generator"], batch["photo"], batch["style"]
        grey, smooth_grey = to_grey3(style), to_grey3(batch["smooth"])
        with torch.no_grad():
            fake = g(photo)
        wr, wf, wg, wb = hp.d_weights
        d_loss = discriminator_step(
            lambda d: hp.d_adv * discriminator_loss(hp.gan, real=[(d(style), wr)], fake=[(d(fake), wf), (d(grey), wg), (d(smooth_grey), wb)]),
            models, opts, amp,
        )  # fmt: skip
        with amp.autocast():
            fake = g(photo)
            loss, logged = weighted({
                "adv": (hp.w_adv, generator_term(self.frozen(models)(fake), hp.gan)),
                "content": (hp.w_content, perceptual_l1(self.vgg, fake, photo)),
                "gram": (hp.w_gram, gram_style_loss(self.vgg, fake, grey)),
                "colour": (hp.w_colour, colour_loss(photo, fake)),
                "tv": (hp.w_tv, total_variation(fake)),
            })  # fmt: skip
        amp.backward_step(loss, opts["generator"])
        return {**logged, "d": d_loss}


class AnimeGAN(AnimeGANv2):
    name = "animegan"
    summary = "AnimeGAN as in seed 003: 8 inverted residual blocks, instance norm; adv 300, colour 10"
    generator_arch = "animegan"
    discriminator_arch = "anime_d"
    hyper_cls = AnimeGANHyper


RECIPES.register(AnimeGAN)
RECIPES.register(AnimeGANv2)
