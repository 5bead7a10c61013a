"""CartoonGAN (Chen et al. 2018), ArtifyGAN (seed 004) and seed 000's animated GAN: content loss
on VGG features plus an edge-promoting adversarial loss (D: style real; generated and
edge-smoothed style fake)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from training.losses.adversarial import discriminator_loss, generator_term
from training.losses.content import perceptual_l1
from training.recipes.base import Amp, Hyper, discriminator_step, weighted
from training.recipes.gan import PhotoToStyleGAN
from training.recipes.registry import RECIPES


@dataclass
class CartoonHyper(Hyper):
    """CartoonGAN: L = L_adv + omega * L_con, omega = 10; 10 init epochs of content only."""

    batch_size: int = 8
    init_steps: int = 1000
    init_lr: float = 2e-4
    gan: str = "vanilla"
    w_adv: float = 1.0
    w_content: float = 10.0
    vgg: str = "vgg19:conv4_4"


@dataclass
class ArtifyHyper(CartoonHyper):
    """Seed 004, round 3: w = 1e-5, learning rate 1e-3, VGG-16 content loss."""

    w_content: float = 1e-5
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    init_steps: int = 0
    vgg: str = "vgg16:conv4_3"


@dataclass
class AnimatedHyper(CartoonHyper):
    """Seed 000: Adam 1e-4, fine (adversarial) loss weight 10, batch 1, VGG-16 conv5_3 coarse loss."""

    batch_size: int = 1
    lr_g: float = 1e-4
    lr_d: float = 1e-4
    w_adv: float = 10.0
    w_content: float = 1.0
    init_steps: int = 0
    vgg: str = "vgg16:conv5_3"


class CartoonGAN(PhotoToStyleGAN):
    name = "cartoongan"
    summary = "CartoonGAN (CVPR 2018): VGG19 content (omega 10) + edge-promoting adversarial loss"
    generator_arch = "cartoongan"
    discriminator_arch = "cartoon_d"
    hyper_cls = CartoonHyper

    def train_step(self, step: int, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp) -> dict[str, float]:
        hp: CartoonHyper = self.hp  # type: ignore[assignment]
        g = models["generator"]
        with torch.no_grad():
            fake = self.to_d_range(g(batch["photo"]))
        d_loss = discriminator_step(
            lambda d: discriminator_loss(hp.gan, real=[(d(batch["style"]), 1.0)], fake=[(d(fake), 1.0), (d(batch["smooth"]), 1.0)]),
            models, opts, amp,
        )  # fmt: skip
        with amp.autocast():
            fake = g(batch["photo"])
            loss, logged = weighted({
                "adv": (hp.w_adv, generator_term(self.frozen(models)(self.to_d_range(fake)), hp.gan)),
                "content": (hp.w_content, perceptual_l1(self.vgg, self.to_d_range(fake), batch["photo"])),
            })  # fmt: skip
        amp.backward_step(loss, opts["generator"])
        return {**logged, "d": d_loss}

    def to_d_range(self, x: torch.Tensor) -> torch.Tensor:
        """Generator output in [-1, 1] for D and VGG (ArtifyGAN's sigmoid gives [0, 1])."""
        lo, hi = self.output_range()
        return (x - lo) / (hi - lo) * 2 - 1


class ArtifyGAN(CartoonGAN):
    name = "artifygan"
    summary = "ArtifyGAN (seed 004): CartoonGAN with 10 residual blocks, sigmoid output, w = 1e-5"
    generator_arch = "artifygan"
    hyper_cls = ArtifyHyper


class AnimatedGAN(CartoonGAN):
    name = "animatedgan"
    summary = "animated GAN (seed 000): U-Net residual generator, PatchGAN (BN, LReLU 0.01), fine loss x10"
    generator_arch = "animatedgan"
    discriminator_arch = "patchgan_bn"
    hyper_cls = AnimatedHyper


RECIPES.register(CartoonGAN)
RECIPES.register(ArtifyGAN)
RECIPES.register(AnimatedGAN)
