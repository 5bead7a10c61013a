"""CycleGAN's ResNet-9 generator (Zhu et al., ICCV 2017): reflection padding, instance norm
without affine parameters (so convs carry a bias), 9 residual blocks, transposed-conv upsampling."""

from __future__ import annotations

import torch
from torch import nn

from training.models.layers import ResidualBlock
from training.models.registry import ArchSpec, register


def _in(channels: int) -> nn.Module:
    return nn.InstanceNorm2d(channels, affine=False)


class ResnetGenerator(nn.Module):
    def __init__(self, n_blocks: int = 9, ngf: int = 64, dropout: float = 0.0) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7), _in(ngf), nn.ReLU(True)]
        for mult in (1, 2):
            layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, 2, 1), _in(ngf * mult * 2), nn.ReLU(True)]
        layers += [ResidualBlock(ngf * 4, norm=_in, dropout=dropout) for _ in range(n_blocks)]
        for mult in (4, 2):
            layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, 2, 1, output_padding=1), _in(ngf * mult // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


register(
    ArchSpec(
        name="cyclegan",
        builder=ResnetGenerator,
        family="cyclegan",
        role="generator",
        paper="CycleGAN (Zhu et al., ICCV 2017), resnet_9blocks",
        counted_params=11_378_179,
        published_params=11_130_000,
        published_note="thesis Table 1: 11.13 M (the counted 11.13 M belongs to CartoonGAN; see README)",
        size_multiple=4,
    )
)
