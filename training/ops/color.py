"""Colour conversions for losses: YUV (AnimeGAN colour loss), grey, White-box's random colour shift."""

from __future__ import annotations

import torch

_YUV = torch.tensor([[0.299, 0.587, 0.114], [-0.14714119, -0.28886916, 0.43601035], [0.61497538, -0.51496512, -0.10001026]])


def rgb_to_yuv(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] RGB (N, 3, H, W) -> YUV of the [0, 1] image (BT.601)."""
    rgb = (x + 1) / 2
    return torch.einsum("ij,njhw->nihw", _YUV.to(x), rgb)


def to_grey3(x: torch.Tensor) -> torch.Tensor:
    """Luma repeated on three channels (grey images for Gram / D inputs)."""
    y = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    return y.expand(-1, 3, -1, -1)


def random_colour_shift(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """White-box texture representation: grey with random channel weights (one draw per batch),
    b ~ U[0.014, 0.214], g ~ U[0.487, 0.687], r ~ U[0.199, 0.399], normalised to sum 1."""
    u = torch.rand(3, generator=generator)
    wr, wg, wb = 0.199 + 0.2 * u[0], 0.487 + 0.2 * u[1], 0.014 + 0.2 * u[2]
    total = wr + wg + wb
    grey = (wr * x[:, 0:1] + wg * x[:, 1:2] + wb * x[:, 2:3]) / total
    return grey.expand(-1, 3, -1, -1)
