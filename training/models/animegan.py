"""AnimeGAN generators: v1 (seed 003: separable convs, 8 inverted residual blocks, instance norm)
and v2 (layer norm, 4 inverted residual blocks, resize-convs).

The v2 module tree mirrors the widely used PyTorch port (``block_a`` ... ``block_e``,
``out_layer``, ``layers`` inside the residual blocks) so that its published state dicts load
with ``load_state_dict`` unchanged.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from training.models.layers import ConvNormAct, NormFactory, instance_norm, layer_norm, lrelu, upsample2x
from training.models.registry import ArchSpec, register

# TF pads stride-2 convs at the bottom / right only; (left, right, top, bottom) for nn.ReflectionPad2d
_TF_STRIDE2_PAD = (0, 1, 0, 1)


def _cnl(in_ch: int, out_ch: int, norm: NormFactory, kernel: int = 3, stride: int = 1, **kw: object) -> ConvNormAct:
    pad = _TF_STRIDE2_PAD if stride == 2 else None
    return ConvNormAct(in_ch, out_ch, kernel, stride, pad=pad, norm=norm, act=lrelu(), **kw)  # type: ignore[arg-type]


class InvertedResBlock(nn.Module):
    """MobileNetV2 block: 1x1 expand, 3x3 depthwise (with bias), 1x1 project; residual if shapes match."""

    def __init__(self, in_ch: int, out_ch: int, expansion: float = 2.0, norm: NormFactory = layer_norm) -> None:
        super().__init__()
        self.use_residual = in_ch == out_ch
        hidden = int(round(in_ch * expansion))
        self.layers = nn.Sequential(
            _cnl(in_ch, hidden, norm, kernel=1),
            _cnl(hidden, hidden, norm, groups=hidden, bias=True),
            nn.Conv2d(hidden, out_ch, 1, bias=False),
            norm(out_ch),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.layers(x)
        return x + out if self.use_residual else out


class AnimeGANv2Generator(nn.Module):
    """2,143,552 parameters; no skips, so any size runs (each stride-2 stage floors odd sizes)."""

    def __init__(self, align_corners: bool = False) -> None:
        super().__init__()
        n = layer_norm
        self.align_corners = align_corners
        self.block_a = nn.Sequential(_cnl(3, 32, n, 7), _cnl(32, 64, n, stride=2), _cnl(64, 64, n))
        self.block_b = nn.Sequential(_cnl(64, 128, n, stride=2), _cnl(128, 128, n))
        self.block_c = nn.Sequential(
            _cnl(128, 128, n),
            InvertedResBlock(128, 256),
            *[InvertedResBlock(256, 256) for _ in range(3)],
            _cnl(256, 128, n),
        )
        self.block_d = nn.Sequential(_cnl(128, 128, n), _cnl(128, 128, n))
        self.block_e = nn.Sequential(_cnl(128, 64, n), _cnl(64, 64, n), _cnl(64, 32, n, 7))
        self.out_layer = nn.Sequential(nn.Conv2d(32, 3, 1, bias=False), nn.Tanh())

    def _up(self, x: torch.Tensor, size: torch.Size) -> torch.Tensor:
        # align_corners=True reproduces how the port's face_paint weights were used
        return F.interpolate(x, size=size, mode="bilinear", align_corners=self.align_corners)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.block_a(x)
        out = self.block_c(self.block_b(a))
        out = self.block_d(self._up(out, a.shape[-2:]))
        out = self.block_e(self._up(out, x.shape[-2:]))
        return self.out_layer(out)


class SeparableConv(nn.Sequential):
    """Depthwise 3x3 + pointwise 1x1, each normalised, LeakyReLU after (AnimeGAN v1)."""

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1) -> None:
        super().__init__(
            _cnl(in_ch, in_ch, instance_norm, stride=stride, groups=in_ch),
            _cnl(in_ch, out_ch, instance_norm, kernel=1),
        )


class DownConv(nn.Module):
    """Strided separable conv summed with a separable conv of the bilinear-halved input."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.strided = SeparableConv(in_ch, out_ch, stride=2)
        self.resized = SeparableConv(in_ch, out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.strided(x)
        b = self.resized(F.interpolate(x, size=a.shape[-2:], mode="bilinear", align_corners=False))
        return a + b


class UpConv(nn.Module):
    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv = SeparableConv(in_ch, out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(upsample2x(x))


class AnimeGANv1Generator(nn.Module):
    """AnimeGAN (Chen et al. 2019) as described in seed 003: 3.96 M parameters."""

    def __init__(self) -> None:
        super().__init__()
        n = instance_norm
        self.encode = nn.Sequential(
            _cnl(3, 64, n, 7),
            _cnl(64, 64, n),
            DownConv(64, 128),
            _cnl(128, 128, n),
            SeparableConv(128, 128),
            DownConv(128, 256),
            _cnl(256, 256, n),
        )
        self.residual = nn.Sequential(*[InvertedResBlock(256, 256, norm=n) for _ in range(8)])
        self.decode = nn.Sequential(
            _cnl(256, 256, n),
            UpConv(256, 128),
            SeparableConv(128, 128),
            _cnl(128, 128, n),
            UpConv(128, 64),
            _cnl(64, 64, n),
            _cnl(64, 64, n),
            nn.Conv2d(64, 3, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.residual(self.encode(x)))


register(
    ArchSpec(
        name="animeganv2",
        builder=AnimeGANv2Generator,
        family="animegan",
        role="generator",
        paper="AnimeGANv2 (Chen, public release 2020); state-dict layout of the PyTorch port",
        counted_params=2_143_552,
        published_params=2_143_552,
        published_note="README: generator 8.17 MB (fp32)",
        size_multiple=4,
    )
)
register(
    ArchSpec(
        name="animegan",
        builder=AnimeGANv1Generator,
        family="animegan",
        role="generator",
        paper="AnimeGAN (Chen et al. 2019) as used by seed 003 (Kalin & Akniyet)",
        counted_params=3_960_000,
        published_params=3_960_000,
        published_note="thesis Table 1: 3.96 M",
        size_multiple=4,
    )
)
