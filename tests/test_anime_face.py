"""The v3 teacher draws detected faces the anime way: two flat skin tones, drawn eyes (white sclera,
dark pupil, catch-light), no traced line across the face, and nothing drawn on a false detection."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from factories import FACE_BOX as BOX
from factories import portrait

pytest.importorskip("skimage")  # the training extra

from training.data.filters import to_float  # noqa: E402
from training.teacher import TEACHERS  # noqa: E402
from training.teacher.cel import to_lab  # noqa: E402
from training.teacher.cel_v3 import CRISP, FACES, cel_v3_shade  # noqa: E402
from vidanime import anime_face  # noqa: E402
from vidanime.anime_face import FaceLayout, anime_faces, eye_pair, face_boxes, find_faces, is_open, oval, skin_share  # noqa: E402


def layout() -> FaceLayout:
    return FaceLayout(unit=120.0, centre=(120.0, 105.0), eyes=((96.0, 90.0), (144.0, 90.0)), brows=(75.0, 75.0),
                      nose=(120.0, 119.0), mouth=(120.0, 150.0))


@pytest.fixture
def one_face(monkeypatch: pytest.MonkeyPatch) -> None:
    """The frontal-face detector, faked: it reports BOX on any picture."""
    from vidanime.quality import faces

    monkeypatch.setattr(faces, "available", lambda: True)
    monkeypatch.setattr(faces, "detect", lambda rgb, min_neighbours=8: [BOX])


def test_drawn_eyes_have_a_white_sclera_a_dark_pupil_and_a_catch_light() -> None:
    lab = to_lab(to_float(portrait()))
    out = anime_faces(lab, lab, [layout()])
    for ix, iy in layout().eyes:
        assert out[int(iy) + 1, int(ix), 0] < 20  # the pupil, near black
        assert out[int(iy), int(ix) + 9, 0] > 85  # sclera beside the iris
        glint = out[int(iy - 0.02 * 120) - 1 : int(iy - 0.02 * 120) + 2, int(ix - 0.016 * 120) - 1 : int(ix - 0.016 * 120) + 2, 0]
        assert glint.max() > 90  # a catch-light inside the dark iris
    far = np.ones(lab.shape[:2], bool)
    far[:, 40:200] = False
    assert np.allclose(out[far], lab[far])  # nothing outside the face changes


def test_skin_becomes_two_flat_tones() -> None:
    lab = to_lab(to_float(portrait()))
    out = anime_faces(lab, lab, [layout()])
    cheeks = out[112:135, 85:110, 0], out[115:140, 128:150, 0]  # lit cheek, shadowed cheek
    assert all(c.std() < 1.0 for c in cheeks)  # flat, the sensor noise gone
    assert cheeks[0].mean() - cheeks[1].mean() > 8  # and two tones, lit above shadow


def test_a_detection_on_something_without_skin_is_not_a_face() -> None:
    skin = portrait()
    wall = np.full_like(skin, (110, 130, 170))  # a blue-grey train roof
    assert len(find_faces(skin, to_lab(to_float(skin)), [BOX])) == 1
    assert find_faces(wall, to_lab(to_float(wall)), [BOX]) == []
    assert skin_share(to_lab(to_float(wall)), oval(wall.shape[:2], layout())) == 0.0


def test_a_pale_cool_cast_face_counts_its_own_colour_as_skin_and_a_wall_still_does_not() -> None:
    """A washed-out selfie under a cool light falls outside the fixed skin colours; with ``own_skin``
    (the runtime's drawing) its own colour counts, and a blue-grey wall is still no face."""
    cast = portrait().astype(np.float32)
    cast = np.clip(0.35 * cast + 0.65 * np.array([215, 215, 235]), 0, 255).astype(np.uint8)  # pale and cool: skin at b* 0.7
    lab = to_lab(to_float(cast))
    assert find_faces(cast, lab, [BOX]) == []  # the fixed range does not see skin
    assert len(find_faces(cast, lab, [BOX], own_skin=True)) == 1
    assert anime_face.own_skin_colour(lab, layout()) is not None
    wall = np.full_like(cast, (110, 130, 170))
    assert anime_face.own_skin_colour(to_lab(to_float(wall)), layout()) is None
    assert find_faces(wall, to_lab(to_float(wall)), [BOX], own_skin=True) == []


def test_hair_over_an_eye_leaves_the_face_to_the_tracer() -> None:
    """A drawn eye in the wrong place is worse than a traced one: no skin under an eye, no drawing."""
    photo = portrait()
    photo[80:120, 130:175] = (40, 30, 25)  # dark hair over the right eye and its cheek
    assert find_faces(photo, to_lab(to_float(photo)), [BOX]) == []


def test_an_open_mouth_gets_no_line_over_it() -> None:
    closed, opened = portrait(), portrait()
    cv2.ellipse(opened, (120, 150), (20, 9), 0, 0, 360, (50, 20, 20), -1)  # the dark inside of an open mouth
    assert not is_open(to_lab(to_float(closed)), 120.0, 150.0, 120.0)
    assert is_open(to_lab(to_float(opened)), 120.0, 150.0, 120.0)


def test_without_an_eye_pair_the_eyes_go_where_a_frontal_face_has_them() -> None:
    grey = np.full((200, 200), 128, np.uint8)
    (lx, ly), (rx, ry) = eye_pair(grey, (50, 50, 100, 100))
    assert (lx, ly, rx, ry) == (80.0, 90.0, 120.0, 90.0)


def test_no_traced_line_crosses_a_drawn_face(one_face: None) -> None:
    """The cheek's shadow edge is traced by the crisp teacher; the faces teacher draws the face instead."""
    photo = portrait()
    shadow_edge = (slice(124, 144), slice(118, 123))  # the shadow's left border on the cheek, nose to mouth
    crisp, faces = (to_lab(to_float(cel_v3_shade(photo, p)))[..., 0] for p in (CRISP, FACES))
    assert crisp[shadow_edge].min() < 50  # a dark line through the skin (L 75-90)
    assert faces[shadow_edge].min() > 70


@pytest.mark.parametrize("style", ["cel", "shinkai"])
def test_both_faces_teachers_draw_the_eyes(one_face: None, style: str) -> None:
    """Inside each of the photo's dark eyes the faces teacher paints a white (sclera, catch-light);
    the crisp one keeps the dark blot."""
    photo = portrait()
    crisp, faces = (to_lab(to_float(TEACHERS[f"{style}-v3-{kind}"]()[0](photo)))[..., 0] for kind in ("crisp", "faces"))
    for cx in (96, 144):
        eye = (slice(88, 93), slice(cx - 9, cx + 10))  # the photo's eye: an 11 x 5 dark ellipse at row 90
        assert faces[eye].max() > 90 and crisp[eye].max() < 30


@pytest.mark.parametrize(("faces", "crisp"), [("cel-v3-faces", "cel-v3-crisp"), ("shinkai-v3-faces", "shinkai-v3-crisp")])
def test_the_faces_teachers_are_the_crisp_ones_with_faces_drawn(faces: str, crisp: str) -> None:
    """Their caches are keyed apart, and a cache rendered without faces keeps its key."""
    _, with_faces = TEACHERS[faces]()
    _, without = TEACHERS[crisp]()
    assert with_faces["draw_faces"] is True and "draw_faces" not in without
    assert {k: v for k, v in with_faces.items() if k != "draw_faces"} == without


@pytest.fixture
def missed_face(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A detector whose strict pass (8 neighbours) misses the face that its lenient pass (3) finds,
    with a second lenient find on the same face; returns the neighbour counts it was asked for."""
    from vidanime.quality import faces

    asked: list[int] = []

    def detect(rgb: np.ndarray, min_neighbours: int = 8) -> list[tuple[int, int, int, int]]:
        asked.append(min_neighbours)
        scale = rgb.shape[1] / 240  # the lenient pass may search an enlarged picture
        return [] if min_neighbours >= 8 else [tuple(round(v * scale) for v in b) for b in (BOX, (64, 44, 110, 110))]

    monkeypatch.setattr(faces, "available", lambda: True)
    monkeypatch.setattr(faces, "detect", detect)
    return asked


def test_more_faces_adds_a_lenient_find_only_with_a_pair_of_eyes(missed_face: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    photo = portrait()
    monkeypatch.setattr(anime_face, "found_eye_pair", lambda grey, box: ((96.0, 90.0), (144.0, 90.0)))
    assert face_boxes(photo) == []  # the strict pass alone: the guards' detector
    assert face_boxes(photo, more=True) == [BOX]  # one face, though found twice, in the photo's pixels
    assert 3 in missed_face
    monkeypatch.setattr(anime_face, "found_eye_pair", lambda grey, box: None)  # no eyes: a false face
    assert face_boxes(photo, more=True) == []


def test_the_people_teacher_draws_a_face_the_faces_teacher_misses(missed_face: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    photo = portrait()
    monkeypatch.setattr(anime_face, "found_eye_pair", lambda grey, box: ((96.0, 90.0), (144.0, 90.0)))
    faces, people = (to_lab(to_float(TEACHERS[name]()[0](photo)))[..., 0] for name in ("cel-v3-faces", "cel-v3-people"))
    for cx in (96, 144):
        eye = (slice(88, 93), slice(cx - 9, cx + 10))
        assert people[eye].max() > 90 and faces[eye].max() < 30  # a drawn sclera against the traced blot
    _, params = TEACHERS["cel-v3-people"]()
    assert params["more_faces"] is True and "more_faces" not in TEACHERS["cel-v3-faces"]()[1]
