"""DCGAN (Radford et al. 2016) as seed 002 uses it for 64x64 anime avatars.

Seed 002 replaces the last transposed conv by a size-preserving "extra" conv to 3 channels and
a final 3 -> 3 transposed conv; ``extra_layer=False`` gives the plain DCGAN dimensions.
"""

from __future__ import annotations

import torch
from torch import nn

from training.models.registry import ArchSpec, register


def _up(in_ch: int, out_ch: int, stride: int = 2, padding: int = 1) -> list[nn.Module]:
    return [nn.ConvTranspose2d(in_ch, out_ch, 4, stride, padding, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU(True)]


class DCGANGenerator(nn.Module):
    def __init__(self, nz: int = 100, ngf: int = 64, extra_layer: bool = True) -> None:
        super().__init__()
        self.nz = nz
        layers = _up(nz, ngf * 8, 1, 0) + _up(ngf * 8, ngf * 4) + _up(ngf * 4, ngf * 2) + _up(ngf * 2, ngf)
        if extra_layer:
            layers += [nn.Conv2d(ngf, 3, 3, 1, 1, bias=False), nn.BatchNorm2d(3), nn.LeakyReLU(0.2, True)]
            layers += [nn.ConvTranspose2d(3, 3, 4, 2, 1, bias=False), nn.Tanh()]
        else:
            layers += [nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.model(z.view(z.shape[0], self.nz, 1, 1))


class DCGANDiscriminator(nn.Module):
    """The mirror image: 64x64 -> probability, LeakyReLU 0.2, batch norm after the first conv."""

    def __init__(self, ndf: int = 64, extra_layer: bool = True) -> None:
        super().__init__()
        if extra_layer:
            head: list[nn.Module] = [
                nn.Conv2d(3, 3, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
                nn.Conv2d(3, ndf, 3, 1, 1, bias=False), nn.BatchNorm2d(ndf), nn.LeakyReLU(0.2, True),
            ]  # fmt: skip
        else:
            head = [nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        body: list[nn.Module] = []
        for mult in (1, 2, 4):
            body += [nn.Conv2d(ndf * mult, ndf * mult * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * mult * 2), nn.LeakyReLU(0.2, True)]
        self.model = nn.Sequential(*head, *body, nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x).view(-1)  # logits; BCE-with-logits applies the sigmoid


register(
    ArchSpec(
        name="dcgan",
        builder=DCGANGenerator,
        family="dcgan",
        role="noise_generator",
        paper="DCGAN (Radford et al. 2016) with seed 002's extra layer (Wang, Sun & Cui)",
        counted_params=3_576_704,
        published_params=3_576_704,
        published_note="plain DCGAN dims (counted); seed 002 adds an extra layer",
        size_multiple=64,
        train_resolution=64,
    )
)
register(
    ArchSpec(
        name="dcgan_d",
        builder=DCGANDiscriminator,
        family="dcgan",
        role="discriminator",
        paper="DCGAN (Radford et al. 2016)",
        counted_params=2_765_568,
        published_params=2_765_568,
        published_note="plain DCGAN dims (counted)",
        train_resolution=64,
    )
)
