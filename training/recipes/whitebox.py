"""White-box cartoonization (Wang & Yu 2020) training of the ``lightweight`` generator (FPT thesis):
surface (D on guided-filter-blurred images), texture (D on randomly colour-shifted grey),
structure (VGG L1 to the superpixel image) + content (VGG L1 to the photo), total variation."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from training.data.superpixels import superpixel_batch
from training.distributed import unwrap
from training.losses.adversarial import discriminator_loss, generator_term
from training.losses.content import perceptual_l1
from training.losses.pixel import total_variation
from training.models.registry import get_arch
from training.ops.color import random_colour_shift
from training.ops.guided_filter import guided_filter, guided_output
from training.recipes.base import Amp, Hyper, discriminator_step, weighted
from training.recipes.gan import PhotoToStyleGAN
from training.recipes.registry import RECIPES


@dataclass
class WhiteBoxHyper(Hyper):
    """White-box train.py: 1e4 tv + 0.1 surface + 1 texture + 200 (structure + content); lr 2e-4,
    betas (0.5, 0.99); batch 16 of 256 px; L1 reconstruction pre-training."""

    batch_size: int = 16
    steps: int = 100_000
    init_steps: int = 2000
    init_lr: float = 2e-4
    beta2: float = 0.99
    gan: str = "lsgan"
    w_tv: float = 1e4
    w_surface: float = 0.1
    w_texture: float = 1.0
    w_structure: float = 200.0
    w_content: float = 200.0
    superpixel: str = "slic"


class WhiteBox(PhotoToStyleGAN):
    name = "whitebox"
    summary = "White-box / FPT thesis lightweight UNet: surface, texture, structure, content, tv"
    generator_arch = "lightweight"
    hyper_cls = WhiteBoxHyper
    uses_smooth = False

    def build_models(self) -> dict[str, nn.Module]:
        return {
            "generator": self.build_generator(),
            "disc_surface": get_arch("whitebox_d").build(),
            "disc_texture": get_arch("whitebox_d").build(),
        }

    def init_step(self, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp) -> dict[str, float]:
        """White-box pre-trains the generator to reconstruct the photo (L1)."""
        for group in opts["generator"].param_groups:
            group["lr"] = self.hp.init_lr
        with amp.autocast():
            loss = F.l1_loss(models["generator"](batch["photo"]), batch["photo"])
        amp.backward_step(loss, opts["generator"])
        return {"init_l1": float(loss.detach())}

    def surface(self, x: torch.Tensor) -> torch.Tensor:
        return guided_filter(x, x, 5, 0.2)

    def train_step(self, step: int, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp) -> dict[str, float]:
        hp: WhiteBoxHyper = self.hp  # type: ignore[assignment]
        g, photo, style = models["generator"], batch["photo"], batch["style"]
        shift = torch.Generator().manual_seed(step)
        with torch.no_grad():
            fake = guided_output(g, photo)
        state = shift.get_state()
        grey_real = random_colour_shift(style, shift)
        shift.set_state(state)
        grey_fake = random_colour_shift(fake, shift)
        d_surface = discriminator_step(
            lambda d: discriminator_loss(hp.gan, [(d(self.surface(style)), 1.0)], [(d(self.surface(fake)), 1.0)]), models, opts, amp, "disc_surface"
        )
        d_texture = discriminator_step(lambda d: discriminator_loss(hp.gan, [(d(grey_real), 1.0)], [(d(grey_fake), 1.0)]), models, opts, amp, "disc_texture")
        with amp.autocast():
            out = guided_output(g, photo)
            shift.set_state(state)
            superpixels = superpixel_batch(out, hp.superpixel)
            _, _, h, w = out.shape
            loss, logged = weighted({
                "surface": (hp.w_surface, generator_term(unwrap(models["disc_surface"])(self.surface(out)), hp.gan)),
                "texture": (hp.w_texture, generator_term(unwrap(models["disc_texture"])(random_colour_shift(out, shift)), hp.gan)),
                "structure": (hp.w_structure, perceptual_l1(self.vgg, out, superpixels)),
                "content": (hp.w_content, perceptual_l1(self.vgg, out, photo)),
                "tv": (hp.w_tv, total_variation(out) / (3 * h * w)),
            })  # fmt: skip
        amp.backward_step(loss, opts["generator"])
        return {**logged, "d_surface": d_surface, "d_texture": d_texture}

    def sample_columns(self, batch: dict[str, torch.Tensor], models: dict[str, nn.Module]) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            out = guided_output(models["generator"], batch["photo"]).clamp(-1, 1)
        return {"photo": batch["photo"], "generated": out}


RECIPES.register(WhiteBox, aliases=("lightweight",))  # the recipe's first name; the architecture keeps it
