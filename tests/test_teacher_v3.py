"""The v3 teachers draw: texture out, flat fills, lines only on real borders, painted skies (cel v3),
and on the same machinery a painted Shinkai background (shinkai v3)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_style_quality import textured

pytest.importorskip("skimage")  # the training extra

from training.teacher.cel import to_lab  # noqa: E402
from training.teacher.cel_v3 import CRISP, FACES, PEOPLE, CelV3Params, cel_v3_shade, find_sky, l0_smooth, pen_strokes, short_strokes  # noqa: E402
from training.teacher.shinkai_v3 import CRISP as SHINKAI_CRISP  # noqa: E402
from training.teacher.shinkai_v3 import ShinkaiV3Params, shinkai_sky, shinkai_v3_shade  # noqa: E402


def scene(h: int = 200, w: int = 280, seed: int = 1) -> np.ndarray:
    """A blue sky over green textured ground, and a red house with a hard outline."""
    rng = np.random.default_rng(seed)
    y = np.mgrid[0:h, 0:w][0].astype(np.float32)
    img = np.zeros((h, w, 3), np.float32)
    img[:] = np.stack([150 + 0.3 * y, 170 + 0.3 * y, 205 + 0 * y], -1)  # a hazy photographed sky: a vertical gradient (RGB)
    img += rng.normal(0, 2.0, img.shape)  # sensor noise
    ground = slice(h // 2, h)
    img[ground] = (70, 130, 50)
    img[ground] += rng.normal(0, 18, img[ground].shape)  # grass texture
    img[70:150, 100:180] = (200, 40, 35)  # a house, straddling the horizon
    return np.clip(img, 0, 255).astype(np.uint8)


def test_l0_smoothing_keeps_steps_and_flattens_noise() -> None:
    rng = np.random.default_rng(0)
    x = np.zeros((64, 64, 1), np.float32)
    x[:, 32:] = 1.0
    noisy = x + rng.normal(0, 0.05, x.shape).astype(np.float32)
    out = l0_smooth(noisy, 0.02)
    assert out[:, 4:28].std() < 0.01 and out[:, 36:60].std() < 0.01  # flat fills
    assert abs(out[:, 36:60].mean() - out[:, 4:28].mean() - 1.0) < 0.1  # the step survives at full height


def test_texture_becomes_flat_fill_and_the_house_gets_an_outline() -> None:
    img = scene()
    out = cel_v3_shade(img, CelV3Params(sky=False))
    def texture(x: np.ndarray) -> float:
        x = x.astype(np.float32)
        return float(np.abs(x - cv2.GaussianBlur(x, (0, 0), 4)).mean())

    assert texture(out[160:190, 20:80]) < 0.2 * texture(img[160:190, 20:80])  # painted, not photographed
    lab = to_lab(out.astype(np.float32) / 255)
    border = lab[75:145, 97:104, 0].min(axis=1)  # across the house's left wall
    inside = lab[75:145, 130:150, 0].mean()
    assert np.median(border) < 0.6 * inside  # a dark line on the border
    line = lab[75:145, 97:104][np.arange(70), lab[75:145, 97:104, 0].argmin(axis=1)]
    assert np.median(np.hypot(line[:, 1], line[:, 2])) > 5  # ... in a hue of its own, not grey


def test_no_lines_in_texture() -> None:
    rng = np.random.default_rng(3)
    grass = np.clip(np.array((70, 130, 50), np.float32) + rng.normal(0, 18, (160, 200, 3)), 0, 255).astype(np.uint8)
    out = cel_v3_shade(grass, CelV3Params(sky=False))
    lab = to_lab(out.astype(np.float32) / 255)
    assert (lab[..., 0] < 0.6 * np.median(lab[..., 0])).mean() < 0.002  # no crack lines across the fill


def test_the_sky_is_repainted_as_a_clean_gradient() -> None:
    img = scene()
    out = cel_v3_shade(img)
    sky_in, sky_out = to_lab(img[5:60, 10:90].astype(np.float32) / 255), to_lab(out[5:60, 10:90].astype(np.float32) / 255)
    assert sky_out[..., 2].mean() < sky_in[..., 2].mean() - 3  # a bluer, painted blue
    rows = sky_out[..., 0].mean(axis=1, keepdims=True)
    assert np.abs(sky_out[..., 0] - rows).mean() < 0.3  # no noise left: every row one tone
    assert np.all(np.diff(cv2.GaussianBlur(rows, (1, 9), 0)[4:-4, 0]) > -0.2)  # and it brightens toward the horizon


@pytest.mark.parametrize("renderer", ["cel v3", "cel v3 crisp", "shinkai v3", "shinkai v3 crisp"])
def test_a_one_pixel_shift_moves_the_drawing_by_one_pixel(renderer: str) -> None:
    img = textured(200, 260)
    no_faces = {"face_lambda": CelV3Params().l0_lambda}  # no face detector in the loop
    shade, p = {
        "cel v3": (cel_v3_shade, CelV3Params(**no_faces)),
        "cel v3 crisp": (cel_v3_shade, dataclasses.replace(CRISP, **no_faces)),
        "shinkai v3": (shinkai_v3_shade, ShinkaiV3Params(**no_faces)),
        "shinkai v3 crisp": (shinkai_v3_shade, dataclasses.replace(SHINKAI_CRISP, **no_faces)),
    }[renderer]
    a = shade(img[:-1, :-1].copy(), p)
    b = shade(img[1:, 1:].copy(), p)
    diff = np.abs(a[12:-12, 12:-12].astype(int) - b[11:-13, 11:-13])  # away from the borders
    assert diff.mean() < 2.0 and np.percentile(diff, 95) <= 16


def test_short_strokes_are_dropped_long_ones_kept() -> None:
    mask = np.zeros((50, 80), bool)
    mask[10, 5:60] = True  # a long line
    mask[30:34, 30:34] = True  # a dot
    short = short_strokes(mask, 20)
    assert short[30:34, 30:34].all() and not short[10].any()



def test_pen_strokes_are_smooth_and_of_even_width() -> None:
    """A one-pixel circle (stairs of pixels, made wobbly) comes back as one even, round stroke."""
    edges = np.zeros((160, 160), np.uint8)
    angles = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    radius = 50 + np.where(np.arange(720) % 6 < 3, 0.6, -0.6)  # a one-pixel wobble every few pixels
    points = np.stack([80 + radius * np.cos(angles), 80 + radius * np.sin(angles)], 1)
    cv2.polylines(edges, [np.round(points).astype(np.int32)], True, 1, lineType=cv2.LINE_8)
    line = pen_strokes(edges > 0, width=1.6, smooth=2.5)
    y, x = np.mgrid[0:160, 0:160]
    sector = ((np.degrees(np.arctan2(y - 80, x - 80)) // 10).astype(int) + 18) % 36  # 36 sectors of 10 degrees
    ink = np.bincount(sector.ravel(), weights=line.ravel(), minlength=36)
    assert ink.std() / ink.mean() < 0.08  # as much ink in every direction: one width all round
    r = np.hypot(y - 80, x - 80)
    mean_radius = (r * line).sum() / line.sum()
    assert abs(mean_radius - 50) < 1.0 and line.sum() == pytest.approx(2 * np.pi * 50 * 1.6, rel=0.15)
    blurred = np.clip(cv2.GaussianBlur(edges.astype(np.float32), (0, 0), 0.8) * 3.5, 0, 1)  # the default line
    ink_blurred = np.bincount(sector.ravel(), weights=blurred.ravel(), minlength=36)
    assert ink_blurred.std() / ink_blurred.mean() > ink.std() / ink.mean()

# --- the shinkai v3 teacher: cel v3's machinery, painted -------------------------------------------


def lab_of(img: np.ndarray) -> np.ndarray:
    return to_lab(img.astype(np.float32) / 255)


def test_shinkai_paints_the_sky_deep_blue_above_and_pale_toward_the_horizon() -> None:
    img = scene()
    sky_in, sky_out = lab_of(img[3:95]), lab_of(shinkai_v3_shade(img)[3:95])
    assert sky_out[..., 2].mean() < sky_in[..., 2].mean() - 10  # a rich blue, not the photo's hazy one
    rows = sky_out[:, 10:90, 0].mean(axis=1)
    assert np.abs(sky_out[:, 10:90, 0] - rows[:, None]).mean() < 0.3  # painted: every row one tone
    assert np.all(np.diff(cv2.GaussianBlur(rows[:, None], (1, 9), 0)[4:-4, 0]) > 0)  # brighter all the way down
    assert rows[-1] - rows[0] > 20  # deep above, pale low down
    assert sky_out[:8, 10:90, 2].mean() < sky_out[-8:, 10:90, 2].mean() - 10  # and bluest at the top


def test_shinkai_paints_a_cloud_that_runs_off_the_side_white_with_a_soft_shade() -> None:
    img = scene()
    cv2.ellipse(img, (0, 45), (70, 22), 0, 0, 360, (238, 238, 240), -1)  # a cloud cut by the left edge: cel keeps it
    cv2.ellipse(img, (0, 58), (60, 9), 0, 0, 360, (200, 202, 210), -1)  # ... as drawn photo; its grey underside
    img = np.clip(img + np.random.default_rng(4).normal(0, 3, img.shape), 0, 255).astype(np.uint8)
    sky = shinkai_sky(lab_of(img), np.zeros(img.shape[:2], np.float32), [], ShinkaiV3Params())
    assert sky[40:62, 2:40].min() == 1 and sky[75:145, 105:175].max() == 0 and sky[110:].max() == 0  # cloud in, house and ground out
    out = lab_of(shinkai_v3_shade(img))
    top, under = out[30:45, 4:40], out[57:62, 4:40]
    assert top[..., 0].mean() > 88 and top[..., 0].std() < 2  # a flat, bright white shape
    assert top[..., 0].mean() - under[..., 0].mean() > 8 and under[..., 2].mean() < top[..., 2].mean() - 8  # shaded cool below


def test_shinkai_light_is_warm_and_its_shadows_cool() -> None:
    ramp = np.repeat(np.linspace(30, 230, 240, dtype=np.float32)[None, :, None], 160, axis=0)
    out = lab_of(shinkai_v3_shade(np.repeat(ramp, 3, axis=2).astype(np.uint8), ShinkaiV3Params(sky=False)))
    assert out[:, :40, 2].mean() < -2 and out[:, -40:, 2].mean() > 2  # a grey photo: teal-blue shadows, warm light


def test_shinkai_lifts_no_grey_haze() -> None:
    img = scene(seed=2)
    img[110:190, 20:60] = (20, 25, 20)  # a tree trunk in the shade
    hazy = (img.astype(np.float32) * 0.6 + 70).astype(np.uint8)  # ... seen through haze
    L_in, L_out = lab_of(hazy)[..., 0], lab_of(shinkai_v3_shade(hazy))[..., 0]
    assert np.percentile(L_in, 1) > 30  # the photo's darkest is a grey ...
    assert np.percentile(L_out, 1) < 20  # ... the painting's a rich dark


def test_shinkai_draws_fewer_lines_than_cel() -> None:
    img = scene(seed=3)

    def line_pixels(out: np.ndarray) -> int:
        L = lab_of(out)[..., 0]
        return int((L < 0.6 * cv2.GaussianBlur(L, (0, 0), 6)).sum())  # much darker than their neighbourhood

    cel = line_pixels(cel_v3_shade(img, CelV3Params(sky=False)))
    assert 0 < line_pixels(shinkai_v3_shade(img, ShinkaiV3Params(sky=False))) < 0.7 * cel


def test_shinkai_v3_is_a_registered_teacher_with_its_own_distill_recipe() -> None:
    from training.recipes import all_recipes
    from training.teacher import TEACHERS

    shade, params = TEACHERS["shinkai-v3"]()
    assert shade is shinkai_v3_shade and params == ShinkaiV3Params().as_dict() != CelV3Params().as_dict()
    recipe, cel = all_recipes()["shinkai-v3-distill"], all_recipes()["cel-v3-distill"]
    assert recipe.hyper_cls().teacher == "shinkai-v3" and recipe.generator_arch == cel.generator_arch


def test_pen_stroke_parameters_key_the_cache_only_when_pen_strokes_are_on() -> None:
    """Teacher pictures are cached under their parameters: an option that is off changes no picture,
    so it must not change the key either (pictures rendered before it existed stay valid)."""
    assert "ink_width" not in CelV3Params().as_dict() and "ink_width" not in ShinkaiV3Params().as_dict()
    assert CRISP.as_dict()["ink_width"] == CRISP.ink_width > 0 and "ink_smooth" in CRISP.as_dict()


def test_the_people_teacher_paints_no_sky_behind_a_close_up() -> None:
    """A portrait's bright, soft background is a backdrop: its bluish bits painted as sky left blue
    blots round a head. A face a fifth of the picture's width or more makes a close-up."""
    lab = lab_of(scene())
    width = lab.shape[1]
    assert find_sky(lab, PEOPLE).any() and find_sky(lab, PEOPLE, [(10, 60, width // 10, width // 10)]).any()  # a small face: a scene
    assert not find_sky(lab, PEOPLE, [(10, 60, width // 4, width // 4)]).any()
    assert find_sky(lab, FACES, [(10, 60, width // 4, width // 4)]).any()  # the faces teacher, as its caches were drawn


def test_teacher_renderings_are_cached_by_the_photos_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A photo copied elsewhere or touched (a fresh copy of the data) is not rendered again; a
    photo whose pixels changed is."""
    import os

    from training import teacher
    from training.teacher.pairs import render_pairs

    calls: list[tuple[int, ...]] = []

    def counted() -> tuple[object, dict[str, object]]:
        return (lambda image: calls.append(image.shape) or 255 - image), {"version": 1}

    monkeypatch.setitem(teacher.TEACHERS, "counted", counted)
    photo = tmp_path / "a" / "photo.png"
    photo.parent.mkdir()
    cv2.imwrite(str(photo), np.random.default_rng(0).integers(0, 256, (64, 80, 3), dtype=np.uint8))
    cache = tmp_path / "cache"
    first = render_pairs([photo], cache, teacher="counted", scales=(1.0,))
    assert len(calls) == 1
    moved = tmp_path / "b" / "photo.png"
    moved.parent.mkdir()
    moved.write_bytes(photo.read_bytes())
    os.utime(moved, ns=(1, 1))
    again = render_pairs([moved], cache, teacher="counted", scales=(1.0,))
    assert len(calls) == 1 and np.array_equal(first[1][0], again[1][0])
    cv2.imwrite(str(moved), np.zeros((64, 80, 3), np.uint8))
    render_pairs([moved], cache, teacher="counted", scales=(1.0,))
    assert len(calls) == 2
