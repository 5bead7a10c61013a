"""The FPT thesis' lightweight generator: the White-box cartoonization UNet (Wang & Yu, CVPR 2020).

Zero padding, convs with bias, LeakyReLU 0.2, no normalisation, additive skips, bilinear x2
upsampling; 4 residual blocks at 4x down. ``width`` scales every channel count (32 = paper),
which is how the slim students of the bundled styles are made; ``residual`` adds the input to
the output (no extra MACs), for looks that keep the photo's detail (``shinkai``).
"""

from __future__ import annotations

import torch
from torch import nn

from training.models.layers import lrelu, upsample2x
from training.models.registry import ArchSpec, register


def _conv(in_ch: int, out_ch: int, kernel: int = 3, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_ch, out_ch, kernel, stride, padding=kernel // 2)


class _Res(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.conv1, self.conv2, self.act = _conv(ch, ch), _conv(ch, ch), lrelu()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.act(self.conv1(x)))


class LightweightUNet(nn.Module):
    def __init__(self, width: int = 32, n_res: int = 4, residual: bool = False) -> None:
        super().__init__()
        w = width
        self.residual = residual  # predict the change to the photo: its fine detail passes through free
        self.act = lrelu()
        self.enc0 = _conv(3, w, 7)
        self.enc1a, self.enc1b = _conv(w, w, stride=2), _conv(w, 2 * w)
        self.enc2a, self.enc2b = _conv(2 * w, 2 * w, stride=2), _conv(2 * w, 4 * w)
        self.res = nn.Sequential(*[_Res(4 * w) for _ in range(n_res)])
        self.mid = _conv(4 * w, 2 * w)
        self.dec1a, self.dec1b = _conv(2 * w, 2 * w), _conv(2 * w, w)
        self.dec0a, self.out = _conv(w, w), _conv(w, 3, 7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.act
        x0 = a(self.enc0(x))
        x1 = a(self.enc1b(a(self.enc1a(x0))))
        x2 = a(self.enc2b(a(self.enc2a(x1))))
        x2 = a(self.mid(self.res(x2)))
        x3 = upsample2x(x2, like=x1)
        x3 = a(self.dec1b(a(self.dec1a(x3 + x1))))
        x4 = upsample2x(x3, like=x0)
        x4 = a(self.dec0a(x4 + x0))
        out = self.out(x4)  # linear, like White-box; the runtime clips to [-1, 1]
        return x + out if self.residual else out


register(
    ArchSpec(
        name="lightweight",
        builder=LightweightUNet,
        family="white-box",
        role="generator",
        paper="FPT thesis (Le & Bui, seed 001) after White-box Cartoonization (Wang & Yu, CVPR 2020)",
        counted_params=1_467_075,
        published_params=1_480_000,
        published_note="thesis Table 1: 1.48 M",
        output_activation="none (clipped)",
        size_multiple=4,
    )
)
