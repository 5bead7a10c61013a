"""Render samples/park.mp4: a small procedural scene (sky, sun, hills, a tree, drifting clouds,
a walking figure) with a two-note tune, so the README's first command has something of ours to
convert. Deterministic; about 4 s at 24 fps, 640x360, H.264 + AAC.

    python tools/make_sample_clip.py samples/park.mp4
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from vidanime.video.synthetic import write_clip

W, H, FPS, SECONDS, RATE = 640, 360, 24, 4, 48000


def scene(t: float, rng_noise: np.ndarray) -> np.ndarray:
    y = np.linspace(0, 1, H)[:, None, None]
    sky = (1 - y) * np.array([110, 170, 240]) + y * np.array([200, 225, 250])
    img = np.broadcast_to(sky, (H, W, 3)).astype(np.float32).copy()
    cv2.circle(img, (520, 70), 38, (255, 235, 150), -1, cv2.LINE_AA)
    for i, (cx, cy, r) in enumerate(((120, 80, 30), (300, 60, 24), (450, 110, 20))):
        x = int((cx + 25 * t * (1 + i * 0.3)) % (W + 80)) - 40
        for dx, dy, rr in ((0, 0, r), (r, 5, int(r * 0.8)), (-r, 6, int(r * 0.7))):
            cv2.circle(img, (x + dx, cy + dy), rr, (245, 245, 250), -1, cv2.LINE_AA)
    xs = np.arange(W)
    for base, amp, freq, color in ((230, 30, 0.010, (90, 150, 80)), (270, 20, 0.017, (60, 125, 60))):
        ridge = (base + amp * np.sin(xs * freq + 1.3)).astype(int)
        for x, top in zip(xs, ridge):
            img[top:, x] = color
    img[300:] = np.array([70, 140, 55]) + rng_noise[300:] * 18  # grass texture
    cv2.rectangle(img, (150, 190), (165, 290), (90, 60, 40), -1)
    cv2.circle(img, (158, 175), 45, (40, 110, 45), -1, cv2.LINE_AA)
    px = int(60 + t * 110)
    cv2.circle(img, (px, 255), 10, (240, 200, 170), -1, cv2.LINE_AA)
    cv2.rectangle(img, (px - 9, 266), (px + 9, 300), (200, 60, 60), -1)
    step = int(6 * np.sin(t * 9))
    cv2.line(img, (px - 4, 300), (px - 4 - step, 318), (40, 40, 90), 5)
    cv2.line(img, (px + 4, 300), (px + 4 + step, 318), (40, 40, 90), 5)
    return np.clip(img, 0, 255).astype(np.uint8)


def tune(t: np.ndarray) -> np.ndarray:
    """Two notes a second, each with a short attack."""
    return 0.15 * np.sin(2 * np.pi * np.where((t % 1) < 0.5, 440, 660) * t) * np.minimum(1, (t % 0.5) * 20)


def main(out: Path) -> None:
    noise = np.random.default_rng(7).standard_normal((H, W, 1)).astype(np.float32)
    write_clip(out, lambda i: scene(i / FPS, noise), SECONDS * FPS, FPS, codec_options={"crf": "23", "preset": "slow"}, audio_rate=RATE, soundtrack=tune)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "samples/park.mp4"))
