"""``--faces draw``: each face found in a picture is drawn the anime way on the stylised picture
(pictures only), through the CLI and the Python API; the rest of the picture keeps its pixels."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import pytest
from factories import FACE_BOX, make_clip, portrait

from vidanime import anime_face
from vidanime.api import Stylizer
from vidanime.cli.app import run
from vidanime.errors import UsageError
from vidanime.images.io import read_image, write_image

EYES = ((96.0, 90.0), (144.0, 90.0))  # the dark eyes ``portrait`` paints


@pytest.fixture
def found_face(monkeypatch: pytest.MonkeyPatch) -> None:
    """The face and eye detectors, faked: the portrait's face and both its eyes are found."""
    from vidanime.quality import faces

    monkeypatch.setattr(faces, "available", lambda: True)
    monkeypatch.setattr(faces, "detect", lambda rgb, min_neighbours=8: [FACE_BOX])
    monkeypatch.setattr(anime_face, "found_eye_pair", lambda grey, box: EYES)


def convert(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = run(["convert", *map(str, args), "--quiet"])
    return code, capsys.readouterr().err


def test_faces_draw_paints_eyes_on_the_face_and_leaves_the_rest(
    tmp_path: Path, neg_model: Path, found_face: None, capsys: pytest.CaptureFixture[str]
) -> None:
    write_image(tmp_path / "p.png", portrait())
    for mode in ("keep", "draw"):
        code, err = convert(capsys, tmp_path / "p.png", "--style", neg_model, "-o", tmp_path / f"{mode}.png", "--faces", mode)
        assert code == 0, err
    keep, draw = (read_image(tmp_path / f"{m}.png")[0].astype(int) for m in ("keep", "draw"))
    assert np.array_equal(keep, 255 - portrait())  # --faces keep: the model's picture
    changed = np.any(keep != draw, axis=2)
    x, y, w, h = FACE_BOX
    rows, cols = np.nonzero(changed)
    assert rows.min() >= y and rows.max() < y + 1.2 * h and cols.min() >= x and cols.max() < x + w  # the face's oval only
    for ex, ey in EYES:  # the negative's light grey eye becomes a drawn one: a near-black pupil, white beside it
        window = (slice(int(ey) - 4, int(ey) + 5), slice(int(ex) - 16, int(ex) + 17))
        assert draw[window].max(axis=2).min() < 60 and draw[window].min(axis=2).max() > 235
        assert keep[window].max(axis=2).min() > 90 and keep[window].min(axis=2).max() < 215


def test_faces_draw_through_the_python_api_matches_the_cli(tmp_path: Path, neg_model: Path, found_face: None, capsys: pytest.CaptureFixture[str]) -> None:
    write_image(tmp_path / "p.png", portrait())
    assert convert(capsys, tmp_path / "p.png", "--style", neg_model, "-o", tmp_path / "cli.png", "--faces", "draw")[0] == 0
    drawn = Stylizer(str(neg_model), faces="draw").stylize(portrait())
    assert np.array_equal(drawn, read_image(tmp_path / "cli.png")[0])
    assert np.array_equal(Stylizer(str(neg_model)).stylize(portrait()), 255 - portrait())


def test_a_picture_without_a_face_is_the_models_own(neg_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vidanime.quality import faces

    monkeypatch.setattr(faces, "available", lambda: True)
    monkeypatch.setattr(faces, "detect", lambda rgb, min_neighbours=8: [])
    assert np.array_equal(Stylizer(str(neg_model), faces="draw").stylize(portrait()), 255 - portrait())


def test_faces_draw_is_refused_for_video_and_a_bad_value_names_the_choices(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = make_clip(tmp_path / "a.mp4", n_frames=4)
    code, err = convert(capsys, clip, "--style", neg_model, "-o", tmp_path / "o.mp4", "--faces", "draw")
    assert code == 2 and "pictures" in err and not (tmp_path / "o.mp4").exists()
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    write_image(tmp_path / "p.png", portrait())
    code, err = convert(capsys, tmp_path / "p.png", "--style", neg_model, "-o", tmp_path / "x.png", "--faces", "smile")
    assert code == 2 and "keep or draw" in err and not (tmp_path / "x.png").exists()
    with pytest.raises(UsageError, match="pictures"):
        Stylizer(str(neg_model), kind="video", faces="draw")


def draw_on_negative(photo: np.ndarray) -> np.ndarray:
    return anime_face.draw_faces_on(photo, 255 - photo)


def test_glasses_or_hair_round_an_eye_make_a_face_unrecognisable_when_drawn() -> None:
    """Drawn eyes over glasses lose the glasses, an eye drawn on a fringe is worse than a soft one, and
    upright pen shapes sit askew on a tilted head."""
    photo = portrait()
    layout = anime_face.face_layout(anime_face.lab_of(photo), cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), FACE_BOX)
    assert anime_face.recognisable_after_drawing(anime_face.lab_of(photo), layout)
    glasses = photo.copy()
    glasses[84:96, 110:131] = 20
    glasses[84:96:3, 110:131] = 200  # a bridge and rim edges: many edges across the nose
    assert anime_face.bridge_edges(anime_face.lab_of(glasses), layout) > anime_face.BRIDGE_EDGES
    assert not anime_face.recognisable_after_drawing(anime_face.lab_of(glasses), layout)
    fringe = photo.copy()
    fringe[70:100, 125:175] = (25, 22, 24)  # black hair round the right eye, the cheek below it bare
    assert anime_face.eye_surroundings_skin(anime_face.lab_of(fringe), layout) < anime_face.EYE_SKIN
    assert not anime_face.recognisable_after_drawing(anime_face.lab_of(fringe), layout)
    (lx, ly), (rx, ry) = layout.eyes
    tilted = replace(layout, eyes=((lx, ly - 6.0), (rx, ry + 6.0)))  # 12 px on a 120 px face: a head on one side
    assert not anime_face.recognisable_after_drawing(anime_face.lab_of(photo), tilted)


def test_a_face_it_would_not_recognise_keeps_the_models_face(found_face: None, monkeypatch: pytest.MonkeyPatch) -> None:
    photo = portrait()
    monkeypatch.setattr(anime_face, "recognisable_after_drawing", lambda photo_lab, layout: False)
    assert np.array_equal(draw_on_negative(photo), 255 - photo)


def test_drawing_keeps_the_complexion_the_mouth_and_a_grey_eyes_colour(found_face: None) -> None:
    """What judges named when the drawn face was not the person: skin made lighter, a smile wiped
    out, blue-grey eyes turned brown."""
    photo = portrait()
    for cx in (96, 144):
        cv2.ellipse(photo, (cx, 90), (11, 5), 0, 0, 360, (62, 55, 50), -1)  # dark grey eyes, warmed by lashes and shadow
    styled = (photo * 0.45).astype(np.uint8)  # a dark complexion, as the model painted it
    drawn = anime_face.draw_faces_on(photo, styled)
    cheek = (slice(112, 135), slice(85, 110))
    assert abs(int(np.median(drawn[cheek].mean(axis=2))) - int(np.median(styled[cheek].mean(axis=2)))) <= 8
    mouth = (slice(147, 154), slice(108, 133))  # the lip line the portrait has, and the skin round it
    assert np.abs(drawn[mouth].astype(int) - styled[mouth]).max() <= 10  # its own mouth (a flat fill and a line: 60 levels off)
    lab = anime_face.lab_of(drawn)
    (ix, iy), = [EYES[0]]
    iris = lab[int(iy) - 5 : int(iy) + 6, int(ix) - 5 : int(ix) + 6].reshape(-1, 3)
    coloured = iris[(iris[:, 0] > 20) & (iris[:, 0] < 60)]  # the iris ring, not the pupil or the glint
    assert len(coloured) and np.median(coloured[:, 2]) < 0  # slate (b* < 0), not the brown a deepened warm grey gives


def test_a_squint_is_drawn_as_a_narrower_eye(found_face: None) -> None:
    """Judges: "opens the laughing squint". The drawn eye is as open as the photo's."""
    open_eyes, squint = portrait(), portrait()
    for cx in (96, 144):  # the portrait's eyes are 10 px tall; a squint is a 3 px slit
        cv2.ellipse(squint, (cx, 90), (11, 5), 0, 0, 360, (225, 180, 150), -1)
        cv2.ellipse(squint, (cx, 90), (11, 1), 0, 0, 360, (60, 40, 30), -1)

    def white_rows(photo: np.ndarray) -> int:  # rows of the drawn sclera through the left eye
        drawn = draw_on_negative(photo)
        column = drawn[70:110, 96 + 7].min(axis=1)  # beside the iris
        return int((column > 235).sum())

    layout = anime_face.face_layout(anime_face.lab_of(squint), cv2.cvtColor(squint, cv2.COLOR_RGB2GRAY), FACE_BOX)
    assert max(layout.openness) < 0.6
    assert white_rows(squint) < 0.7 * white_rows(open_eyes)


def test_in_a_folder_the_pictures_get_drawn_faces_and_a_video_says_why_its_do_not(
    tmp_path: Path, neg_model: Path, found_face: None, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    write_image(folder / "p.png", portrait())
    make_clip(folder / "c.mp4", n_frames=4)
    code, err = convert(capsys, folder, "--style", neg_model, "-o", tmp_path / "out", "--faces", "draw")
    assert code == 0, err
    assert not np.array_equal(read_image(tmp_path / "out" / "p.png")[0], 255 - portrait())  # drawn
    assert (tmp_path / "out" / "c.mp4").exists() and "c.mp4: --faces draw works on pictures" in err


@pytest.mark.parametrize("width", [None, 1.5, 6.0])
def test_a_shape_stamped_in_its_own_box_is_the_shape_stamped_on_the_whole_picture(width: float | None) -> None:
    shape = (97, 131)
    for centre, axes, angles in (((40.3, 50.7), (12.6, 7.2), (0, 360)), ((2.5, 95.1), (20.0, 9.0), (180, 300)), ((129.9, 3.2), (30.4, 18.8), (0, 360))):
        def whole_picture(c: np.ndarray, s: Callable[[float], int], centre: tuple[float, float] = centre, axes: tuple[float, float] = axes,
                          angles: tuple[int, int] = angles) -> None:
            cv2.ellipse(c, (s(centre[0]), s(centre[1])), (s(axes[0]), s(axes[1])), 0, angles[0], angles[1], 255, -1 if width is None else s(width), cv2.LINE_8)

        whole = anime_face.stamp(shape, whole_picture)
        boxed = anime_face.ellipse(shape, centre, axes, angles, width)
        assert whole.max() > 0.9 and np.array_equal(boxed, whole)  # the edge pixels' anti-aliasing included


def test_a_wide_blur_of_a_large_face_agrees_with_the_exact_one() -> None:
    shape = (1600, 1200)
    mask = anime_face.ellipse(shape, (600.0, 800.0), (430.0, 550.0))
    small = anime_face.ellipse((200, 150), (75.0, 100.0), (40.0, 50.0))
    assert np.array_equal(anime_face.blurred(small, 3.0), cv2.GaussianBlur(small, (0, 0), 3.0))  # a face of an ordinary picture: exact
    wide = 0.03 * 1200  # the oval's feather on a face 1,200 px wide
    assert np.abs(anime_face.blurred(mask, wide) - cv2.GaussianBlur(mask, (0, 0), wide)).max() < 0.01
