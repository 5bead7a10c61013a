"""``cel-distill``: the bundled default style. A slim ``lightweight`` student learns to imitate
the classical cel teacher (``training.teacher.cel``) on random crops of real photos:
L1 + VGG perceptual loss, no discriminator."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from training.data.batches import PairedSource
from training.data.teacher_pairs import render_pairs
from training.losses.content import perceptual_l1
from training.recipes.base import Amp, Hyper, Recipe, weighted


@dataclass
class DistillHyper(Hyper):
    batch_size: int = 8
    crop: int = 192
    steps: int = 6_000
    lr_g: float = 5e-4
    beta1: float = 0.9
    beta2: float = 0.99
    w_l1: float = 1.0
    w_perceptual: float = 0.002
    perceptual_every: int = 4  # VGG costs 3x the student's step on a CPU; every 4th step keeps its pull
    vgg: str = "vgg16:conv2_2"
    generator_kwargs: dict[str, Any] = field(default_factory=lambda: {"width": 16})


class CelDistill(Recipe):
    name = "cel-distill"
    summary = "bundled 'cel' style: slim lightweight student distilled from the classical cel teacher"
    generator_arch = "lightweight"
    hyper_cls = DistillHyper
    needs_style = False

    def make_source(self, photos: list[Path], styles: list[Path] | None, seed: int, cache_dir: Path) -> PairedSource:
        inputs, targets = render_pairs(photos, cache_dir / "teacher")
        return PairedSource(inputs, targets, self.hp.crop, self.hp.batch_size, seed)

    def build_models(self) -> dict[str, nn.Module]:
        return {"generator": self.build_generator()}

    def optimizers(self, models: dict[str, nn.Module]) -> dict[str, torch.optim.Optimizer]:
        return {"generator": torch.optim.Adam(models["generator"].parameters(), lr=self.hp.lr_g, betas=(self.hp.beta1, self.hp.beta2))}

    def train_step(self, step: int, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp) -> dict[str, float]:
        hp: DistillHyper = self.hp  # type: ignore[assignment]
        g = models["generator"]
        # cosine decay to 5 % over the run: the last steps polish instead of bouncing
        progress = min(1.0, step / max(1, hp.steps))
        for group in opts["generator"].param_groups:
            group["lr"] = hp.lr_g * (0.05 + 0.95 * 0.5 * (1 + torch.cos(torch.tensor(progress * torch.pi)).item()))
        with amp.autocast():
            out = g(batch["photo"])
            terms = {"l1": (hp.w_l1, F.l1_loss(out, batch["target"]))}
            if self.vgg is not None and hp.w_perceptual > 0 and step % hp.perceptual_every == 0:
                terms["perceptual"] = (hp.w_perceptual, perceptual_l1(self.vgg, out, batch["target"]))
            loss, logged = weighted(terms)
        amp.backward_step(loss, opts["generator"])
        logged["total"] = float(loss.detach())
        return logged

    def sample_columns(self, batch: dict[str, torch.Tensor], models: dict[str, nn.Module]) -> dict[str, torch.Tensor]:
        cols = super().sample_columns(batch, models)
        return {"photo": cols["photo"], "teacher": batch["target"], "student": cols["generated"]}


RECIPES = [CelDistill]
