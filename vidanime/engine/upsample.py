"""Bringing a stylised picture made at a lower processing size back to full size, crisply.

A plain resize blurs every edge by the scale factor. The fast guided filter (He & Sun 2015; the
"deep guided filter" of Wu et al., CVPR 2018, without the learned guide) instead fits, at the low
size, a local linear map from the input's luminance to the output, and applies that map, upsampled,
to the full-size luminance: the output's edges land where the full-size frame has them.
"""

from __future__ import annotations

import cv2
import numpy as np


def _box(x: np.ndarray, radius: int) -> np.ndarray:
    k = 2 * radius + 1
    return cv2.boxFilter(x, -1, (k, k), normalize=True, borderType=cv2.BORDER_REFLECT)


def guided_upsample(full: np.ndarray, small_in: np.ndarray, small_out: np.ndarray, radius: int | None = None, eps: float = 1e-5) -> np.ndarray:
    """uint8 RGB ``full`` (H, W, 3), the same picture at the processing size ``small_in`` and its
    stylised version ``small_out`` (h, w, 3) -> the stylised picture at (H, W), uint8.

    ``radius`` (low-size px) defaults to the scale factor, so the window covers about the same
    full-size area at any preset; a small ``eps`` lets low-contrast detail through. Both chosen by
    ``lab/measure/upsample.py`` (eps 1e-3 lost fine detail against a plain resize; 1e-5 keeps more).
    """
    h, w = full.shape[:2]
    if radius is None:
        radius = max(1, round(h / small_in.shape[0]))
    guide_small = cv2.cvtColor(small_in, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    target = small_out.astype(np.float32) / 255
    mean_g = _box(guide_small, radius)
    var_g = _box(guide_small * guide_small, radius) - mean_g * mean_g
    mean_t = _box(target, radius)
    cov = _box(target * guide_small[..., None], radius) - mean_t * mean_g[..., None]
    a = cov / (var_g[..., None] + eps)
    b = mean_t - a * mean_g[..., None]
    # the full-size half touches 8x more pixels: work in 0..255 with the rounding's +0.5 folded
    # into b at the low size, in place, so the end is one clip and a truncating cast
    b_full = cv2.resize(_box(b, radius) * 255 + 0.5, (w, h), interpolation=cv2.INTER_LINEAR)
    out = cv2.resize(_box(a, radius), (w, h), interpolation=cv2.INTER_LINEAR)
    out *= cv2.cvtColor(full, cv2.COLOR_RGB2GRAY).astype(np.float32)[..., None]
    out += b_full
    return np.clip(out, 0, 255, out=out).astype(np.uint8)
