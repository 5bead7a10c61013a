"""The "manga" teacher: black-and-white ink with screentone, from a photo.

Two layers, because a convolutional network cannot draw a pattern fixed to the picture's
coordinates in a flat area (it is shift-equivariant: a flat input gives a flat output):

* ``manga_tone``  - what the student learns: a grey picture with four flat levels (white, light
                    tone, dark tone, black) on a continuous staircase, and ink outlines (XDoG along
                    coherent edges, width controlled by the inner Gaussian); faces found by a face
                    detector are lifted toward white so eyes, brows and mouths read as lines
* ``screen``      - a fixed 45-degree line screen that turns the tone levels into white, sparse
                    lines, dense lines and black. It is a function of pixel coordinates only, so the
                    pattern stays put from frame to frame (no crawling dots); the exported model
                    carries the same screen as its last layer (``training.models.screentone``).

Line screens, not dot screens: dots are the specks the style figures count, and a dot pattern
aliases more under video compression.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from training.data.filters import to_float
from training.models.screentone import PAPER_BLACK, screen_numpy
from training.teacher.cel import cel_params_like, coherence, face_mask, ink, surface, to_lab


@dataclass(frozen=True)
class MangaParams:
    bilateral_diameter: int = 7
    bilateral_sigma_colour: float = 12.0
    bilateral_sigma_space: float = 2.5
    levels: tuple[float, ...] = (0.0, 0.4, 0.7, 1.0)  # tone of each band, dark to light
    cuts: tuple[float, ...] = (22.0, 45.0, 66.0)  # L between the bands
    # L units over which one band turns into the next: at 2.5 the student sharpened the turns into
    # steps in smooth skies (false contours 0.26 %); at 6 the teacher has none and the screen
    # grades its lines across the turn, as a printed gradient tone does
    band_softness: float = 6.0
    ink_sigma: float = 1.2  # px: outline width
    ink_gate: float = 1.5
    ink_coherence: float = 0.3
    ink_min_area: int = 24
    face_lift: float = 0.5  # inside faces, this share of the way to white: features stay lines

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def tone_levels(lightness: np.ndarray, p: MangaParams) -> np.ndarray:
    """L (0..100) -> tone in [0, 1] on flat levels with soft steps between (no banding noise)."""
    tone = np.full(lightness.shape, p.levels[0], np.float32)
    for cut, below, above in zip(p.cuts, p.levels[:-1], p.levels[1:]):
        step = 0.5 + 0.5 * np.tanh((lightness - cut) / p.band_softness)
        tone += (above - below) * step.astype(np.float32)
    return tone


def manga_tone(image: np.ndarray, params: MangaParams | None = None) -> np.ndarray:
    """uint8 RGB -> the grey tone layer (uint8 RGB, three equal channels): levels and ink."""
    p = params or MangaParams()
    cp = cel_params_like(p, face_keep=0.6)
    lab = surface(to_lab(to_float(image)), cp)
    lightness = lab[..., 0]
    tone = tone_levels(lightness, p)
    faces = face_mask(image)
    tone = tone + p.face_lift * faces * (1.0 - tone)
    edges = np.clip(coherence(lightness, cp.gate_sigma) / p.ink_coherence, 0.0, 1.0)
    lines = ink(lightness, cp, cp.face_keep * faces, edges)
    tone = tone * (1.0 - lines)
    tone = PAPER_BLACK + (1.0 - PAPER_BLACK) * tone  # the page's black, as the screen prints it
    grey = np.clip(np.rint(tone * 255.0), 0, 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


def screen(tone: np.ndarray) -> np.ndarray:
    """Grey tone layer (uint8, three equal channels) -> screened black-and-white uint8 RGB."""
    value = screen_numpy(tone[..., 0].astype(np.float32) / 255.0)
    g = np.rint(value * 255.0).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=2)


def manga_shade(image: np.ndarray, params: MangaParams | None = None) -> np.ndarray:
    """uint8 RGB -> the finished manga page look (tone layer through the screen)."""
    return screen(manga_tone(image, params))

