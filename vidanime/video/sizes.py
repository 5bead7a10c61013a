"""Frames whose picture size differs from the stream's (a new SPS mid-stream, WebRTC and screen
recordings, joined recordings, a damaged frame that decodes larger): each is fitted to the
stream's size, so the model, the smoother and the encoder see one size throughout, and the
frames written from them are counted for the note that says so."""

from __future__ import annotations

from collections import Counter

import cv2
import numpy as np


def fit_to(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Scale ``image`` to fit (height, width) with its aspect ratio kept, centred on black."""
    h, w = image.shape[:2]
    if (h, w) == (height, width):
        return image
    scale = min(height / h, width / w)
    fit_h, fit_w = max(1, min(height, round(h * scale))), max(1, min(width, round(w * scale)))
    resized = cv2.resize(image, (fit_w, fit_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    out = np.zeros((height, width, image.shape[2]), dtype=image.dtype)
    top, left = (height - fit_h) // 2, (width - fit_w) // 2
    out[top : top + fit_h, left : left + fit_w] = resized
    return out


def size_change_note(sizes: Counter[tuple[int, int]], frames: int, stream: tuple[int, int]) -> str | None:
    """One line: how many of ``frames`` came at another size than the ``stream``'s (width, height),
    which sizes (``sizes``: (width, height) -> frames), and what was done with them."""
    if not sizes:
        return None
    seen = ", ".join(f"{w}x{h}" + (f" ({n})" if len(sizes) > 1 else "") for (w, h), n in sizes.most_common())
    size = f"{stream[0]}x{stream[1]}"
    return f"{sum(sizes.values())} of {frames} frames changed size from {size} to {seen}: scaled to {size} (aspect kept, padded)"
