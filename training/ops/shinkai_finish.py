"""The shinkai style's fixed last layers: lift dark specks, then sparkle the bright detail.

The distilled student keeps a photo's texture as dark dots (specks) and softens its fine detail
a little; retraining against a speck-free teacher made it blur instead (see the model card). These
two weightless steps work on luma and add the same change to R, G and B, so hue is kept:

* despeckle: a dark feature survives only if it is at least ``LINE`` px long in one of four
  directions (the minimum of closings by ``LINE``-px lines at 0, 45, 90 and 135 degrees), so isolated
  dots are lifted to their surroundings while 1-px wires and outlines in any of those directions stay;
* sparkle: luma above the middle of its 3x3 range (the mean of the 3x3 max and min) is raised by
  ``SPARKLE`` times the difference (a morphological unsharp mask that only brightens), so leaves,
  windows and cloud rims get crisper without making new dark dots.

Only max / min filters and per-pixel arithmetic: no multiply-accumulates, so the style's MAC count
is its network's. The same rule in numpy (``finish_numpy``) backs the test.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

LINE = 3  # px, odd: dark features shorter than this in every direction are specks
SPARKLE = 0.4  # gain of the brighten-only unsharp mask: more detail, more flicker (docs/shinkai_finish_sweep.json)
LUMA = (0.299, 0.587, 0.114)  # Rec. 601, as the style figures measure
_OUTSIDE = -1e4  # pads the max filters: lower than any value in [-1, 1], finite in fp16
_DIRECTIONS = ((0, 1), (1, 0), (1, 1), (1, -1))  # (dy, dx) of a line


def _line_max(y: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Max over the ``LINE`` pixels centred on each pixel along (dy, dx); outside the frame is ignored."""
    r = LINE // 2
    if dy == 0 or dx == 0:  # axis-aligned: one native max-pool
        return F.max_pool2d(y, (1 + 2 * r * dy, 1 + 2 * r * dx), stride=1, padding=(r * dy, r * dx))
    p = F.pad(y, (r, r, r, r), value=_OUTSIDE)
    h, w = y.shape[-2], y.shape[-1]
    out = y
    for k in range(-r, r + 1):
        if k:
            out = torch.maximum(out, p[..., r + k * dy : r + k * dy + h, r + k * dx : r + k * dx + w])
    return out


def despeckle_luma(y: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) luma -> the same with dark dots filled and dark lines kept."""
    closings = [-_line_max(-_line_max(y, dy, dx), dy, dx) for dy, dx in _DIRECTIONS]
    return functools.reduce(torch.minimum, closings)


def sparkle_luma(y: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) luma -> how much to brighten each pixel (>= 0)."""
    top = F.max_pool2d(y, 3, stride=1, padding=1)
    bottom = -F.max_pool2d(-y, 3, stride=1, padding=1)
    return SPARKLE * (y - 0.5 * (top + bottom)).clamp(min=0.0)


class ShinkaiFinish(nn.Module):
    """A generator followed by the despeckle and sparkle steps, on (N, 3, H, W) in [-1, 1]."""

    NOTE = f"despeckle (closings by {LINE}-px lines, 4 directions) + brighten-only morphological unsharp (3x3, gain {SPARKLE:g}) on luma"

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator = generator
        self.register_buffer("luma_weights", torch.tensor(LUMA).view(1, 3, 1, 1), persistent=False)

    def _luma(self, rgb: torch.Tensor) -> torch.Tensor:
        return (rgb * self.luma_weights.to(rgb.dtype)).sum(dim=1, keepdim=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rgb = self.generator(x).clamp(-1.0, 1.0)
        y = self._luma(rgb)
        rgb = (rgb + (despeckle_luma(y) - y)).clamp(-1.0, 1.0)
        return (rgb + sparkle_luma(self._luma(rgb))).clamp(-1.0, 1.0)


def finish_numpy(rgb: np.ndarray) -> np.ndarray:
    """The same rule on a uint8 (H, W, 3) image, with OpenCV: the reference the test checks against."""
    import cv2

    x = rgb.astype(np.float32)
    weights = np.array(LUMA, np.float32)
    y = x @ weights
    lines = [np.ones((1, LINE), np.uint8), np.ones((LINE, 1), np.uint8), np.eye(LINE, dtype=np.uint8), np.fliplr(np.eye(LINE, dtype=np.uint8)).copy()]
    closed = np.min([cv2.morphologyEx(y, cv2.MORPH_CLOSE, k) for k in lines], axis=0)
    x = np.clip(x + (closed - y)[..., None], 0, 255)
    y = x @ weights
    square = np.ones((3, 3), np.uint8)
    middle = 0.5 * (cv2.dilate(y, square) + cv2.erode(y, square))
    return np.clip(np.rint(x + SPARKLE * np.maximum(y - middle, 0)[..., None]), 0, 255).astype(np.uint8)
