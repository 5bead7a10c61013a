"""CartoonGAN (Chen et al., CVPR 2018) and ArtifyGAN (seed 004), its slimmer descendant.

CartoonGAN: flat 7x7 conv, two down blocks (stride-2 conv + conv), 8 residual blocks, two up
blocks (transposed conv + conv), 7x7 conv, tanh; instance norm. ArtifyGAN: one conv per down /
up block ("no extra convolution"), 10 residual blocks, batch norm, sigmoid output in [0, 1].
"""

from __future__ import annotations

import torch
from torch import nn

from training.models.layers import NormFactory, ResidualBlock, instance_norm
from training.models.registry import ArchSpec, register


def batch_norm(channels: int) -> nn.Module:
    return nn.BatchNorm2d(channels)


def _down(in_ch: int, out_ch: int, norm: NormFactory, extra_conv: bool) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(in_ch, out_ch, 3, 2, 1)]
    if extra_conv:
        layers.append(nn.Conv2d(out_ch, out_ch, 3, 1, 1))
    return layers + [norm(out_ch), nn.ReLU(True)]


def _up(in_ch: int, out_ch: int, norm: NormFactory, extra_conv: bool) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.ConvTranspose2d(in_ch, out_ch, 3, 2, 1, output_padding=1)]
    if extra_conv:
        layers.append(nn.Conv2d(out_ch, out_ch, 3, 1, 1))
    return layers + [norm(out_ch), nn.ReLU(True)]


class CartoonGANGenerator(nn.Module):
    def __init__(
        self, n_res: int = 8, norm: NormFactory = instance_norm, extra_conv: bool = True, out_act: str = "tanh"
    ) -> None:
        super().__init__()
        self.model = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(3, 64, 7), norm(64), nn.ReLU(True),
            *_down(64, 128, norm, extra_conv),
            *_down(128, 256, norm, extra_conv),
            *[ResidualBlock(256, norm=norm) for _ in range(n_res)],
            *_up(256, 128, norm, extra_conv),
            *_up(128, 64, norm, extra_conv),
            nn.ReflectionPad2d(3), nn.Conv2d(64, 3, 7),
            nn.Tanh() if out_act == "tanh" else nn.Sigmoid(),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def build_artifygan() -> CartoonGANGenerator:
    return CartoonGANGenerator(n_res=10, norm=batch_norm, extra_conv=False, out_act="sigmoid")


register(
    ArchSpec(
        name="cartoongan",
        builder=CartoonGANGenerator,
        family="cartoongan",
        role="generator",
        paper="CartoonGAN (Chen, Lai & Liu, CVPR 2018)",
        counted_params=11_129_667,
        published_params=11_380_000,
        published_note="thesis Table 1: 11.38 M (the counted 11.38 M belongs to CycleGAN; see README)",
        size_multiple=4,
    )
)
register(
    ArchSpec(
        name="artifygan",
        builder=build_artifygan,
        family="cartoongan",
        role="generator",
        paper="ArtifyGAN (Bismi et al., seed 004)",
        published_params=None,
        published_note="not published",
        output_range=(0.0, 1.0),
        output_activation="sigmoid",
        size_multiple=4,
    )
)
