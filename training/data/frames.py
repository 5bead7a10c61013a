"""``vidanime dataset frames``: a style (or photo) set from a video, one frame every N seconds,
skipping near-black frames and near-duplicates of the last kept frame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from vidanime.video.decode import VideoReader


@dataclass
class FrameStats:
    kept: int = 0
    black: int = 0
    duplicate: int = 0
    seen: int = 0


def thumbnail(image: np.ndarray) -> np.ndarray:
    return cv2.resize(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def is_black(image: np.ndarray, threshold: float = 0.06) -> bool:
    return float(thumbnail(image).mean()) < threshold


def is_duplicate(a: np.ndarray | None, b: np.ndarray, threshold: float = 0.02) -> bool:
    """Mean absolute difference of 32x32 grey thumbnails below ``threshold``."""
    return a is not None and float(np.abs(a - b).mean()) < threshold


def extract_frames(
    video: Path, out_dir: Path, every_s: float = 1.0, max_side: int | None = None, on_frame: Callable[[], None] | None = None
) -> FrameStats:
    stats = FrameStats()
    out_dir.mkdir(parents=True, exist_ok=True)
    last_thumb = None
    next_t = 0.0
    with VideoReader(video) as reader:
        tb = float(reader.info.time_base)
        for frame in reader.frames():
            t = frame.pts * tb
            if t + 1e-6 < next_t:
                continue
            next_t = t + every_s
            stats.seen += 1
            if on_frame is not None:
                on_frame()
            img = frame.image
            if is_black(img):
                stats.black += 1
                continue
            thumb = thumbnail(img)
            if is_duplicate(last_thumb, thumb):
                stats.duplicate += 1
                continue
            last_thumb = thumb
            if max_side and max(img.shape[:2]) > max_side:
                s = max_side / max(img.shape[:2])
                img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
            name = out_dir / f"{video.stem}_{int(round(t * 1000)):08d}.jpg"
            cv2.imwrite(str(name), cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
            stats.kept += 1
    return stats
