"""Tried, not shipped: faces drawn the anime way on video (docs/cel_v3.md). The picture's face
drawing (``vidanime.anime_face``) held steady from frame to frame, and what that costs.

Found frame by frame, drawn faces flicker: the detector misses a face in one frame and finds it a
few pixels off in the next, and each find costs about as much as the model (the two detector
passes and the eye detector, ~0.2 s on a 400 px frame). So ``FaceTrack`` looks for faces every
``every`` frames; in between, each face followed moves with its picture (phase correlation of its
box between consecutive frames), its eyes open and close with the photo's, and it glides to each
new find (``glide`` a frame) instead of jumping. A face is drawn until ``patience`` looks in a
row have missed it.

    python -m lab.measure.video_faces STYLE CLIP.mp4 [CLIP.mp4 ...]   # warping error and time, keep vs draw

"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from vidanime.anime_face import FaceLayout, draw_layouts, drawable_faces, eye_openness, lab_of, moved

Point = tuple[float, float]


def blended(old: FaceLayout, new: FaceLayout, keep: float) -> FaceLayout:
    """``keep`` of the old layout's geometry and the rest of the new one's; the new mouth state."""

    def mix(a: float, b: float) -> float:
        return keep * a + (1.0 - keep) * b

    def mix2(a: Point, b: Point) -> Point:
        return (mix(a[0], b[0]), mix(a[1], b[1]))

    return FaceLayout(
        unit=mix(old.unit, new.unit), centre=mix2(old.centre, new.centre), eyes=(mix2(old.eyes[0], new.eyes[0]), mix2(old.eyes[1], new.eyes[1])),
        brows=(mix(old.brows[0], new.brows[0]), mix(old.brows[1], new.brows[1])), nose=mix2(old.nose, new.nose), mouth=mix2(old.mouth, new.mouth),
        mouth_open=new.mouth_open, openness=(mix(old.openness[0], new.openness[0]), mix(old.openness[1], new.openness[1])),
    )  # fmt: skip


@dataclass
class Track:
    layout: FaceLayout  # as drawn now
    target: FaceLayout  # where the last find put it: the drawing glides there, a step a frame
    missed: int = 0  # looks in a row that did not find it


def box_around(layout: FaceLayout, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of a square of the face's width round its centre, inside the picture."""
    half = int(0.6 * layout.unit)
    cx, cy = int(layout.centre[0]), int(layout.centre[1])
    return max(0, cx - half), max(0, cy - half), min(shape[1], cx + half), min(shape[0], cy + half)


def motion(previous: np.ndarray, current: np.ndarray, layout: FaceLayout) -> Point:
    """How far the picture round a face moved between two grey frames (0, 0 when unsure)."""
    x0, y0, x1, y1 = box_around(layout, current.shape)
    if x1 - x0 < 16 or y1 - y0 < 16:
        return 0.0, 0.0
    window = cv2.createHanningWindow((x1 - x0, y1 - y0), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(previous[y0:y1, x0:x1], current[y0:y1, x0:x1], window)
    if response < 0.1 or abs(dx) > 0.3 * layout.unit or abs(dy) > 0.3 * layout.unit:
        return 0.0, 0.0
    return float(dx), float(dy)


class FaceTrack:
    """One video's drawn faces; call it on consecutive batches of (photos, stylised frames)."""

    def __init__(self, every: int = 8, smoothing: float = 0.7, patience: int = 2, glide: float = 0.1) -> None:
        self.every, self.smoothing, self.patience, self.glide = every, smoothing, patience, glide
        self.tracks: list[Track] = []
        self.frame = 0
        self.previous: np.ndarray | None = None

    def __call__(self, photos: np.ndarray, styled: np.ndarray) -> np.ndarray:
        return np.stack([self.draw(photo, out) for photo, out in zip(photos, styled)])

    def draw(self, photo: np.ndarray, styled: np.ndarray) -> np.ndarray:
        if photo.shape[:2] != styled.shape[:2]:
            photo = cv2.resize(photo, (styled.shape[1], styled.shape[0]), interpolation=cv2.INTER_AREA)
        photo_lab = lab_of(photo)
        grey = photo_lab[..., 0].astype(np.float32)
        if self.previous is not None and self.previous.shape == grey.shape:
            for track in self.tracks:
                dx, dy = motion(self.previous, grey, track.layout)
                track.layout, track.target = moved(track.layout, dx, dy), moved(track.target, dx, dy)
        if self.frame % self.every == 0:
            self.look(photo, photo_lab)
        for track in self.tracks:
            track.layout = blended(track.layout, track.target, 1.0 - self.glide)
            # blinks: the eyes open and close with the photo's, every frame
            seen = tuple(eye_openness(photo_lab[..., 0], eye, track.layout.unit) for eye in track.layout.eyes)
            track.layout = replace(track.layout, openness=tuple(0.5 * (a + b) for a, b in zip(track.layout.openness, seen)))  # type: ignore[arg-type]
        self.previous, self.frame = grey, self.frame + 1
        return draw_layouts(photo_lab, styled, [t.layout for t in self.tracks])

    def look(self, photo: np.ndarray, photo_lab: np.ndarray) -> None:
        """Find the faces again: each find updates the nearest face followed (or starts one)."""
        unmatched = list(self.tracks)
        for found in drawable_faces(photo, photo_lab):
            near = [t for t in unmatched if np.hypot(t.layout.centre[0] - found.centre[0], t.layout.centre[1] - found.centre[1]) < 0.5 * found.unit]
            if near:
                track = min(near, key=lambda t: np.hypot(t.layout.centre[0] - found.centre[0], t.layout.centre[1] - found.centre[1]))
                track.target, track.missed = blended(track.target, found, self.smoothing), 0
                unmatched.remove(track)
            else:
                self.tracks.append(Track(found, found))
        for track in unmatched:
            track.missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= self.patience]


def converted(style: str, clip: Path, draw: bool) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """(input frames, output frames with --temporal flow, seconds): the clip through the model,
    faces drawn by a ``FaceTrack`` or kept, smoothed as ``vidanime convert`` smooths."""
    from vidanime.api import Stylizer
    from vidanime.temporal.metrics import video_frames
    from vidanime.temporal.smoothing import TemporalSmoother

    model, smoother, track = Stylizer(style, kind="video"), TemporalSmoother("flow", 0.9), FaceTrack()
    inputs, outputs, start = [], [], time.perf_counter()
    for frame in video_frames(clip):
        styled = model.stylize(frame[None])
        if draw:
            styled = track(frame[None], styled)
        inputs.append(frame)
        outputs.append(smoother(frame[None], styled)[0])
    return inputs, outputs, time.perf_counter() - start


def main(style: str, clips: list[Path]) -> None:
    from vidanime.temporal.metrics import evaluate

    for clip in clips:
        figures = {}
        for draw in (False, True):
            inputs, outputs, seconds = converted(style, clip, draw)
            figures[draw] = (evaluate(inputs, outputs).warping_error, 1000 * seconds / max(1, len(inputs)))
        (keep, keep_ms), (drawn, drawn_ms) = figures[False], figures[True]
        print(f"{clip.name}: warping error keep {keep:.6f}, draw {drawn:.6f} ({drawn / keep:.2f}x); {keep_ms:.0f} / {drawn_ms:.0f} ms a frame")


if __name__ == "__main__":
    main(sys.argv[1], [Path(p) for p in sys.argv[2:]])
