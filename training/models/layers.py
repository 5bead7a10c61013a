"""Small building blocks shared by several generator families."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

NormFactory = Callable[[int], nn.Module]


def instance_norm(channels: int) -> nn.Module:
    return nn.InstanceNorm2d(channels, affine=True)


def layer_norm(channels: int) -> nn.Module:
    """TF ``layer_norm`` over (C, H, W) with per-channel affine = GroupNorm with one group."""
    return nn.GroupNorm(1, channels, affine=True)


def no_norm(channels: int) -> nn.Module:
    return nn.Identity()


class ConvNormAct(nn.Sequential):
    """pad -> conv -> norm -> activation; ``pad`` may be asymmetric (left, right, top, bottom)."""

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel: int = 3,
        stride: int = 1,
        pad: int | tuple[int, int, int, int] | None = None,
        pad_mode: str = "reflect",
        norm: NormFactory = no_norm,
        act: nn.Module | None = None,
        groups: int = 1,
        bias: bool = False,
    ) -> None:
        if pad is None:
            pad = (kernel - 1) // 2
        padder: nn.Module = nn.Identity()
        if pad:
            padder = nn.ReflectionPad2d(pad) if pad_mode == "reflect" else nn.ZeroPad2d(pad)
        super().__init__(
            padder,
            nn.Conv2d(in_ch, out_ch, kernel, stride, padding=0, groups=groups, bias=bias),
            norm(out_ch),
            act if act is not None else nn.Identity(),
        )


def lrelu(slope: float = 0.2) -> nn.Module:
    return nn.LeakyReLU(slope, inplace=True)


class ResidualBlock(nn.Module):
    """x + conv-norm-act-conv-norm (CartoonGAN / CycleGAN style, reflect padding)."""

    def __init__(self, channels: int, norm: NormFactory = instance_norm, act: Callable[[], nn.Module] = lambda: nn.ReLU(True), bias: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm(channels), act(),
        ]
        if dropout:
            layers.append(nn.Dropout(dropout))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm(channels)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def upsample2x(x: torch.Tensor, like: torch.Tensor | None = None) -> torch.Tensor:
    """Bilinear x2 (half-pixel); with ``like`` the exact size of a skip tensor."""
    if like is not None:
        return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)
    return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
