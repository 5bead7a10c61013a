"""CycleGAN (Zhu et al. 2017): two generators, two PatchGANs, LSGAN, cycle lambda 10, identity
0.5 lambda, image pools of 50 past fakes, D loss halved; lr 2e-4, beta1 0.5, batch 1."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from training.data.batches import UnpairedSource, load_images
from training.distributed import unwrap
from training.losses.adversarial import discriminator_loss, generator_term
from training.losses.pixel import cycle_loss, identity_loss
from training.models.registry import get_arch
from training.recipes.base import Amp, Hyper, discriminator_step, weighted
from training.recipes.gan import PhotoToStyleGAN
from training.recipes.registry import RECIPES


@dataclass
class CycleHyper(Hyper):
    batch_size: int = 1
    steps: int = 200_000
    gan: str = "lsgan"
    lam: float = 10.0
    identity: float = 0.5
    pool_size: int = 50


class ImagePool:
    """Shrivastava et al.'s history buffer: D sees a mix of new and past fakes."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.images: list[torch.Tensor] = []

    def query(self, batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.size == 0:
            return batch
        out = []
        for image in batch.detach():
            image = image.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image.cpu())
                out.append(image)
            elif torch.rand(1, generator=generator).item() < 0.5:
                idx = int(torch.randint(0, self.size, (1,), generator=generator))
                old = self.images[idx].to(image)
                self.images[idx] = image.cpu()
                out.append(old)
            else:
                out.append(image)
        return torch.cat(out)


class CycleGAN(PhotoToStyleGAN):
    name = "cyclegan"
    summary = "CycleGAN (ICCV 2017): ResNet-9 generators, 70x70 PatchGANs, cycle 10, identity 0.5, pool 50"
    generator_arch = "cyclegan"
    hyper_cls = CycleHyper
    uses_vgg = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pools = {"a": ImagePool(self.hp.pool_size), "b": ImagePool(self.hp.pool_size)}  # type: ignore[attr-defined]

    def build_models(self) -> dict[str, nn.Module]:
        return {
            "generator": self.build_generator(),  # photo (A) -> style (B): the exported one
            "generator_ba": get_arch("cyclegan").build(**self.hp.generator_kwargs),
            "disc_a": get_arch("patchgan").build(),
            "disc_b": get_arch("patchgan").build(),
        }

    def make_source(self, photos: list[Path], styles: list[Path] | None, seed: int, cache_dir: Path) -> UnpairedSource:
        if styles is None:
            return super().make_source(photos, styles, seed, cache_dir)
        return UnpairedSource(load_images(photos, 512), load_images(styles, 512), self.hp.crop, self.hp.batch_size, seed)

    def train_step(self, step: int, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp) -> dict[str, float]:
        hp: CycleHyper = self.hp  # type: ignore[assignment]
        g_ab, g_ba = models["generator"], models["generator_ba"]
        d_a, d_b = unwrap(models["disc_a"]), unwrap(models["disc_b"])
        a, b = batch["photo"], batch["style"]
        for d in (d_a, d_b):
            d.requires_grad_(False)
        with amp.autocast():
            fake_b, fake_a = g_ab(a), g_ba(b)
            terms = {
                "adv_ab": (1.0, generator_term(d_b(fake_b), hp.gan)),
                "adv_ba": (1.0, generator_term(d_a(fake_a), hp.gan)),
                "cycle_a": (hp.lam, cycle_loss(a, g_ba(fake_b))),
                "cycle_b": (hp.lam, cycle_loss(b, g_ab(fake_a))),
            }
            if hp.identity > 0:
                terms["idt_b"] = (hp.lam * hp.identity, identity_loss(b, g_ab(b)))
                terms["idt_a"] = (hp.lam * hp.identity, identity_loss(a, g_ba(a)))
            loss, logged = weighted(terms)
        amp.backward_step(loss, opts["generator"], opts["generator_ba"])
        rng = torch.Generator().manual_seed(step)
        pooled_b, pooled_a = self.pools["b"].query(fake_b, rng), self.pools["a"].query(fake_a, rng)
        d_b_loss = discriminator_step(lambda d: 0.5 * discriminator_loss(hp.gan, [(d(b), 1.0)], [(d(pooled_b), 1.0)]), models, opts, amp, "disc_b")
        d_a_loss = discriminator_step(lambda d: 0.5 * discriminator_loss(hp.gan, [(d(a), 1.0)], [(d(pooled_a), 1.0)]), models, opts, amp, "disc_a")
        return {**logged, "d_a": d_a_loss, "d_b": d_b_loss}

    def extra_state(self) -> dict[str, Any]:
        return {"pools": {k: p.images for k, p in self.pools.items()}}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        for k, images in state.get("pools", {}).items():
            self.pools[k].images = list(images)


RECIPES.register(CycleGAN)
