"""Patch discriminators: each outputs a map of real / fake logits, one per receptive field."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from training.models.layers import NormFactory, instance_norm, layer_norm, lrelu
from training.models.registry import ArchSpec, register


def _sn(conv: nn.Conv2d, use: bool) -> nn.Module:
    return spectral_norm(conv) if use else conv


class PatchGAN(nn.Module):
    """pix2pix / CycleGAN 70x70 PatchGAN: 4x4 convs 64-128-256 (stride 2), 512 (stride 1), 1.

    ``in_ch=6`` is pix2pix's conditional D: it sees the photo beside the picture, so it judges
    whether the picture is *this photo* drawn, not merely whether it looks drawn."""

    def __init__(self, ndf: int = 64, n_layers: int = 3, norm: str = "instance", slope: float = 0.2, in_ch: int = 3) -> None:
        super().__init__()
        bias = norm == "instance"  # instance norm without affine needs the conv bias

        def make_norm(c: int) -> nn.Module:
            return nn.InstanceNorm2d(c, affine=False) if norm == "instance" else nn.BatchNorm2d(c)

        layers: list[nn.Module] = [nn.Conv2d(in_ch, ndf, 4, 2, 1), nn.LeakyReLU(slope, True)]
        ch = ndf
        for i in range(1, n_layers + 1):
            out = ndf * min(2**i, 8)
            stride = 2 if i < n_layers else 1
            layers += [nn.Conv2d(ch, out, 4, stride, 1, bias=bias), make_norm(out), nn.LeakyReLU(slope, True)]
            ch = out
        layers.append(nn.Conv2d(ch, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class AnimeDiscriminator(nn.Module):
    """CartoonGAN / AnimeGAN patch discriminator (spectral norm, no bias, LeakyReLU 0.2)."""

    def __init__(self, ch: int = 64, n_dis: int = 3, norm: NormFactory = layer_norm, sn: bool = True) -> None:
        super().__init__()
        c = ch // 2
        layers: list[nn.Module] = [_sn(nn.Conv2d(3, c, 3, 1, 1, bias=False), sn), lrelu()]
        prev = c
        for _ in range(1, n_dis):
            layers += [
                _sn(nn.Conv2d(prev, c * 2, 3, 2, 1, bias=False), sn), lrelu(),
                _sn(nn.Conv2d(c * 2, c * 4, 3, 1, 1, bias=False), sn), norm(c * 4), lrelu(),
            ]  # fmt: skip
            prev, c = c * 4, c * 2
        layers += [_sn(nn.Conv2d(prev, c * 2, 3, 1, 1, bias=False), sn), norm(c * 2), lrelu()]
        layers.append(_sn(nn.Conv2d(c * 2, 1, 3, 1, 1, bias=False), sn))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class WhiteBoxDiscriminator(nn.Module):
    """White-box's spectral-norm patch D; used twice (surface on blurred, texture on grey)."""

    def __init__(self, channel: int = 32, in_ch: int = 3) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        prev = in_ch
        for i in range(3):
            c = channel * 2**i
            layers += [spectral_norm(nn.Conv2d(prev, c, 3, 2, 1)), lrelu(), spectral_norm(nn.Conv2d(c, c, 3, 1, 1)), lrelu()]
            prev = c
        layers.append(spectral_norm(nn.Conv2d(prev, 1, 1)))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


for spec in (
    ArchSpec("patchgan", PatchGAN, "cyclegan", "discriminator", "pix2pix / CycleGAN 70x70 PatchGAN", 2_765_000, "prior art: 2.765 M", 2_765_000),
    ArchSpec("patchgan_bn", lambda: PatchGAN(norm="batch", slope=0.01), "animatedgan", "discriminator",
             "seed 000: PatchGAN with BatchNorm + LeakyReLU(0.01)"),
    ArchSpec("anime_d", AnimeDiscriminator, "animegan", "discriminator",
             "AnimeGAN / AnimeGANv2 patch D (spectral norm, layer norm)", 1_130_000, "prior art: ~1.13 M (computed)", 1_130_000),
    ArchSpec("cartoon_d", lambda: AnimeDiscriminator(norm=instance_norm), "cartoongan", "discriminator",
             "CartoonGAN patch D (spectral norm, instance norm)"),
    ArchSpec("whitebox_d", WhiteBoxDiscriminator, "white-box", "discriminator",
             "White-box spectral-norm patch D (surface / texture)", 290_000, "prior art: ~0.29 M (computed)", 290_000),
):  # fmt: skip
    register(spec)
