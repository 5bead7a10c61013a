"""Image filters shared by the teacher and the data preparation (NumPy / OpenCV, float32 in [0, 1])."""

from __future__ import annotations

import cv2
import numpy as np


def box(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window, edges reflected."""
    k = 2 * radius + 1
    return cv2.boxFilter(x, -1, (k, k), normalize=True, borderType=cv2.BORDER_REFLECT)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s guided filter with a grey guide: edge-preserving, no halos, O(1) per pixel.

    ``guide`` is (H, W) or (H, W, 3) (reduced to its mean), ``src`` is (H, W, C).
    """
    g = guide.mean(axis=2) if guide.ndim == 3 else guide
    g = g.astype(np.float32)
    mean_g = box(g, radius)
    var_g = box(g * g, radius) - mean_g * mean_g
    out = np.empty_like(src, dtype=np.float32)
    for c in range(src.shape[2]):
        p = src[..., c].astype(np.float32)
        mean_p = box(p, radius)
        cov = box(g * p, radius) - mean_g * mean_p
        a = cov / (var_g + eps)
        b = mean_p - a * mean_g
        out[..., c] = box(a, radius) * g + box(b, radius)
    return out


def small_components(mask: np.ndarray, min_area: int) -> np.ndarray:
    """Pixels of the 8-connected components of ``mask`` smaller than ``min_area`` px (specks)."""
    _, comp, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] < min_area
    small[0] = False  # background
    return small[comp]


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of an RGB image in [0, 1]."""
    return (rgb @ np.array([0.299, 0.587, 0.114], np.float32)).astype(np.float32)


def to_float(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32) / 255.0


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)
