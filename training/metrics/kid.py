"""Kernel Inception Distance (Bińkowski et al. 2018) on the VGG16 features the kit has offline.

Inception weights (what FID / KID are defined on) cannot be had offline, so this uses the HED
VGG16 backbone (``training.vgg``): global-average-pooled conv5_3 activations, 512-d. The figure
is a KID on *those* features: compare it only with figures computed the same way, never with a
published FID or KID.
"""

from __future__ import annotations

from typing import Iterable

import cv2
import numpy as np
import torch

FEATURE_LAYER = "conv5_3"
FEATURE_SIDE = 224


def vgg_features(images: Iterable[np.ndarray], batch: int = 8, side: int = FEATURE_SIDE) -> np.ndarray:
    """(N, 512) pooled VGG16 conv5_3 features of uint8 RGB images (resized to ``side`` x ``side``;
    small images gain nothing from 224 but pay (224 / side)^2 the time)."""
    from training.vgg.weights import load_vgg

    net, _ = load_vgg("vgg16", FEATURE_LAYER)
    rows: list[np.ndarray] = []
    chunk: list[np.ndarray] = []

    def flush() -> None:
        x = torch.from_numpy(np.stack(chunk)).permute(0, 3, 1, 2).float() / 127.5 - 1
        with torch.no_grad():
            rows.append(net(x).mean(dim=(2, 3)).numpy())
        chunk.clear()

    for image in images:
        chunk.append(cv2.resize(image, (side, side), interpolation=cv2.INTER_CUBIC if side > image.shape[0] else cv2.INTER_AREA))
        if len(chunk) == batch:
            flush()
    if chunk:
        flush()
    return np.concatenate(rows).astype(np.float64) if rows else np.zeros((0, 512))


def kid(x: np.ndarray, y: np.ndarray, subsets: int = 20, subset_size: int = 50, seed: int = 0) -> tuple[float, float]:
    """Unbiased MMD^2 with the cubic polynomial kernel (x.y / d + 1)^3, mean and std over subsets."""
    d = x.shape[1]
    m = min(subset_size, len(x), len(y))
    if m < 2:
        raise ValueError("KID needs at least two images on each side")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        a = x[rng.choice(len(x), m, replace=False)]
        b = y[rng.choice(len(y), m, replace=False)]
        kaa, kbb, kab = (a @ a.T / d + 1) ** 3, (b @ b.T / d + 1) ** 3, (a @ b.T / d + 1) ** 3
        mmd = (kaa.sum() - np.trace(kaa)) / (m * (m - 1)) + (kbb.sum() - np.trace(kbb)) / (m * (m - 1)) - 2 * kab.mean()
        values.append(mmd)
    return float(np.mean(values)), float(np.std(values))
