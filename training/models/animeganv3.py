"""AnimeGANv3 (DTGAN, Chen et al. IEICE 2024) generator: a shared encoder and a decoder tail with
additive skips, LADE normalisation and external attention at the bottleneck.

Training uses two identical tails ("support", output guided-filtered, and "main"); inference
keeps the encoder and the main tail: 1,027,560 parameters here (paper: 1.02 M).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from training.models.layers import lrelu, upsample2x
from training.models.registry import ArchSpec, register

# AnimeGANv3 pads a 3x3 stride-2 conv at the top / left (AnimeGANv2: bottom / right).
_TOP_LEFT = (1, 0, 1, 0)


class LADE(nn.Module):
    """Linearly adaptive denormalisation: instance-normalise x, then take the per-channel
    mean / std of a 1x1 conv of x as its scale and shift (no learned gamma / beta)."""

    def __init__(self, channels: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.proj = nn.Conv2d(channels, channels, 1, bias=False)
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.proj(x)
        t_mean = t.mean(dim=(2, 3), keepdim=True)
        t_std = (t.var(dim=(2, 3), keepdim=True, unbiased=False) + self.eps).sqrt()
        return F.instance_norm(x, eps=self.eps) * t_std + t_mean


class ConvLADE(nn.Sequential):
    def __init__(self, in_ch: int, out_ch: int, kernel: int = 3, stride: int = 1) -> None:
        pad = _TOP_LEFT if stride == 2 else (kernel - 1) // 2
        super().__init__(
            nn.ReflectionPad2d(pad), nn.Conv2d(in_ch, out_ch, kernel, stride, bias=False), LADE(out_ch), lrelu()
        )


class ExternalAttention(nn.Module):
    """External attention with one shared memory M (c x k) used as key then (transposed) value."""

    def __init__(self, channels: int, memory: int = 128) -> None:
        super().__init__()
        self.proj_in = nn.Conv2d(channels, channels, 1, bias=False)
        self.memory = nn.Parameter(torch.randn(channels, memory) * channels**-0.5)
        self.proj_out = nn.Conv2d(channels, channels, 1, bias=False)
        self.norm = nn.BatchNorm2d(channels, eps=1e-3, momentum=0.001)
        self.act = lrelu()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q = self.proj_in(x).flatten(2).transpose(1, 2)  # (b, hw, c)
        attn = torch.softmax(q @ self.memory, dim=1)  # over positions
        attn = attn / (attn.sum(dim=2, keepdim=True) + 1e-9)  # double normalisation over memory
        out = (attn @ self.memory.t()).transpose(1, 2).reshape(b, c, h, w)
        return self.act(x + self.norm(self.proj_out(out)))


class Tail(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attention = ExternalAttention(128)
        self.up2a, self.up2b = ConvLADE(128, 128), ConvLADE(128, 128)
        self.up1a, self.up1b = ConvLADE(128, 64), ConvLADE(64, 64)
        self.up0a, self.up0b = ConvLADE(64, 32), ConvLADE(32, 32)
        self.out = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(32, 3, 7, bias=False), nn.Tanh())

    def forward(self, x0: torch.Tensor, x1: torch.Tensor, x2: torch.Tensor, x3: torch.Tensor) -> torch.Tensor:
        y = self.attention(x3)
        y = self.up2b(self.up2a(upsample2x(y, like=x2)) + x2)
        y = self.up1b(self.up1a(upsample2x(y, like=x1)) + x1)
        y = self.up0b(self.up0a(upsample2x(y, like=x0)) + x0)
        return self.out(y)


class AnimeGANv3Generator(nn.Module):
    """The inference generator: encoder and main tail (the support tail exists only in training)."""

    def __init__(self) -> None:
        super().__init__()
        self.enc0 = ConvLADE(3, 32, 7)
        self.enc1 = nn.Sequential(ConvLADE(32, 32, stride=2), ConvLADE(32, 64))
        self.enc2 = nn.Sequential(ConvLADE(64, 64, stride=2), ConvLADE(64, 128))
        self.enc3 = nn.Sequential(ConvLADE(128, 128, stride=2), ConvLADE(128, 128))
        self.main = Tail()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x0 = self.enc0(x)
        x1 = self.enc1(x0)
        x2 = self.enc2(x1)
        x3 = self.enc3(x2)
        return self.main(x0, x1, x2, x3)


register(
    ArchSpec(
        name="animeganv3",
        builder=AnimeGANv3Generator,
        family="animeganv3",
        role="generator",
        paper="AnimeGANv3 / DTGAN (Chen, IEICE 2024): the strongest public lightweight anchor",
        counted_params=1_027_520,
        published_params=1_020_000,
        published_note="abstract: 1.02 M parameters at inference",
        size_multiple=8,
    )
)
