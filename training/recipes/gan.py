"""Shared parts of the photo -> style GAN recipes (CartoonGAN family, AnimeGAN, White-box)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from training.data.batches import UnpairedSource, load_images
from training.data.edge_smooth import smooth_folder
from training.distributed import unwrap
from training.models.registry import get_arch
from training.recipes.base import Recipe
from vidanime.errors import UsageError


class PhotoToStyleGAN(Recipe):
    """A generator and one discriminator; D sees style images (real), generated and (optionally)
    edge-smoothed style images (fake)."""

    discriminator_arch: str = "cartoon_d"
    discriminator_kwargs: dict[str, Any] = {}
    uses_smooth: bool = True

    def build_models(self) -> dict[str, nn.Module]:
        return {"generator": self.build_generator(), "discriminator": get_arch(self.discriminator_arch).build(**self.discriminator_kwargs)}

    def make_source(self, photos: list[Path], styles: list[Path] | None, seed: int, cache_dir: Path) -> UnpairedSource:
        if styles is None:
            raise UsageError(f"{self.name} needs --style DIR (images of the target style)")
        smooth = load_images(smooth_folder(styles, cache_dir / "smooth"), 512) if self.uses_smooth else None
        return UnpairedSource(load_images(photos, 512), load_images(styles, 512), self.hp.crop, self.hp.batch_size, seed, smooth)

    @staticmethod
    def frozen(models: dict[str, nn.Module], name: str = "discriminator") -> nn.Module:
        """D for the generator step: the bare module, so data parallelism does not wait for its grads."""
        return unwrap(models[name])
