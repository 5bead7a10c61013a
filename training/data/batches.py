"""Batches as a pure function of (seed, step, rank): random crops and flips of in-memory images.

Making every batch depend only on its step number gives exact resume without saving a data
loader's state, and gives each data-parallel rank its own stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import torch

from training.data.prefetch import BatchSource
from vidanime.errors import VidanimeError
from vidanime.images.io import is_image_path, read_image


def list_images(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise VidanimeError(f"image folder not found: {folder}")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and is_image_path(p) and not p.name.startswith("."))
    if not files:
        raise VidanimeError(f"no images in {folder}")
    return files


def load_images(paths: Sequence[Path], max_side: int = 1024) -> list[np.ndarray]:
    """uint8 RGB images, the long side capped to ``max_side`` (area filter)."""
    out = []
    for path in paths:
        img, _ = read_image(path)
        scale = max_side / max(img.shape[:2])
        if scale < 1:
            img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        out.append(img)
    return out


def step_rng(seed: int, step: int, rank: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, step, rank])


def random_crop(images: Sequence[np.ndarray], size: int, rng: np.random.Generator, flip: bool = True) -> list[np.ndarray]:
    """The same random crop (and horizontal flip) of aligned images; small ones are upscaled first."""
    h, w = images[0].shape[:2]
    if min(h, w) < size:
        s = size / min(h, w)
        images = [cv2.resize(im, (max(size, round(w * s)), max(size, round(h * s))), interpolation=cv2.INTER_CUBIC) for im in images]
        h, w = images[0].shape[:2]
    top, left = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    crops = [im[top : top + size, left : left + size] for im in images]
    if flip and rng.random() < 0.5:
        crops = [c[:, ::-1] for c in crops]
    return crops


def to_tensor(batch: Sequence[np.ndarray]) -> torch.Tensor:
    """uint8 (H, W, 3) list -> float (N, 3, H, W) in [-1, 1]."""
    arr = np.stack([np.ascontiguousarray(b) for b in batch]).astype(np.float32)
    return torch.from_numpy(arr).permute(0, 3, 1, 2) / 127.5 - 1.0


@dataclass
class UnpairedSource:
    """Photos and style images, sampled independently (CartoonGAN / AnimeGAN / White-box / CycleGAN)."""

    photos: list[np.ndarray]
    styles: list[np.ndarray]
    size: int
    batch_size: int
    seed: int = 0
    smooth: list[np.ndarray] | None = None  # edge-smoothed twins of ``styles``

    def batch(self, step: int, rank: int = 0) -> dict[str, torch.Tensor]:
        rng = step_rng(self.seed, step, rank)
        photo, style, smooth = [], [], []
        for _ in range(self.batch_size):
            photo += random_crop([self.photos[int(rng.integers(len(self.photos)))]], self.size, rng)
            j = int(rng.integers(len(self.styles)))
            pair = [self.styles[j]] + ([self.smooth[j]] if self.smooth is not None else [])
            crops = random_crop(pair, self.size, rng)
            style.append(crops[0])
            if self.smooth is not None:
                smooth.append(crops[1])
        out = {"photo": to_tensor(photo), "style": to_tensor(style)}
        if self.smooth is not None:
            out["smooth"] = to_tensor(smooth)
        return out


@dataclass
class PairedSource:
    """Aligned (input, target) images, e.g. photos and their teacher renderings (distillation)."""

    inputs: list[np.ndarray]
    targets: list[np.ndarray]
    size: int
    batch_size: int
    seed: int = 0
    weights: list[float] | None = field(default=None)  # sampling weights per image
    masks: list[np.ndarray] | None = field(default=None)  # per image, (H, W) uint8 0..255: cropped alongside as "mask"
    clips: BatchSource | None = field(default=None)  # neighbouring clip frames (clip_pairs), merged in as "clip_*"

    def batch(self, step: int, rank: int = 0) -> dict[str, torch.Tensor]:
        rng = step_rng(self.seed, step, rank)
        p = None
        if self.weights is not None:
            p = np.asarray(self.weights, np.float64)
            p = p / p.sum()
        xs, ys, ms = [], [], []
        for _ in range(self.batch_size):
            i = int(rng.choice(len(self.inputs), p=p))
            aligned = [self.inputs[i], self.targets[i]] + ([self.masks[i]] if self.masks is not None else [])
            x, y, *m = random_crop(aligned, self.size, rng)
            xs.append(x)
            ys.append(y)
            ms.extend(m)
        batch = {"photo": to_tensor(xs), "target": to_tensor(ys)}
        if ms:
            batch["mask"] = torch.from_numpy(np.stack([np.ascontiguousarray(m) for m in ms])[:, None].astype(np.float32) / 255.0)
        if self.clips is not None:
            batch.update({f"clip_{k}": v for k, v in self.clips.batch(step, rank).items()})
        return batch


@dataclass
class NoiseSource:
    """DCGAN: latent vectors and real images."""

    images: list[np.ndarray]
    size: int
    batch_size: int
    nz: int = 100
    seed: int = 0
    flip: bool = True  # mirrored faces double a few hundred images (DCGAN on 400 avatars overfits without)

    def batch(self, step: int, rank: int = 0) -> dict[str, torch.Tensor]:
        rng = step_rng(self.seed, step, rank)
        real = []
        for _ in range(self.batch_size):
            img = self.images[int(rng.integers(len(self.images)))]
            h, w = img.shape[:2]
            side = min(h, w)
            top, left = (h - side) // 2, (w - side) // 2
            square = cv2.resize(img[top : top + side, left : left + side], (self.size, self.size), interpolation=cv2.INTER_AREA)
            real.append(square[:, ::-1] if self.flip and rng.random() < 0.5 else square)
        z = torch.from_numpy(rng.standard_normal((self.batch_size, self.nz)).astype(np.float32))
        return {"style": to_tensor(real), "z": z}
