"""The manga style's last layer: a fixed 45-degree line screen over a grey tone picture.

The student network draws the tone (flat grey levels and ink); this layer, which has no weights,
turns the levels into white, sparse lines, dense lines and black. The pattern is a function of
pixel position only, so it stays put from frame to frame; a convolutional network could not draw it
(it is shift-equivariant: a flat input gives a flat output). The teacher (``training.teacher.manga``)
uses ``screen_numpy``, the exported model this module: the two agree to rounding.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from training.models.lightweight import LightweightUNet
from training.models.registry import ArchSpec, register

PERIOD = 6  # px along x + y: lines about 4.2 px apart (an integer: positions are taken modulo it)
SOFTNESS = 6.0  # slope of the anti-aliased threshold (per unit of tone)
RANGE = (0.12, 0.88)  # tone below: solid black; above: solid white
PAPER_BLACK = 10.0 / 255.0  # printed black, not 0: ink is no blacker than a photo's own blacks


def screen_numpy(tone: np.ndarray) -> np.ndarray:
    """Tone in [0, 1] (H, W) -> screened value in [PAPER_BLACK, 1], float32."""
    h, w = tone.shape
    ys, xs = np.mgrid[0:h, 0:w] % PERIOD
    wave = 0.5 + 0.5 * np.cos(2.0 * np.pi * (xs + ys).astype(np.float32) / PERIOD)
    threshold = RANGE[0] + (RANGE[1] - RANGE[0]) * wave
    ink = np.clip((tone - threshold) * SOFTNESS + 0.5, 0.0, 1.0)
    return (PAPER_BLACK + (1.0 - PAPER_BLACK) * ink).astype(np.float32)


class ScreenTone(nn.Module):
    """(N, 3, H, W) in [-1, 1] -> (N, 3, H, W) black-and-white in [-1, 1], same rule as ``screen_numpy``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tone = (x.mean(dim=1, keepdim=True).clamp(-1.0, 1.0) + 1.0) * 0.5
        h, w = x.shape[-2], x.shape[-1]
        # positions modulo the period, as small integers: exact in fp16 / bf16 at any frame size
        ys = (torch.arange(h, device=x.device) % PERIOD).to(x.dtype).view(1, 1, -1, 1)
        xs = (torch.arange(w, device=x.device) % PERIOD).to(x.dtype).view(1, 1, 1, -1)
        wave = 0.5 + 0.5 * torch.cos((xs + ys) * (2.0 * math.pi / PERIOD))
        threshold = RANGE[0] + (RANGE[1] - RANGE[0]) * wave
        ink = ((tone - threshold) * SOFTNESS + 0.5).clamp(0.0, 1.0)
        value = PAPER_BLACK + (1.0 - PAPER_BLACK) * ink
        return (value * 2.0 - 1.0).expand(-1, 3, -1, -1)


class MangaGenerator(nn.Module):
    """A slim lightweight UNet that draws the tone, then the fixed screen."""

    def __init__(self, width: int = 16, n_res: int = 4) -> None:
        super().__init__()
        self.tone = LightweightUNet(width, n_res)
        self.screen = ScreenTone()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.screen(self.tone(x))


register(
    ArchSpec(
        name="manga",
        builder=MangaGenerator,
        family="white-box",
        role="generator",
        paper="vidanime: the lightweight UNet (seed 001) drawing a tone layer + a fixed line screen",
        output_activation="none (screened)",
        size_multiple=4,
    )
)
