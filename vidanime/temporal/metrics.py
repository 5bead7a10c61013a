"""Flicker metrics: warping error (Lai et al. 2018) with OpenCV DIS flow on the input video,
and sharpness (mean gradient magnitude), so that blur cannot pass as stability."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import cv2
import numpy as np

from vidanime.temporal.flow import FlowEstimator, consistency_mask, grey_small, resize_flow, warp


@dataclass
class PairScore:
    index: int  # pair (index, index + 1)
    warping_error: float
    sharpness: float
    masked_share: float


@dataclass
class TemporalReport:
    pairs: list[PairScore] = field(default_factory=list)

    @property
    def warping_error(self) -> float:
        return float(np.mean([p.warping_error for p in self.pairs])) if self.pairs else 0.0

    @property
    def sharpness(self) -> float:
        return float(np.mean([p.sharpness for p in self.pairs])) if self.pairs else 0.0

    def write_csv(self, path: Path) -> None:
        with open(path, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["pair", "warping_error", "sharpness", "visible_share"])
            for p in self.pairs:
                writer.writerow([p.index, f"{p.warping_error:.6f}", f"{p.sharpness:.6f}", f"{p.masked_share:.4f}"])


def sharpness(frame: np.ndarray) -> float:
    """Mean Sobel gradient magnitude of the grey image in [0, 1]."""
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    gx, gy = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    return float(np.sqrt(gx**2 + gy**2).mean())


def nearest_difference(a: np.ndarray, b: np.ndarray, reach: int) -> np.ndarray:
    """Per pixel, the smallest sum-over-RGB squared difference between ``a`` and ``b`` moved by
    whole pixels up to ``reach`` each way (0: the plain difference)."""
    best = ((a - b) ** 2).sum(-1)
    if reach == 0:
        return best
    h, w = a.shape[:2]
    padded = cv2.copyMakeBorder(b, reach, reach, reach, reach, cv2.BORDER_REPLICATE)
    for dy in range(2 * reach + 1):
        for dx in range(2 * reach + 1):
            if (dy, dx) != (reach, reach):  # the unmoved difference is already in best
                np.minimum(best, ((a - padded[dy : dy + h, dx : dx + w]) ** 2).sum(-1), out=best)
    return best


def pair_warping_error(in_a: np.ndarray, in_b: np.ndarray, out_a: np.ndarray, out_b: np.ndarray, flow: FlowEstimator, flow_width: int = 640,
                       shift_tolerance: int = 0) -> tuple[float, float]:
    """Masked mean of sum-over-RGB squared difference between O_a and O_b warped to a.

    A crisp line turns a flow error of a fraction of a pixel into a large difference, so sharper
    styles score worse for the same steadiness. With ``shift_tolerance`` n, each pixel of O_a is
    compared with the best match within n pixels of where the flow puts it: a line that stays on
    its edge then costs nothing, one that comes and goes or a fill that changes colour still does."""
    ga, _ = grey_small(in_a, flow_width)
    gb, _ = grey_small(in_b, flow_width)
    ab, ba = flow(ga, gb), flow(gb, ga)
    mask_small = consistency_mask(ab, ba)
    h, w = out_a.shape[:2]
    f = resize_flow(ab, h, w)
    mask = cv2.resize(mask_small, (w, h), interpolation=cv2.INTER_NEAREST)
    a = out_a.astype(np.float32) / 255.0
    b_warped = warp(out_b.astype(np.float32) / 255.0, f)
    err = nearest_difference(a, b_warped, shift_tolerance)
    total = mask.sum()
    value = float((err * mask).sum() / total) if total > 0 else float(err.mean())
    return value, float(mask.mean())


def match_size(frame: np.ndarray, height: int, width: int) -> np.ndarray:
    """Output frame at the input's size: crop a one-pixel yuv420p pad, resize anything else."""
    h, w = frame.shape[:2]
    if (h, w) == (height, width):
        return frame
    if 0 <= h - height <= 1 and 0 <= w - width <= 1:
        return frame[:height, :width]
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)


def evaluate(inputs: Iterable[np.ndarray], outputs: Iterable[np.ndarray], max_pairs: int | None = None, shift_tolerance: int = 0) -> TemporalReport:
    """Stream both videos' frames (same count, output resized to the input's size if needed);
    ``shift_tolerance`` as in ``pair_warping_error``."""
    flow = FlowEstimator("medium")
    report = TemporalReport()
    prev: tuple[np.ndarray, np.ndarray] | None = None
    for i, (fin, fout) in enumerate(zip(inputs, outputs)):
        fout = match_size(fout, fin.shape[0], fin.shape[1])
        if prev is not None:
            err, share = pair_warping_error(prev[0], fin, prev[1], fout, flow, shift_tolerance=shift_tolerance)
            report.pairs.append(PairScore(i - 1, err, sharpness(prev[1]), share))
            if max_pairs is not None and len(report.pairs) >= max_pairs:
                break
        prev = (fin, fout)
    return report


def video_frames(path: Path) -> Iterator[np.ndarray]:
    from vidanime.video.decode import VideoReader

    with VideoReader(path) as reader:
        for frame in reader.frames():
            yield frame.image
