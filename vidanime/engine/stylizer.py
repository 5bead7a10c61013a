"""Frames in, stylised frames out: the model's contract applied around one session run.

Frames are uint8 RGB arrays shaped (N, H, W, 3). Sizes the model's strides cannot take are
padded (reflect) to its size multiple and cropped back, so the picture never shifts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from vidanime.engine.contract import ModelContract
from vidanime.engine.upsample import guided_upsample

RunFn = Callable[[np.ndarray], np.ndarray]


def scaled_size(height: int, width: int, short_side: int | None) -> tuple[int, int]:
    """(h, w) with the short side at most ``short_side``, aspect kept, even numbers."""
    if not short_side or min(height, width) <= short_side:
        return height, width
    scale = short_side / min(height, width)
    return max(2, round(height * scale / 2) * 2), max(2, round(width * scale / 2) * 2)


def resize_batch(frames: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize every frame; area filter going down, cubic going up."""
    n, h, w, _ = frames.shape
    if (h, w) == (height, width):
        return frames
    interp = cv2.INTER_AREA if height * width < h * w else cv2.INTER_CUBIC
    return np.stack([cv2.resize(f, (width, height), interpolation=interp) for f in frames])


def to_model_input(frames: np.ndarray, contract: ModelContract) -> np.ndarray:
    """uint8 NHWC RGB -> the model's dtype, range, channel order and layout."""
    lo, hi = contract.input_range
    x = frames.astype(np.float32) * np.float32((hi - lo) / 255.0) + np.float32(lo)
    if contract.channel_order == "BGR":
        x = x[..., ::-1]
    if contract.layout == "NCHW":
        x = x.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(x, dtype=np.float16 if contract.input_dtype == "float16" else np.float32)


def from_model_output(y: np.ndarray, contract: ModelContract) -> np.ndarray:
    """The model's answer -> uint8 NHWC RGB (rounded, clipped)."""
    y = y.astype(np.float32, copy=False)
    if contract.layout == "NCHW":
        y = y.transpose(0, 2, 3, 1)
    if contract.channel_order == "BGR":
        y = y[..., ::-1]
    lo, hi = contract.output_range
    y = (y - np.float32(lo)) * np.float32(255.0 / (hi - lo))
    return np.clip(np.rint(y), 0, 255).astype(np.uint8)


