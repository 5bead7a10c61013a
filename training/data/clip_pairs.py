"""Neighbouring frames of real clips, with the optical flow between them and where it can be
trusted: a student that draws the same thing on both frames, moved with the scene, does not
flicker. Unlike a synthetic camera motion (``training.ops.motion``) this prices only the motion
clips really have, so a line that stays on its edge as the scene moves costs nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import torch

from training.data.batches import step_rng, to_tensor
from training.data.frames import is_black
from vidanime.temporal.flow import FlowEstimator, consistency_mask, warp
from vidanime.video.decode import VideoReader

# a pixel whose colour still differs this much (mean over RGB, 0..1) after following the flow is a
# change of the scene itself (light, a splash, a cut), not motion the picture should follow
PHOTO_CHANGE = 0.08


@dataclass
class ClipPair:
    """Two neighbouring frames, the flow taking ``first``'s pixels to ``second`` (``first(x) ~
    second(x + flow(x))``) and a 0/1 mask of where that flow can be trusted."""

    first: np.ndarray  # uint8 RGB (H, W, 3)
    second: np.ndarray
    flow: np.ndarray  # float32 (H, W, 2), pixels
    trust: np.ndarray  # float32 (H, W)


def pair_of(first: np.ndarray, second: np.ndarray, flow: FlowEstimator) -> ClipPair:
    """The pair with its flow, trusted where the forward-backward test passes and the photo
    itself follows the flow."""
    ga, gb = cv2.cvtColor(first, cv2.COLOR_RGB2GRAY), cv2.cvtColor(second, cv2.COLOR_RGB2GRAY)
    ab, ba = flow(ga, gb), flow(gb, ga)
    trust = consistency_mask(ab, ba)
    residual = np.abs(first.astype(np.float32) - warp(second, ab).astype(np.float32)).mean(-1) / 255.0
    trust[residual > PHOTO_CHANGE] = 0.0
    return ClipPair(first, second, ab.astype(np.float32), trust)


def scaled(pair: ClipPair, scale: float) -> ClipPair:
    """The pair at ``scale`` (flow vectors scaled with it, trust kept only where it was whole)."""
    if scale == 1.0:
        return pair
    h, w = pair.first.shape[:2]
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    shrink = lambda im: cv2.resize(im, size, interpolation=cv2.INTER_AREA)  # noqa: E731
    trust = (shrink(pair.trust) > 0.999).astype(np.float32)
    return ClipPair(shrink(pair.first), shrink(pair.second), shrink(pair.flow) * scale, trust)


def clip_pairs(video: Path, every_s: float = 0.5, max_side: int = 768, per_clip: int = 24) -> list[ClipPair]:
    """Up to ``per_clip`` pairs (a frame and the one after it) every ``every_s`` seconds of
    ``video``, frames at most ``max_side`` px; near-black frames skipped."""
    flow = FlowEstimator("medium")
    pairs: list[ClipPair] = []
    waiting: np.ndarray | None = None
    next_t = 0.0
    with VideoReader(video) as reader:
        tb = float(reader.info.time_base)
        for frame in reader.frames():
            img = frame.image
            if max(img.shape[:2]) > max_side:
                s = max_side / max(img.shape[:2])
                img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
            if waiting is not None:
                pairs.append(pair_of(waiting, img, flow))
                waiting = None
                if len(pairs) >= per_clip:
                    break
            t = frame.pts * tb
            if t + 1e-6 >= next_t and not is_black(img):
                waiting, next_t = img, t + every_s
    return pairs


def crop_pair(pair: ClipPair, size: int, rng: np.random.Generator) -> ClipPair:
    """One random ``size`` window of the pair; flow that leaves the window is not trusted there."""
    h, w = pair.first.shape[:2]
    if min(h, w) < size:
        raise ValueError(f"a clip pair of {w}x{h} is smaller than the {size} px crop")
    top, left = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    win = (slice(top, top + size), slice(left, left + size))
    flow = pair.flow[win]
    gx, gy = np.meshgrid(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32))
    tx, ty = gx + flow[..., 0], gy + flow[..., 1]
    inside = (tx >= 0) & (tx <= size - 1) & (ty >= 0) & (ty <= size - 1)
    return ClipPair(pair.first[win], pair.second[win], flow, pair.trust[win] * inside)


@dataclass
class ClipPairSource:
    """Random crops of neighbouring clip frames, ``batch_size`` pairs a step."""

    pairs: list[ClipPair]
    size: int
    batch_size: int
    seed: int = 0
    _fits: list[int] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._fits = [i for i, p in enumerate(self.pairs) if min(p.first.shape[:2]) >= self.size]
        if not self._fits:
            raise ValueError(f"no clip pair is {self.size} px or larger")

    def batch(self, step: int, rank: int = 0) -> dict[str, torch.Tensor]:
        """``first`` and ``second`` (N, 3, S, S) in [-1, 1], ``flow`` (N, 2, S, S) in pixels and
        ``trust`` (N, 1, S, S)."""
        rng = step_rng(self.seed + 7919, step, rank)  # its own stream, apart from the photos'
        crops = [crop_pair(self.pairs[self._fits[int(rng.integers(len(self._fits)))]], self.size, rng) for _ in range(self.batch_size)]
        return {
            "first": to_tensor([c.first for c in crops]),
            "second": to_tensor([c.second for c in crops]),
            "flow": torch.from_numpy(np.stack([c.flow for c in crops])).permute(0, 3, 1, 2).contiguous(),
            "trust": torch.from_numpy(np.stack([c.trust for c in crops]))[:, None].contiguous(),
        }


def load_clip_pairs(videos: Sequence[Path], scales: Sequence[float] = (1.0, 0.5), **kwargs: object) -> list[ClipPair]:
    """Pairs of every clip in ``videos`` at each of ``scales``."""
    out: list[ClipPair] = []
    for video in videos:
        for pair in clip_pairs(video, **kwargs):  # type: ignore[arg-type]
            out.extend(scaled(pair, s) for s in scales)
    return out
