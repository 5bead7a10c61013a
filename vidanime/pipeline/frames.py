"""What happens to the frame stream between the reader and the model, and around the model:
part of a clip (``--start`` / ``--end``), another frame rate (``--fps``), a lighter touch
(``--strength``), the side-by-side view (``--compare``) and faces drawn on pictures (``--faces``)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Callable, Iterator

import cv2
import numpy as np

from vidanime.errors import UsageError
from vidanime.video.decode import Frame


def parse_time(text: str) -> float:
    """``90``, ``90.5``, ``01:30``, ``00:01:30.250`` -> seconds."""
    try:
        parts = [float(p) for p in text.strip().split(":")]
    except ValueError as exc:
        raise UsageError(f"bad time {text!r}: use seconds (90.5) or [HH:]MM:SS[.mmm]") from exc
    if not 1 <= len(parts) <= 3 or any(p < 0 for p in parts):
        raise UsageError(f"bad time {text!r}: use seconds (90.5) or [HH:]MM:SS[.mmm]")
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + p
    return seconds


def time_range(frames: Iterator[Frame], start_pts: int, end_pts: int | None) -> Iterator[Frame]:
    """Frames with ``start_pts <= pts < end_pts``, their timestamps moved so the first is at 0."""
    for frame in frames:
        if frame.pts < start_pts:
            continue
        if end_pts is not None and frame.pts >= end_pts:
            break
        yield replace(frame, pts=frame.pts - start_pts)


def resample(frames: Iterator[Frame], fps: Fraction, time_base: Fraction, last_duration: Fraction) -> Iterator[Frame]:
    """Show the stream at a constant ``fps`` by timestamps: a frame is dropped when no output tick
    falls in its display interval and repeated when several do (``Frame.repeats``). Each kept
    picture goes through the model once. ``last_duration`` is how long the last frame shows."""
    step = 1 / (fps * time_base)  # output tick spacing in time-base units (exact)
    first: int | None = None
    tick = 0  # index of the next output tick
    held: Frame | None = None
    emitted = False

    def ticks_before(limit: Fraction) -> list[int]:
        nonlocal tick
        found = []
        while first is not None and first + tick * step < limit:
            found.append(round(first + tick * step))
            tick += 1
        return found

    for frame in frames:
        if held is None:
            first, held = frame.pts, frame
            continue
        shown = ticks_before(Fraction(frame.pts))
        if shown:
            emitted = True
            yield replace(held, pts=shown[0], repeats=tuple(shown[1:]))
        held = frame
    if held is not None:
        shown = ticks_before(held.pts + last_duration / time_base)
        if shown or not emitted:  # a one-frame input still gives one frame
            shown = shown or [held.pts]
            yield replace(held, pts=shown[0], repeats=tuple(shown[1:]))


def strength_blend(strength: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    """``--strength``: mix the stylised frames with the originals in CIE Lab, where a partial mix
    of colours looks like a lighter touch rather than a washed-out overlay; 1 = the model alone."""
    if not 0.0 <= strength <= 1.0:
        raise UsageError("--strength takes a value from 0 to 1")
    if strength >= 1.0:
        return None

    def blend(originals: np.ndarray, styled: np.ndarray) -> np.ndarray:
        out = np.empty_like(styled)
        for i, (o, s) in enumerate(zip(originals, styled)):
            if o.shape != s.shape:
                o = cv2.resize(o, (s.shape[1], s.shape[0]), interpolation=cv2.INTER_AREA)
            lab_o = cv2.cvtColor(o.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
            lab_s = cv2.cvtColor(s.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
            mixed = cv2.cvtColor(strength * lab_s + (1 - strength) * lab_o, cv2.COLOR_Lab2RGB)
            out[i] = np.clip(np.rint(mixed * 255), 0, 255).astype(np.uint8)
        return out

    return blend


COMPARE = ("horizontal", "vertical")


FACES = ("keep", "draw")


def face_drawing(mode: str, video: bool = False) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    """``--faces``: ``keep`` the model's faces, or ``draw`` each face found in the original the
    anime way on the stylised picture (``vidanime.anime_face``: eyes, brows and a nose tick as pen
    shapes on flat skin). Refused for ``video``: found frame by frame, drawn faces flicker."""
    if mode not in FACES:
        raise UsageError(f"--faces takes {' or '.join(FACES)}")
    if mode == "keep":
        return None
    if video:
        raise UsageError("--faces draw works on pictures: found frame by frame, drawn faces would flicker on video")
    from vidanime.anime_face import draw_faces_on

    def draw(originals: np.ndarray, styled: np.ndarray) -> np.ndarray:
        return np.stack([draw_faces_on(o, s) for o, s in zip(originals, styled)])

    return draw


def with_faces(stylize: Callable[[np.ndarray], np.ndarray], mode: str) -> Callable[[np.ndarray], np.ndarray]:
    """A picture's model with ``--faces`` folded in: the faces drawn on its output before
    ``--strength`` mixes the photo back in."""
    draw = face_drawing(mode)
    return stylize if draw is None else (lambda frames: draw(frames, stylize(frames)))


def side_by_side(direction: str | None) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    """``--compare``: the original and the stylised picture next to each other (left / top: original)."""
    if direction is None:
        return None
    if direction not in COMPARE:
        raise UsageError(f"--compare takes {' or '.join(COMPARE)}")
    axis = 2 if direction == "horizontal" else 1

    def compose(originals: np.ndarray, styled: np.ndarray) -> np.ndarray:
        if originals.shape[1:3] != styled.shape[1:3]:
            originals = np.stack([cv2.resize(o, (styled.shape[2], styled.shape[1]), interpolation=cv2.INTER_AREA) for o in originals])
        return np.ascontiguousarray(np.concatenate([originals, styled], axis=axis))

    return compose
