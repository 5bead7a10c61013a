"""Pixel-space losses: AnimeGAN colour loss in YUV, total variation, CycleGAN cycle / identity."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from training.ops.color import rgb_to_yuv


def colour_loss(photo: torch.Tensor, generated: torch.Tensor) -> torch.Tensor:
    """L1 on Y plus Huber on U and V (AnimeGAN): keep the photo's colours, let texture move."""
    a, b = rgb_to_yuv(photo), rgb_to_yuv(generated)
    return F.l1_loss(b[:, 0], a[:, 0]) + F.smooth_l1_loss(b[:, 1], a[:, 1]) + F.smooth_l1_loss(b[:, 2], a[:, 2])


def total_variation(x: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of vertical and horizontal neighbours."""
    dh = (x[:, :, 1:, :] - x[:, :, :-1, :]).pow(2).mean()
    dw = (x[:, :, :, 1:] - x[:, :, :, :-1]).pow(2).mean()
    return dh + dw


def cycle_loss(original: torch.Tensor, reconstructed: torch.Tensor) -> torch.Tensor:
    return F.l1_loss(reconstructed, original)


def identity_loss(image: torch.Tensor, mapped: torch.Tensor) -> torch.Tensor:
    """G_AB applied to a B image should change nothing."""
    return F.l1_loss(mapped, image)