def pad_to_multiple(frames: np.ndarray, multiple: int) -> np.ndarray:
    """Reflect-pad bottom and right so height and width divide by ``multiple``."""
    _, h, w, _ = frames.shape
    ph, pw = -h % multiple, -w % multiple
    if ph == 0 and pw == 0:
        return frames
    # 'symmetric' (edge-including mirror) works even when the pad exceeds a tiny frame.
    mode = "reflect" if ph < h and pw < w else "symmetric"
    return np.pad(frames, ((0, 0), (0, ph), (0, pw), (0, 0)), mode=mode)


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile offsets covering ``length``: step ``tile - overlap``, the last one flush with the end."""
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, tile - overlap))
    return starts + [length - tile]


def feather(th: int, tw: int, overlap: int) -> np.ndarray:
    """Blend weights: 1 inside, linear ramps over ``overlap`` pixels at every edge."""
    def ramp(n: int) -> np.ndarray:
        r = np.ones(n, np.float32)
        k = min(overlap, n // 2)
        r[:k] = np.linspace(1 / (k + 1), 1, k, dtype=np.float32)
        r[n - k :] = r[:k][::-1]
        return r

    return (ramp(th)[:, None] * ramp(tw)[None, :])[..., None]


@dataclass
class Stylizer:
    """Apply one generator to batches of frames of any size."""

    run: RunFn
    contract: ModelContract
    short_side: int | None = None  # process at this short side (``--resolution``)
    keep_processing_size: bool = False  # return frames at the processing size
    # ``--quality``: process at this fraction of the short side, for frames whose short side is at
    # least ``scale_from`` (``vidanime.model`` decides them for pictures and for video frames).
    scale: float = 1.0
    scale_from: int = 0
    # Back to full size after processing smaller: "guided" (edges follow the full-size frame,
    # ``engine.upsample``) or "resize" (plain cubic, softer).
    upsample: str = "guided"
    # Pictures above ``tile_pixels`` go through the model in windows that keep a ``tile`` -
    # 2 x ``tile_margin`` px core and throw away the margin around it, at least ``tile_margin`` px
    # and as wide as the model's context (its contract): memory stays bounded (a 10000 x 10000
    # photo), and each kept pixel saw the same surroundings as in one pass, so no seam shows.
    tile_pixels: int = 2048 * 2048
    tile: int = 1024
    tile_margin: int = 64

    def processing_size(self, height: int, width: int) -> tuple[int, int]:
        if self.short_side is not None:
            return scaled_size(height, width, self.short_side)
        if self.scale < 1 and min(height, width) >= self.scale_from:
            return scaled_size(height, width, round(min(height, width) * self.scale))
        return height, width

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        if self.keep_processing_size:
            return scaled_size(height, width, self.short_side)
        return height, width

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
            raise ValueError(f"expected uint8 (N, H, W, 3) frames, got {frames.dtype} {frames.shape}")
        n, h, w, _ = frames.shape
        work_h, work_w = self.processing_size(h, w)
        x = resize_batch(frames, work_h, work_w)
        fixed = self.contract.fixed_size
        if fixed is not None and (work_h > 1.5 * fixed[0] or work_w > 1.5 * fixed[1]):
            out = np.stack([self._tiled(frame, *fixed) for frame in x])
        elif fixed is not None:  # close to the model's size: resize in, resize out
            out = resize_batch(self._stylise_exact(resize_batch(x, *fixed)), work_h, work_w)
        elif work_h * work_w > self.tile_pixels:
            out = np.stack([self._windowed(frame) for frame in x])
        else:
            out = self._stylise_exact(pad_to_multiple(x, self.contract.size_multiple))[:, :work_h, :work_w]
        out_h, out_w = self.output_size(h, w)
        if self.upsample == "guided" and (out_h, out_w) == (h, w) and (work_h, work_w) != (h, w):
            return np.stack([guided_upsample(f, s, o) for f, s, o in zip(frames, x, out)])
        return np.ascontiguousarray(resize_batch(out, out_h, out_w))

    def _stylise_exact(self, x: np.ndarray) -> np.ndarray:
        """uint8 frames already at a size the model takes -> uint8 frames."""
        return from_model_output(self._infer(to_model_input(x, self.contract)), self.contract)

    def _tiled(self, frame: np.ndarray, th: int, tw: int) -> np.ndarray:
        """A frame much larger than a fixed-size model: overlapping tiles, feathered together."""
        h, w = frame.shape[:2]
        ph, pw = max(0, th - h), max(0, tw - w)
        if ph or pw:  # one side shorter than the tile: mirror it up to size
            frame = np.pad(frame, ((0, ph), (0, pw), (0, 0)), mode="symmetric")
        big_h, big_w = frame.shape[:2]
        overlap = max(8, min(th, tw) // 8)
        ys, xs = tile_starts(big_h, th, overlap), tile_starts(big_w, tw, overlap)
        tiles = np.stack([frame[y : y + th, x : x + tw] for y in ys for x in xs])
        styled = self._stylise_exact(tiles).astype(np.float32)
        acc = np.zeros((big_h, big_w, 3), np.float32)
        weight = np.zeros((big_h, big_w, 1), np.float32)
        ramp = feather(th, tw, overlap)
        for i, (y, x) in enumerate((y, x) for y in ys for x in xs):
            acc[y : y + th, x : x + tw] += styled[i] * ramp
            weight[y : y + th, x : x + tw] += ramp
        out = acc / np.maximum(weight, 1e-6)
        return np.clip(np.rint(out[:h, :w]), 0, 255).astype(np.uint8)

    def _windowed(self, frame: np.ndarray) -> np.ndarray:
        """A large frame through a dynamic-size model, window by window (see ``tile_pixels``)."""
        h, w = frame.shape[:2]
        margin, core = max(self.tile_margin, self.contract.context), max(16, self.tile - 2 * self.tile_margin)
        out = np.empty_like(frame)
        for y0 in range(0, h, core):
            for x0 in range(0, w, core):
                y1, x1 = min(h, y0 + core), min(w, x0 + core)
                wy0, wx0 = max(0, y0 - margin), max(0, x0 - margin)
                wy1, wx1 = min(h, y1 + margin), min(w, x1 + margin)
                window = pad_to_multiple(frame[None, wy0:wy1, wx0:wx1], self.contract.size_multiple)
                styled = self._stylise_exact(window)[0]
                out[y0:y1, x0:x1] = styled[y0 - wy0 : y1 - wy0, x0 - wx0 : x1 - wx0]
        return out

    def _infer(self, x: np.ndarray) -> np.ndarray:
        if not self.contract.batch_fixed or x.shape[0] == 1:
            y = self.run(x)
        else:  # graphs exported with batch 1 (e.g. the public AnimeGANv2 files)
            y = np.concatenate([self.run(x[i : i + 1]) for i in range(x.shape[0])])
        expected = x.shape[0]
        if y.ndim != 4 or y.shape[0] != expected:
            raise ValueError(f"generator returned shape {y.shape} for a batch of {expected}")
        return y
