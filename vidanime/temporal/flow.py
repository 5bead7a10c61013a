"""Optical flow helpers (OpenCV DIS): flow fields, backward warping, forward-backward consistency."""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np


def grey_small(frame: np.ndarray, max_width: int) -> tuple[np.ndarray, float]:
    """Grey uint8 copy at most ``max_width`` wide, and the scale applied."""
    h, w = frame.shape[:2]
    scale = min(1.0, max_width / w)
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        grey = cv2.resize(grey, (max(8, round(w * scale)), max(8, round(h * scale))), interpolation=cv2.INTER_AREA)
    return grey, scale


class FlowEstimator:
    """DIS optical flow; ``preset`` trades speed (ultrafast) for accuracy (medium)."""

    PRESETS = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST, "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}

    def __init__(self, preset: str = "fast") -> None:
        self._dis = cv2.DISOpticalFlow_create(self.PRESETS[preset])

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Flow (H, W, 2) such that a(x) ~ b(x + flow(x))."""
        return self._dis.calc(a, b, None)


@lru_cache(maxsize=8)
def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return gx, gy


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Backward warp: out(x) = image(x + flow(x)); flow at image resolution."""
    gx, gy = _grid(*flow.shape[:2])
    return cv2.remap(image, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def resize_flow(flow: np.ndarray, height: int, width: int) -> np.ndarray:
    """Flow field to another resolution, vectors scaled with it."""
    fh, fw = flow.shape[:2]
    if (fh, fw) == (height, width):
        return flow
    out = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
    out[..., 0] *= width / fw
    out[..., 1] *= height / fh
    return out


def consistency_mask(flow_ab: np.ndarray, flow_ba: np.ndarray, motion_boundaries: bool = True) -> np.ndarray:
    """1 where a pixel of ``a`` is visible in ``b`` (Ruder et al. / Lai et al. forward-backward test).

    Occluded when |f_ab + f_ba(x + f_ab)|^2 > 0.01 (|f_ab|^2 + |f_ba(x + f_ab)|^2) + 0.5, or on a
    motion boundary: |grad f_ab|^2 > 0.01 |f_ab|^2 + 0.002.
    """
    back = warp(flow_ba, flow_ab)
    total = flow_ab + back
    bad = (total**2).sum(-1) > 0.01 * ((flow_ab**2).sum(-1) + (back**2).sum(-1)) + 0.5
    if motion_boundaries:
        gx_u, gy_u = np.gradient(flow_ab[..., 0], axis=1), np.gradient(flow_ab[..., 0], axis=0)
        gx_v, gy_v = np.gradient(flow_ab[..., 1], axis=1), np.gradient(flow_ab[..., 1], axis=0)
        grad = gx_u**2 + gy_u**2 + gx_v**2 + gy_v**2
        bad |= grad > 0.01 * (flow_ab**2).sum(-1) + 0.002
    return (~bad).astype(np.float32)
