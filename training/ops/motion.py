"""Small random camera motion for single-frame temporal regularisation (Eilertsen et al. 2019,
"Single-frame Regularization for Temporally Stable CNNs"): a generator that commutes with a
sub-pixel shift, a slight zoom and turn draws the same picture on the next frame of a clip, so its
lines and region borders stop popping in and out without any video to train on."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def small_motions(n: int, generator: torch.Generator, shift: float, zoom: float, turn_degrees: float, size: int) -> torch.Tensor:
    """``n`` affine matrices (N, 2, 3) in ``affine_grid``'s normalised units: a translation of up to
    ``shift`` pixels of a ``size``-pixel image, a zoom within 1 +- ``zoom``, a turn within
    +- ``turn_degrees``, each drawn uniformly."""
    u = torch.rand(n, 4, generator=generator) * 2 - 1
    scale = 1 + zoom * u[:, 0]
    angle = torch.deg2rad(turn_degrees * u[:, 1])
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    tx, ty = u[:, 2] * shift * 2 / size, u[:, 3] * shift * 2 / size
    return torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)


def moved(images: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """``images`` (N, C, H, W) resampled (bilinear) under ``theta``; outside pixels repeat the border."""
    grid = F.affine_grid(theta.to(images.dtype), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def motion_margin(shift: float, zoom: float, turn_degrees: float, size: int) -> int:
    """Pixels at each border that the largest motion may fill from outside the crop."""
    half = size / 2
    return int(math.ceil(shift + zoom * half + math.sin(math.radians(turn_degrees)) * half * math.sqrt(2))) + 1


def stability_l1(after: torch.Tensor, before_moved: torch.Tensor, margin: int) -> torch.Tensor:
    """Mean absolute difference of two pictures of the moved scene, borders of ``margin`` px left out."""
    m = margin
    return (after[..., m:-m, m:-m] - before_moved[..., m:-m, m:-m]).abs().mean()
