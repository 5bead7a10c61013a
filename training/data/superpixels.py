"""Superpixel representations (White-box structure loss, AnimeGANv3 region smoothing): segment
with Felzenszwalb or SLIC (scikit-image) and colour each region by its mean (adaptive: blended
toward the image where the region varies)."""

from __future__ import annotations

import numpy as np
import torch


def segment(image: np.ndarray, method: str = "felzenszwalb", **kw: float) -> np.ndarray:
    """Integer labels (H, W) for a float RGB image in [0, 1]."""
    from skimage.segmentation import felzenszwalb, slic

    if method == "felzenszwalb":
        return felzenszwalb(image, scale=kw.get("scale", 5), sigma=kw.get("sigma", 0.8), min_size=int(kw.get("min_size", 50)))
    return slic(image, n_segments=int(kw.get("n_segments", 200)), compactness=kw.get("compactness", 10), start_label=0)


def region_colour(image: np.ndarray, labels: np.ndarray, adaptive_std: float | None = None, min_detail: float = 0.0) -> np.ndarray:
    """Each region's mean colour; with ``adaptive_std`` busy regions keep some of the image
    (flat ones at least ``min_detail`` of it)."""
    n = int(labels.max()) + 1
    flat = labels.ravel()
    count = np.maximum(np.bincount(flat, minlength=n), 1).astype(np.float64)
    px = image.reshape(-1, image.shape[2]).astype(np.float64)
    mean = np.stack([np.bincount(flat, px[:, c], n) for c in range(px.shape[1])], 1) / count[:, None]
    out = mean[labels]
    if adaptive_std:
        sq = np.stack([np.bincount(flat, px[:, c] ** 2, n) for c in range(px.shape[1])], 1) / count[:, None]
        std = np.sqrt(np.maximum(sq - mean**2, 0)).mean(1)
        keep = np.maximum(std**2 / (std**2 + adaptive_std**2), min_detail)[labels][..., None]
        out = out + keep * (image - out)
    return out.astype(np.float32)


def superpixel_batch(x: torch.Tensor, method: str = "slic", adaptive_std: float | None = None) -> torch.Tensor:
    """No-grad superpixel version of a [-1, 1] batch, same shape and device."""
    arr = ((x.detach().float().cpu().permute(0, 2, 3, 1).numpy() + 1) / 2).clip(0, 1)
    out = [region_colour(img, segment(img, method), adaptive_std) for img in arr]
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).to(x) * 2 - 1
