"""Differentiable guided filter (He et al.) with box filters as cumulative sums: O(1) per pixel."""

from __future__ import annotations

import torch
from torch import nn


def box_filter(x: torch.Tensor, r: int) -> torch.Tensor:
    """Sum over a (2r+1)^2 window, zero outside (divide by ``box_filter(ones)`` for the mean)."""
    c = x.cumsum(dim=2)
    c = torch.cat([c[:, :, r : 2 * r + 1], c[:, :, 2 * r + 1 :] - c[:, :, : -2 * r - 1], c[:, :, -1:] - c[:, :, -2 * r - 1 : -r - 1]], dim=2)
    c = c.cumsum(dim=3)
    return torch.cat([c[..., r : 2 * r + 1], c[..., 2 * r + 1 :] - c[..., : -2 * r - 1], c[..., -1:] - c[..., -2 * r - 1 : -r - 1]], dim=3)


def guided_filter(guide: torch.Tensor, src: torch.Tensor, r: int, eps: float) -> torch.Tensor:
    """Filter ``src`` (N, C, H, W) guided by ``guide`` (N, C or 1, H, W); both need H, W > 2r+1."""
    n = box_filter(torch.ones_like(guide[:, :1]), r)
    mean_g = box_filter(guide, r) / n
    mean_s = box_filter(src, r) / n
    cov = box_filter(guide * src, r) / n - mean_g * mean_s
    var = box_filter(guide * guide, r) / n - mean_g * mean_g
    a = cov / (var + eps)
    b = mean_s - a * mean_g
    return (box_filter(a, r) / n) * guide + box_filter(b, r) / n


class GuidedOutput(nn.Module):
    """A generator whose output is guided-filtered by its own input: how White-box infers (r 1,
    eps 5e-3), so an exported White-box model draws what its training samples showed."""

    NOTE = "guided filter of the input, r 1, eps 5e-3 (White-box inference)"

    def __init__(self, generator: nn.Module, r: int = 1, eps: float = 5e-3) -> None:
        super().__init__()
        self.generator, self.r, self.eps = generator, r, eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return guided_output(self.generator, x, self.r, self.eps)


def guided_output(generator: nn.Module, x: torch.Tensor, r: int = 1, eps: float = 5e-3) -> torch.Tensor:
    """White-box's inference: the generator's output, guided-filtered by the input."""
    return guided_filter(x, generator(x), r, eps)
