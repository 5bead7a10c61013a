"""DCGAN (Radford et al. 2016) for 64x64 anime avatars, as seed 002 trains it: BCE, Adam 2e-4,
beta1 0.5, weights initialised N(0, 0.02). Learns from style images alone (z -> image)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from training.data.batches import NoiseSource, load_images
from training.distributed import unwrap
from training.losses.adversarial import discriminator_loss, generator_term
from training.models.registry import get_arch
from training.recipes.base import Amp, Hyper, Recipe, discriminator_step
from training.recipes.registry import RECIPES
from vidanime.errors import UsageError


@dataclass
class DCGANHyper(Hyper):
    batch_size: int = 128
    crop: int = 64
    steps: int = 20_000
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    gan: str = "vanilla"


def dcgan_init(module: nn.Module) -> None:
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGAN(Recipe):
    name = "dcgan"
    summary = "DCGAN (seed 002): 64x64 anime avatars from noise, BCE, Adam 2e-4 beta1 0.5"
    generator_arch = "dcgan"
    hyper_cls = DCGANHyper
    uses_vgg = False
    image_to_image = False

    def build_models(self) -> dict[str, nn.Module]:
        # D mirrors G: seed 002's extra 3-channel layer on both, or plain DCGAN on both
        g, d = self.build_generator(), get_arch("dcgan_d").build(extra_layer=self.hp.generator_kwargs.get("extra_layer", True))
        g.apply(dcgan_init)
        d.apply(dcgan_init)
        return {"generator": g, "discriminator": d}

    def make_source(self, photos: list[Path], styles: list[Path] | None, seed: int, cache_dir: Path) -> NoiseSource:
        images = styles if styles is not None else photos
        if not images:
            raise UsageError("dcgan needs images to imitate: --style DIR")
        return NoiseSource(load_images(images, 256), self.hp.crop, self.hp.batch_size, seed=seed)

    def train_step(self, step: int, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp) -> dict[str, float]:
        fake = models["generator"](batch["z"])
        d_loss = discriminator_step(lambda d: discriminator_loss(self.hp.gan, [(d(batch["style"]), 1.0)], [(d(fake.detach()), 1.0)]), models, opts, amp)
        with amp.autocast():
            g_loss = generator_term(unwrap(models["discriminator"])(fake), self.hp.gan)
        amp.backward_step(g_loss, opts["generator"])
        return {"g": float(g_loss.detach()), "d": d_loss}

    def sample_columns(self, batch: dict[str, torch.Tensor], models: dict[str, nn.Module]) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            return {"real": batch["style"], "generated": models["generator"](batch["z"])}


RECIPES.register(DCGAN)
