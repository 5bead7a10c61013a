"""Content and style losses on VGG features."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def perceptual_l1(vgg: nn.Module, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """L1 between VGG features (the target side without gradient)."""
    with torch.no_grad():
        fb = vgg(b)
    return F.l1_loss(vgg(a), fb)


def multi_perceptual_l1(vgg: nn.Module, a: torch.Tensor, b: torch.Tensor, layers: list[str]) -> torch.Tensor:
    """Mean over ``layers`` of the L1 between VGG features, each normalised by the target's mean
    magnitude so shallow (edges) and deep (shapes) layers pull alike."""
    with torch.no_grad():
        fb = vgg.taps(b, layers)
    fa = vgg.taps(a, layers)
    terms = [F.l1_loss(x, y) / (y.abs().mean() + 1e-6) for x, y in zip(fa, fb)]
    return torch.stack(terms).mean()


def gram(features: torch.Tensor) -> torch.Tensor:
    """Gram matrix normalised by C * H * W, as AnimeGAN does."""
    n, c, h, w = features.shape
    f = features.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def gram_style_loss(vgg: nn.Module, generated: torch.Tensor, style_grey: torch.Tensor) -> torch.Tensor:
    """L1 between Gram matrices of the generated image and a (grey) style image."""
    with torch.no_grad():
        target = gram(vgg(style_grey))
    return F.l1_loss(gram(vgg(generated)), target)
