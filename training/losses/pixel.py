"""Pixel-space losses: AnimeGAN colour loss in YUV, total variation, CycleGAN cycle / identity."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from training.ops.color import rgb_to_yuv


def colour_loss(photo: torch.Tensor, generated: torch.Tensor) -> torch.Tensor:
    """L1 on Y plus Huber on U and V (AnimeGAN): keep the photo's colours, let texture move."""
    a, b = rgb_to_yuv(photo), rgb_to_yuv(generated)
    return F.l1_loss(b[:, 0], a[:, 0]) + F.smooth_l1_loss(b[:, 1], a[:, 1]) + F.smooth_l1_loss(b[:, 2], a[:, 2])


def image_gradients(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward differences along height and width."""
    return x[:, :, 1:, :] - x[:, :, :-1, :], x[:, :, :, 1:] - x[:, :, :, :-1]


def total_variation(x: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of vertical and horizontal neighbours."""
    dh, dw = image_gradients(x)
    return dh.pow(2).mean() + dw.pow(2).mean()


def gradient_l1(generated: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 between image gradients: a blurred edge or a missing line costs in full, where plain L1
    lets a soft average of a thin line pass cheaply."""
    gh, gw = image_gradients(generated)
    th, tw = image_gradients(target)
    return F.l1_loss(gh, th) + F.l1_loss(gw, tw)


def _luma_and_closing(x: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Luma of an RGB batch and its ``size`` x ``size`` grey closing (thin dark things filled in)."""
    y = 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]
    pad = size // 2
    return y, -F.max_pool2d(-F.max_pool2d(y, size, 1, pad), size, 1, pad)


def dark_tophat(x: torch.Tensor, size: int = 5) -> torch.Tensor:
    """How much darker each pixel is than its ``size`` x ``size`` grey closing (luma of an RGB
    batch): large on thin dark strokes and isolated dark dots, zero on flat areas and wide shapes."""
    y, closed = _luma_and_closing(x, size)
    return closed - y


def ink_map(picture: torch.Tensor, size: int = 7, ratio_full: float = 0.55, ratio_none: float = 0.75) -> torch.Tensor:
    """Where a drawn picture (in [-1, 1]) has ink: thin strokes much darker than what surrounds
    them (a teacher's ink is its patch's colour at ~0.45 of the lightness), 0..1. Wide dark
    areas are not ink: the closing fills only strokes narrower than ``size``."""
    y, closed = _luma_and_closing((picture + 1) / 2, size)
    ratio = y / closed.clamp_min(1e-3)
    return ((ratio_none - ratio) / (ratio_none - ratio_full)).clamp(0, 1) * (closed > 0.15)


def speck_excess(generated: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Dark dots and strokes the output has beyond the target's. The style figures count small
    dark components; a residual student copies a photo's dark texture dots that plain L1 barely
    prices (a few pixels each), so this term prices only the excess darkness, not lines the
    target also draws."""
    return F.relu(dark_tophat(generated) - dark_tophat(target)).mean()


def cycle_loss(original: torch.Tensor, reconstructed: torch.Tensor) -> torch.Tensor:
    return F.l1_loss(reconstructed, original)


def identity_loss(image: torch.Tensor, mapped: torch.Tensor) -> torch.Tensor:
    """G_AB applied to a B image should change nothing."""
    return F.l1_loss(mapped, image)
