"""Temporal smoothing of stylised frames, in frame order, constant memory.

* ``flow``: warp the previous (smoothed) output along the input's optical flow (DIS, at a reduced
  width) and blend it with the current output where the flow is reliable: where the previous
  *input* frame, warped the same way, matches the current input (a photometric check, one flow
  instead of the two a forward-backward test needs). Occluded or mis-tracked pixels take the
  current frame, so moving edges do not ghost. Where the warped previous output and the current
  output differ by much more than flicker does (a fade, a light switched on), the current output
  wins, so real changes are not dragged behind.
* ``ema``: an exponential moving average of the outputs, no motion compensation (ghosts on motion).
* Scene cuts (the colour histogram changes a lot, or the flow is mostly unreliable) reset the
  history: the first frame after a cut is the per-frame output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from vidanime.errors import UsageError
from vidanime.temporal.flow import FlowEstimator, grey_small, resize_flow, warp

MODES = ("off", "ema", "flow")  # --temporal


def smoother_factory(mode: str, strength: float) -> "Callable[[], TemporalSmoother | None]":
    """Check ``--temporal`` / ``--temporal-strength`` now; make a fresh smoother per video (history
    never leaks between files), or none for ``off``."""
    if mode not in MODES:
        raise UsageError(f"--temporal takes {', '.join(MODES)}")
    if not 0.0 <= strength < 1.0:
        raise UsageError("--temporal-strength must be in [0, 1)")
    if mode == "off":
        return lambda: None
    return lambda: TemporalSmoother(mode, strength)


def histogram(frame: np.ndarray) -> np.ndarray:
    step = max(1, min(frame.shape[0] // 144, frame.shape[1] // 256))  # every step-th pixel first: 4x cheaper at 720p
    small = cv2.resize(frame[::step, ::step], (64, 36), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1, 2], None, [8, 4, 4], [0, 180, 0, 256, 0, 256]).ravel()
    return hist / max(1.0, hist.sum())


def is_cut(prev_hist: np.ndarray | None, hist: np.ndarray, threshold: float) -> bool:
    """Histogram intersection below ``1 - threshold`` means a different shot."""
    if prev_hist is None:
        return False
    return float(np.minimum(prev_hist, hist).sum()) < 1.0 - threshold


@dataclass
class SmoothStats:
    frames: int = 0
    cuts: int = 0
    reliable_share: float = 0.0  # mean share of pixels blended (flow mode)


class TemporalSmoother:
    """Call with (inputs, outputs) uint8 batches in frame order; returns smoothed outputs.
    ``mode`` is ema or flow, ``strength`` in [0, 1) (``smoother_factory`` checks user input)."""

    def __init__(self, mode: str = "flow", strength: float = 0.9, flow_width: int = 480, cut_threshold: float = 0.5, tolerance: float = 10.0, change_gate: float = 40.0) -> None:
        self.mode, self.strength, self.flow_width = mode, strength, flow_width
        self.cut_threshold = cut_threshold
        self.tolerance = tolerance  # grey levels of input mismatch at which trust falls to 1/e
        self.change_gate = change_gate  # output levels: a larger frame-to-frame change is real, not flicker
        self.flow = FlowEstimator("fast") if mode == "flow" else None
        self.stats = SmoothStats()
        self._reset()

    def _reset(self) -> None:
        self._prev_out: np.ndarray | None = None
        self._prev_grey: np.ndarray | None = None
        self._prev_hist: np.ndarray | None = None
        self._prev_small: np.ndarray | None = None  # the previous output at flow resolution

    def __call__(self, inputs: np.ndarray, outputs: np.ndarray) -> np.ndarray:
        return np.stack([self.step(i, o) for i, o in zip(inputs, outputs)])

    def step(self, frame_in: np.ndarray, frame_out: np.ndarray) -> np.ndarray:
        self.stats.frames += 1
        hist = histogram(frame_in)
        cut = is_cut(self._prev_hist, hist, self.cut_threshold)
        self._prev_hist = hist
        cur = frame_out.astype(np.float32)
        if cut or self._prev_out is None or self._prev_out.shape != cur.shape:
            self.stats.cuts += int(cut)
            self._remember(frame_in, cur)
            return frame_out
        if self.mode == "ema":
            out = self.strength * self._prev_out + (1 - self.strength) * cur
            self._prev_out = out
            return cv2.convertScaleAbs(out)  # round and saturate to uint8 (values are >= 0)
        out = self._flow_blend(frame_in, cur)
        if out is None:  # the flow failed: treat as a cut
            self.stats.cuts += 1
            self._remember(frame_in, cur)
            return frame_out
        return cv2.convertScaleAbs(out)

    def _remember(self, frame_in: np.ndarray, out: np.ndarray) -> None:
        self._prev_out = out
        if self.mode == "flow":
            self._prev_grey, _ = grey_small(frame_in, self.flow_width)
            sh, sw = self._prev_grey.shape
            self._prev_small = cv2.resize(out, (sw, sh), interpolation=cv2.INTER_AREA)

    def _flow_blend(self, frame_in: np.ndarray, cur: np.ndarray) -> np.ndarray | None:
        """Blend toward the previous output warped along the flow, where the flow is trusted and the
        change is small. Every decision is made at flow resolution (the previous output is kept
        there too); only the warp and the blend itself touch full-size pixels."""
        assert self.flow is not None and self._prev_grey is not None and self._prev_out is not None
        grey, _ = grey_small(frame_in, self.flow_width)
        to_prev = self.flow(grey, self._prev_grey)  # where each current pixel was in the previous frame
        mismatch = cv2.absdiff(grey.astype(np.float32), warp(self._prev_grey.astype(np.float32), to_prev))
        trust = np.exp(-((mismatch / self.tolerance) ** 2))
        share = float((trust > 0.5).mean())
        if share < 0.2:
            return None
        self.stats.reliable_share += (share - self.stats.reliable_share) / self.stats.frames
        sh, sw = grey.shape
        cur_small = cv2.resize(cur, (sw, sh), interpolation=cv2.INTER_AREA)
        warped_small = warp(self._prev_small, to_prev)
        gap = cv2.absdiff(warped_small, cur_small).mean(-1)
        keep = cv2.GaussianBlur(trust * np.exp(-((gap / self.change_gate) ** 2)), (0, 0), 1.0) * np.float32(self.strength)
        h, w = cur.shape[:2]
        out = warp(self._prev_out, resize_flow(to_prev, h, w))
        mask = cv2.resize(keep, (w, h), interpolation=cv2.INTER_LINEAR)
        out = cv2.blendLinear(out, cur, mask, 1.0 - mask)  # mask * warped + (1 - mask) * cur, one pass
        self._prev_grey, self._prev_out = grey, out
        self._prev_small = cur_small + keep[..., None] * (warped_small - cur_small)
        return out
