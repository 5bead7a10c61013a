"""`vidanime convert` on images and folders."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import shared_data
from factories import frame_pattern, make_clip, read_frames

from vidanime.cli.app import run
from vidanime.images.io import read_image


def test_png_with_alpha_keeps_alpha(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rgb = frame_pattern(3, 37, 53)
    alpha = np.tile(np.arange(53, dtype=np.uint8) * 4, (37, 1))
    cv2.imwrite(str(tmp_path / "in.png"), np.dstack([rgb[..., ::-1], alpha]))
    assert run(["convert", str(tmp_path / "in.png"), "--style", str(neg_model), "-o", str(tmp_path / "out.png"), "-q"]) == 0
    out_rgb, out_alpha = read_image(tmp_path / "out.png")
    assert out_rgb.shape == rgb.shape
    np.testing.assert_array_equal(out_alpha, alpha)
    assert np.abs((255 - rgb.astype(int)) - out_rgb.astype(int)).max() <= 1


def test_jpeg_named_png_and_greyscale(tmp_path: Path, neg_model: Path) -> None:
    grey = frame_pattern(1, 40, 40)[..., 0]
    ok, buf = cv2.imencode(".jpg", grey)
    (tmp_path / "lies.png").write_bytes(buf.tobytes())
    assert run(["convert", str(tmp_path / "lies.png"), "--style", str(neg_model), "-q"]) == 0
    out, alpha = read_image(tmp_path / "lies_neg.png")
    assert out.shape == (40, 40, 3) and alpha is None


def test_folder_of_images_and_videos(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    cv2.imwrite(str(src / "one.jpg"), frame_pattern(0, 32, 48))
    make_clip(src / "sub" / "clip.mp4", n_frames=5, audio=None)
    (src / "readme.txt").write_text("not media, ignored")
    (src / "broken.mp4").write_text("not a video")
    code = run(["convert", str(src), "--style", str(neg_model), "-o", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 1 and "broken.mp4: not a readable media file" in err  # the bad file is named, the rest done
    assert (tmp_path / "out" / "one.jpg").is_file()
    assert len(read_frames(tmp_path / "out" / "sub" / "clip.mp4")[0]) == 5
    assert not (tmp_path / "out" / "readme.txt").exists()


def test_not_an_image(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.jpg").write_bytes(b"\x00" * 100)
    assert run(["convert", str(tmp_path / "x.jpg"), "--style", str(neg_model)]) == 1
    assert "not a readable image" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jpg"]


@pytest.mark.shared_data
def test_edge_case_photos_from_shared_data(tmp_path: Path, neg_model: Path) -> None:
    folder = shared_data("photos/edge-cases")
    files = sorted(p for p in folder.iterdir() if p.is_file())
    for src in files:
        before = src.read_bytes()
        dst = tmp_path / f"{src.stem}.png"
        assert run(["convert", str(src), "--style", str(neg_model), "-o", str(dst), "-q"]) == 0, src.name
        out, _ = read_image(dst)
        rgb, _ = read_image(src)
        assert out.shape == rgb.shape
        assert src.read_bytes() == before
        if "exif-orientation" in src.name:  # EXIF orientation applied: the picture stands upright
            h, w = out.shape[:2]
            assert (w > h) if "Landscape" in src.name else (h > w), src.name
