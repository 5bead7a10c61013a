"""The picture for --temporal (docs/guide/temporal.md): per-frame vs smoothed output, and the frame-to-frame change
that the input's motion does not explain (|O_t - warp(O_t+1)|, the warping error's heat map).

    python -m lab.measure.temporal_figure INPUT PER_FRAME.mp4 SMOOTHED.mp4 docs/temporal.png [FRAME]
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from vidanime.temporal.flow import FlowEstimator, consistency_mask, grey_small, resize_flow, warp
from vidanime.temporal.metrics import video_frames


def pair(path: Path, index: int) -> tuple[np.ndarray, np.ndarray]:
    frames = video_frames(path)
    for i, frame in enumerate(frames):
        if i == index:
            return frame, next(frames)
    raise SystemExit(f"{path} has fewer than {index + 2} frames")


def heat(a: np.ndarray, b: np.ndarray, flow: np.ndarray, mask: np.ndarray) -> np.ndarray:
    err = np.abs(a.astype(np.float32) - warp(b.astype(np.float32), flow)).mean(-1) * mask
    return cv2.cvtColor(cv2.applyColorMap(np.clip(err * 24, 0, 255).astype(np.uint8), cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)


def main(src: Path, per_frame: Path, smoothed: Path, out: Path, index: int = 60) -> None:
    i0, i1 = pair(src, index)
    p0, p1 = pair(per_frame, index)
    s0, s1 = pair(smoothed, index)
    h, w = i0.shape[:2]
    flow = FlowEstimator("medium")
    g0, _ = grey_small(i0, 640)
    g1, _ = grey_small(i1, 640)
    f01, f10 = flow(g0, g1), flow(g1, g0)
    mask = cv2.resize(consistency_mask(f01, f10), (w, h), interpolation=cv2.INTER_NEAREST)
    full = resize_flow(f01, h, w)
    tiles = [("per frame", p0[:h, :w]), ("smoothed (--temporal flow)", s0[:h, :w]),
             ("per frame: unexplained change", heat(p0[:h, :w], p1[:h, :w], full, mask)),
             ("smoothed: unexplained change", heat(s0[:h, :w], s1[:h, :w], full, mask))]  # fmt: skip
    scale = 480 / w
    rows = []
    for title, tile in tiles:
        t = cv2.resize(tile, (480, round(h * scale)), interpolation=cv2.INTER_AREA)
        cv2.putText(t, title, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(t, title, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
        rows.append(t)
    grid = np.vstack([np.hstack(rows[:2]), np.hstack(rows[2:])])
    cv2.imwrite(str(out), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 60)
