"""The style figures of `vidanime eval style`: each definition checked on pictures whose answer
is known, and the command end to end."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import shared_data

from vidanime.cli.app import run
from vidanime.images.io import read_image, write_image
from vidanime.quality import faces
from vidanime.quality.style import V2_TARGETS, check_targets, false_contour_share, luma, specks_per_mp, ssim, style_figures


def textured(h: int = 240, w: int = 320, seed: int = 0) -> np.ndarray:
    """A photo-like picture: smooth gradient, blocks with edges, fine noise texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([x / w * 200 + 20, y / h * 150 + 40, 120 + 0 * x], -1)
    img[60:160, 80:200] = (200, 60, 40)
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def test_identity_keeps_every_ratio_at_one() -> None:
    photo = textured()
    f = style_figures(photo, photo)
    assert f.fine_detail == pytest.approx(1.0) and f.strong_edges == pytest.approx(1.0)
    assert f.black_lift == 0 and f.false_contours_pct == 0


def test_blur_loses_detail_and_edges() -> None:
    photo = textured()
    f = style_figures(photo, cv2.GaussianBlur(photo, (0, 0), 2.5))
    assert f.fine_detail < 0.5 and f.strong_edges < 0.8


def test_black_lift_is_the_first_percentile_shift() -> None:
    photo = textured()
    lifted = np.clip(photo.astype(int) + 20, 0, 255).astype(np.uint8)
    assert style_figures(photo, lifted).black_lift == pytest.approx(20, abs=1)


def test_specks_count_small_dark_components_per_megapixel() -> None:
    grey = np.full((1000, 1000), 200, np.float32)
    for i in range(30):  # 30 dots of 2x2 px, and one large dark block that is no speck
        grey[20 + 30 * i : 22 + 30 * i, 500:502] = 10
    grey[100:200, 100:200] = 10
    assert specks_per_mp(grey) == pytest.approx(30)


def test_banding_a_smooth_gradient_is_a_false_contour() -> None:
    ramp = np.tile(np.linspace(40, 200, 768, dtype=np.float32), (300, 1))
    banded = np.floor(ramp / 32) * 32
    assert false_contour_share(ramp, ramp) == 0
    assert false_contour_share(ramp, banded) > 0.01


def test_targets_are_judged_both_ways() -> None:
    good = check_targets({"ssim_to_photo": 0.7, "strong_edges": 0.7, "specks_per_mp": 100, "false_contours_pct": 0.05, "black_lift": -3})
    bad = check_targets({"ssim_to_photo": 0.95, "strong_edges": 0.5, "specks_per_mp": 900, "false_contours_pct": 0.05, "black_lift": 12})
    assert all(t["met"] for t in good.values()) and len(good) == 5
    assert [k for k, t in bad.items() if not t["met"]] == ["ssim_to_photo", "strong_edges", "specks_per_mp", "black_lift_abs"]
    v2 = check_targets({"fine_detail": 0.6, "strong_edges": 0.9}, V2_TARGETS)  # the light look's own targets
    assert [k for k, t in v2.items() if not t["met"]] == ["fine_detail"]


def test_ssim_is_one_for_the_photo_and_falls_as_it_is_redrawn() -> None:
    grey = luma(textured())
    assert ssim(grey, grey) == pytest.approx(1.0)
    flat = cv2.GaussianBlur(grey, (0, 0), 3)
    assert 0.2 < ssim(grey, flat) < 0.9 and ssim(grey, flat) > ssim(grey, np.full_like(grey, grey.mean()))


def test_eval_style_command_writes_json_and_grid(tmp_path: Path) -> None:
    photos, outs = tmp_path / "photos", tmp_path / "outs"
    photos.mkdir(), outs.mkdir()
    for i in range(3):
        img = textured(seed=i)
        write_image(photos / f"p{i}.jpg", img)
        write_image(outs / f"p{i}_cel.png", cv2.GaussianBlur(img, (0, 0), 2.0))  # convert's naming
    assert run(["eval", "style", str(photos), str(outs), "--json", str(tmp_path / "r.json"), "--grid", str(tmp_path / "g.png")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["images"] == 3 and len(report["per_image"]) == 3
    assert report["targets"]["strong_edges"]["met"] is False  # blur is mush: caught
    assert all(0 < row["ssim_to_photo"] < 1 for row in report["per_image"])
    grid = read_image(tmp_path / "g.png")[0]
    assert grid.shape[1] == 2 * 360 + 4 and grid.shape[0] > 3 * 200


def test_eval_style_mismatched_names_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    write_image(tmp_path / "a" / "x.png", textured())
    write_image(tmp_path / "b" / "y.png", textured())
    assert run(["eval", "style", str(tmp_path / "a"), str(tmp_path / "b")]) == 1
    assert "matches" in capsys.readouterr().err


@pytest.mark.shared_data
def test_face_detector_sees_faces_in_portraits_and_not_in_grey() -> None:
    if not faces.available():
        pytest.skip("OpenCV's Haar cascade is absent (OpenCV 5 dropped it)")
    folder = shared_data("photos-open")
    rows = [line.split("\t") for line in (folder / "MANIFEST.tsv").read_text().splitlines()[1:]]
    portraits = [folder / r[0] for r in rows if r[-1] == "portrait"][:8]
    found = [(faces.faces_kept(img, img), faces.faces_kept(img, np.full_like(img, 128))) for img in (read_image(p)[0] for p in portraits)]
    assert sum(same[0] for same, _ in found) >= 4  # the detector finds faces in portraits
    assert all(same[0] == same[1] for same, _ in found)  # an unchanged picture keeps every face
    assert sum(grey[1] for _, grey in found) == 0  # a blank one keeps none
