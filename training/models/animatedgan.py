"""Seed 000's "animated GAN" generator (Yadav et al., IIT Kharagpur): 7x7 stride-1 conv, 3x3
stride-2 convs, 5 residual blocks, transposed-conv upsampling with long U-Net skips (concatenated).

The paper gives the layer types but not the widths; we use 64 / 128 / 256 like CartoonGAN,
which the paper builds on, and instance norm in the generator.
"""

from __future__ import annotations

import torch
from torch import nn

from training.models.layers import ResidualBlock, instance_norm
from training.models.registry import ArchSpec, register


def _cna(in_ch: int, out_ch: int, kernel: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel, stride, kernel // 2, padding_mode="reflect"), instance_norm(out_ch), nn.ReLU(True)
    )


def _up(in_ch: int, out_ch: int) -> nn.Sequential:
    return nn.Sequential(nn.ConvTranspose2d(in_ch, out_ch, 3, 2, 1, output_padding=1), instance_norm(out_ch), nn.ReLU(True))


class AnimatedGANGenerator(nn.Module):
    def __init__(self, n_res: int = 5, width: int = 64) -> None:
        super().__init__()
        w = width
        self.enc0 = _cna(3, w, 7)
        self.enc1 = _cna(w, 2 * w, 3, 2)
        self.enc2 = _cna(2 * w, 4 * w, 3, 2)
        self.res = nn.Sequential(*[ResidualBlock(4 * w) for _ in range(n_res)])
        self.up1, self.fuse1 = _up(4 * w, 2 * w), _cna(4 * w, 2 * w, 3)
        self.up0, self.fuse0 = _up(2 * w, w), _cna(2 * w, w, 3)
        self.out = nn.Sequential(nn.Conv2d(w, 3, 7, 1, 3, padding_mode="reflect"), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e0 = self.enc0(x)
        e1 = self.enc1(e0)
        y = self.res(self.enc2(e1))
        y = self.fuse1(torch.cat([self.up1(y), e1], 1))
        y = self.fuse0(torch.cat([self.up0(y), e0], 1))
        return self.out(y)


register(
    ArchSpec(
        name="animatedgan",
        builder=AnimatedGANGenerator,
        family="animatedgan",
        role="generator",
        paper="Generating Animated Variants of Real-World Images using GANs (Yadav et al., seed 000)",
        published_params=None,
        published_note="not published (widths not given; ours follow CartoonGAN)",
        size_multiple=4,
    )
)
