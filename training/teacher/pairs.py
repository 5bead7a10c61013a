"""(photo, teacher rendering) pairs for distillation, rendered once and cached on disk."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from training.teacher import TEACHERS
from vidanime.errors import VidanimeError
from vidanime.images.io import read_image


def _key(content: str, scale: float, max_side: int, teacher: str, params: dict[str, object]) -> str:
    """Keyed by the photo's bytes (``content``, their digest), not its path or time stamp: a data
    folder copied or unpacked afresh (new mtimes, another place) keeps its renderings, which take a
    CPU about ten minutes a teacher."""
    raw = json.dumps([content, scale, max_side, teacher, params], sort_keys=True)
    return hashlib.sha1(raw.encode()).hexdigest()[:20]


def render_pairs(
    paths: Sequence[Path],
    cache_dir: Path,
    teacher: str = "cel",
    scales: Sequence[float] = (1.0, 0.5),
    max_side: int = 768,
    on_item: Callable[[], None] | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Inputs and ``teacher``'s renderings at each scale (long side capped at ``max_side``)."""
    if teacher not in TEACHERS:
        raise VidanimeError(f"unknown teacher {teacher!r}; known: {', '.join(TEACHERS)}")
    shade, params = TEACHERS[teacher]()
    cache_dir.mkdir(parents=True, exist_ok=True)
    inputs, targets = [], []
    for path in paths:
        image, _ = read_image(path)
        content = hashlib.sha1(path.read_bytes()).hexdigest()  # once a photo, for every scale's key
        for scale in scales:
            s = min(1.0, max_side / max(image.shape[:2])) * scale
            img = cv2.resize(image, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else image
            if min(img.shape[:2]) < 48:  # too small to teach anything at this scale
                continue
            cached = cache_dir / f"{_key(content, scale, max_side, teacher, params)}.png"
            if cached.is_file():
                target = cv2.cvtColor(cv2.imread(str(cached)), cv2.COLOR_BGR2RGB)
            else:
                target = shade(img)
                tmp = cached.with_name(f".{cached.stem}.{os.getpid()}.png")  # ranks may render the same file
                cv2.imwrite(str(tmp), cv2.cvtColor(target, cv2.COLOR_RGB2BGR))
                os.replace(tmp, cached)
            inputs.append(img)
            targets.append(target)
        if on_item is not None:
            on_item()
    if not inputs:
        raise VidanimeError("no usable photos for distillation (all smaller than 48 px)")
    return inputs, targets
