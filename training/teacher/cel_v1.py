"""The "cel" v1 teacher (the renderer behind `cel-v1`; kept to reproduce it): a deterministic cel-shading renderer after the White-box decomposition
(Wang & Yu 2020) and the FPT thesis: surface, structure, lines, colour.

1. surface   - edge-preserving smoothing (guided filter, a few passes): removes texture, keeps edges
2. structure - Felzenszwalb superpixels on the smoothed image; each region takes its mean colour,
               blended back toward the smoothed image where the region varies (adaptive colouring),
               so skies and walls go flat while faces keep their features
3. lines     - XDoG on smoothed luminance, small specks removed: crisp dark outlines only where
               there are real edges, no speckle in grass or foliage
4. colour    - saturation and contrast lift

Everything is a pure function of the image and ``CelParams``; it runs on any size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from training.data.filters import guided_filter, luminance, small_components, to_float, to_uint8
from training.data.superpixels import region_colour


@dataclass(frozen=True)
class CelParams:
    surface_radius: int = 5  # guided-filter window radius (px)
    surface_eps: float = 0.01  # guided-filter regulariser: larger smooths across weaker edges
    surface_passes: int = 2
    segment_scale: float = 80.0  # Felzenszwalb scale: larger gives bigger regions
    segment_sigma: float = 0.5
    segment_min_size: int = 60  # px; smaller regions merge into neighbours
    flat_std: float = 0.05  # region colour std (0-1 units) at which it keeps half its detail
    min_detail: float = 0.3  # every region keeps at least this share of the smoothed image
    blend_radius: int = 2  # guided filter (guide: the smoothed photo) that softens region seams
    blend_eps: float = 0.0002
    line_sigma: float = 1.0  # XDoG inner Gaussian sigma (px)
    line_k: float = 1.6  # outer / inner sigma ratio
    line_tau: float = 0.985  # XDoG sharpening
    line_eps: float = -0.004  # threshold on the DoG response
    line_phi: float = 120.0  # softness of the line edge
    line_min_area: int = 24  # px; smaller dark specks are dropped
    line_strength: float = 0.8  # 1 = pure black lines
    saturation: float = 1.3
    contrast: float = 1.1

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def surface(rgb: np.ndarray, p: CelParams) -> np.ndarray:
    out = rgb
    for _ in range(p.surface_passes):
        out = guided_filter(out, out, p.surface_radius, p.surface_eps)
    return np.clip(out, 0.0, 1.0)


def structure(smooth: np.ndarray, p: CelParams) -> np.ndarray:
    """Region means blended toward ``smooth`` by each region's colour spread."""
    from skimage.segmentation import felzenszwalb

    labels = felzenszwalb(smooth, scale=p.segment_scale, sigma=p.segment_sigma, min_size=p.segment_min_size)
    flat_image = region_colour(smooth, labels, adaptive_std=p.flat_std, min_detail=p.min_detail)
    # region borders follow the photo's edges where it has them, and fade where it has none
    return np.clip(guided_filter(smooth, flat_image, p.blend_radius, p.blend_eps), 0.0, 1.0)


def lines(smooth: np.ndarray, p: CelParams) -> np.ndarray:
    """Line darkness in [0, 1] (1 = full line) from XDoG on luminance."""
    lum = luminance(smooth)
    g1 = cv2.GaussianBlur(lum, (0, 0), p.line_sigma, borderType=cv2.BORDER_REFLECT)
    g2 = cv2.GaussianBlur(lum, (0, 0), p.line_sigma * p.line_k, borderType=cv2.BORDER_REFLECT)
    dog = g1 - p.line_tau * g2
    strength = np.where(dog < p.line_eps, np.tanh(p.line_phi * (p.line_eps - dog)), 0.0).astype(np.float32)
    strength[small_components(strength > 0.3, p.line_min_area)] = 0.0
    return strength


def colour(rgb: np.ndarray, p: CelParams) -> np.ndarray:
    hsv = cv2.cvtColor(np.clip(rgb, 0, 1), cv2.COLOR_RGB2HSV)
    hsv[..., 1] = np.clip(hsv[..., 1] * p.saturation, 0, 1)
    out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return np.clip((out - 0.5) * p.contrast + 0.5, 0, 1)


def cel_shade(image: np.ndarray, params: CelParams | None = None) -> np.ndarray:
    """uint8 RGB (H, W, 3) -> cel-shaded uint8 RGB of the same size."""
    p = params or CelParams()
    rgb = to_float(image)
    smooth = surface(rgb, p)
    flat = structure(smooth, p)
    ink = lines(smooth, p)
    out = colour(flat, p) * (1.0 - p.line_strength * ink[..., None])
    return to_uint8(out)
