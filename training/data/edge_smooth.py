"""Edge-smoothed style images: the negatives of CartoonGAN's edge-promoting loss (also used by
AnimeGAN and seeds 000 / 004). Canny on grey, dilate the edges, Gaussian 5x5 on those pixels:
the same picture without crisp edges, which D must learn to call fake."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from vidanime.images.io import read_image, write_image


def edge_smooth(rgb: np.ndarray, low: int = 100, high: int = 200, dilate: int = 5, kernel: int = 5) -> np.ndarray:
    """uint8 RGB -> uint8 RGB with the pixels near edges replaced by their Gaussian blur."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(grey, low, high)
    near = cv2.dilate(edges, np.ones((dilate, dilate), np.uint8)) > 0
    blurred = cv2.GaussianBlur(rgb, (kernel, kernel), 0, borderType=cv2.BORDER_REFLECT)
    out = rgb.copy()
    out[near] = blurred[near]
    return out


def smooth_folder(paths: list[Path], out_dir: Path, on_item: Callable[[], None] | None = None) -> list[Path]:
    """Write (or reuse, when newer than the source) ``out_dir/<name>.png`` for each style image."""
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = []
    for path in paths:
        target = out_dir / f"{path.stem}.png"
        if not target.exists() or target.stat().st_mtime < path.stat().st_mtime:
            rgb, _ = read_image(path)
            write_image(target, edge_smooth(rgb))
        outputs.append(target)
        if on_item is not None:
            on_item()
    return outputs
