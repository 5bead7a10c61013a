"""Drawn faces on video, an experiment (``lab.measure.video_faces``, not shipped): looked for every
few frames, followed in between (they move with the picture and glide to each new find, so they do
not jump), held through a missed look or two."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from factories import SKIN_RGB, portrait

from lab.measure import video_faces as face_track
from lab.measure.video_faces import FaceTrack
from vidanime import anime_face


def shifted(dx: int) -> np.ndarray:
    """The portrait moved ``dx`` px to the right, on a wider grey wall."""
    wall = np.full((220, 320, 3), 120, np.uint8)
    wall[:, 20 + dx : 260 + dx] = portrait()
    return wall


def layout_in(photo: np.ndarray) -> anime_face.FaceLayout:
    """Where the face is, from its skin: what a (faked) detector would say."""
    skin = np.all(np.abs(photo.astype(int) - SKIN_RGB) < 12, axis=2)
    cx = int(np.nonzero(skin)[1].mean())
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    return anime_face.face_layout(anime_face.lab_of(photo), grey, (cx - 60, 40, 120, 120))


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The face finder, faked and counted: it finds the portrait wherever it is."""
    calls: list[int] = []

    def find(photo: np.ndarray, photo_lab: np.ndarray) -> list[anime_face.FaceLayout]:
        calls.append(1)
        return [layout_in(photo)]

    monkeypatch.setattr(face_track, "drawable_faces", find)
    return calls


def run(track: FaceTrack, photos: list[np.ndarray]) -> list[np.ndarray]:
    return [track(p[None], (255 - p)[None])[0] for p in photos]


def test_faces_are_looked_for_every_few_frames_and_move_with_the_picture(looks: list[int]) -> None:
    photos = [shifted(2 * k) for k in range(10)]
    track = FaceTrack(every=5)
    run(track, photos[:5])
    assert len(looks) == 1  # frame 0 only; frames 1-4 followed by the picture's motion
    moved = track.tracks[0].layout.centre[0] - layout_in(photos[0]).centre[0]
    assert moved == pytest.approx(8.0, abs=1.5)  # 4 frames x 2 px
    run(track, photos[5:])
    assert len(looks) == 2


def test_a_new_find_is_glided_to_not_jumped_to(looks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    photo = shifted(0)
    track = FaceTrack(every=1, smoothing=0.0, glide=0.25)
    run(track, [photo])
    start = track.tracks[0].layout.centre[0]
    far = anime_face.moved(layout_in(photo), 12.0, 0.0)  # the next find says 12 px further right
    monkeypatch.setattr(face_track, "drawable_faces", lambda p, lab: [far])
    steps = []
    for _ in range(4):
        run(track, [photo])
        steps.append(track.tracks[0].layout.centre[0] - start)
    assert 0 < steps[0] < 6 and all(b > a for a, b in zip(steps, steps[1:])) and steps[-1] < 12


def test_a_face_missed_by_a_look_or_two_is_held_then_let_go(looks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    photo = shifted(0)
    track = FaceTrack(every=1, patience=2)
    first = run(track, [photo])[0]
    assert not np.array_equal(first, 255 - photo)  # drawn
    monkeypatch.setattr(face_track, "drawable_faces", lambda p, lab: [])
    held = run(track, [photo, photo])
    assert all(not np.array_equal(out, 255 - photo) for out in held)  # two misses: still drawn
    assert np.array_equal(run(track, [photo])[0], 255 - photo)  # a third: gone
