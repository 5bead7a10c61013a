"""The Python API (``vidanime.convert``, ``vidanime.Stylizer``, ``vidanime.list_styles``): each on
a real conversion, its checks giving the CLI's errors, and docs/api.md's example run as written."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from factories import frame_pattern, make_clip, read_frames

import vidanime
from vidanime.cli.app import run
from vidanime.images.io import read_image
from vidanime.styles.registry import user_styles_dir

ROOT = Path(__file__).resolve().parents[1]


def test_import_vidanime_loads_no_heavy_module() -> None:
    code = "import sys, vidanime; print(json.dumps(sorted(m for m in ('torch', 'numpy', 'onnxruntime', 'av', 'openvino') if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", "import json; " + code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []
    assert {"convert", "Stylizer", "list_styles", "VidanimeError"} <= set(dir(vidanime))


def test_convert_a_clip_with_progress(tmp_path: Path, neg_model: Path) -> None:
    src = make_clip(tmp_path / "clip.mp4", n_frames=10, audio=None)
    seen: list[vidanime.Progress] = []
    outcome = vidanime.convert(src, tmp_path / "out.mp4", str(neg_model), progress=seen.append, temporal="off", preset="ultrafast")
    assert outcome.outputs == [tmp_path / "out.mp4"] and not outcome.failed
    _, frames_in, _ = read_frames(src)
    _, frames_out, _ = read_frames(tmp_path / "out.mp4")
    assert len(frames_out) == len(frames_in) == outcome.results[0].frames == 10
    assert np.abs((255 - frames_in[4].astype(int)) - frames_out[4].astype(int)).mean() < 4  # the negative, after two encodes
    assert [p.done for p in seen][0] == 0 and seen[-1].done == 10 and seen[-1].total == 10
    assert all(a.done < b.done for a, b in zip(seen, seen[1:])) and {p.name for p in seen} == {"clip.mp4"}


def test_convert_a_picture_and_a_folder(tmp_path: Path, neg_model: Path) -> None:
    rgb = frame_pattern(2, 37, 53)
    (tmp_path / "in").mkdir()
    cv2.imwrite(str(tmp_path / "in" / "a.png"), rgb[..., ::-1])
    seen: list[tuple[str, int, int | None]] = []
    outcome = vidanime.convert(tmp_path / "in" / "a.png", str(tmp_path / "a_neg.png"), style=str(neg_model), progress=lambda p: seen.append((p.name, p.done, p.total)))
    assert seen == [("a.png", 0, 1), ("a.png", 1, 1)]
    np.testing.assert_array_equal(read_image(outcome.outputs[0])[0], 255 - rgb)
    make_clip(tmp_path / "in" / "b.mp4", n_frames=3, audio=None)
    folder = vidanime.convert(tmp_path / "in", tmp_path / "out", str(neg_model))
    assert sorted(p.name for p in folder.outputs) == ["a.png", "b.mp4"] and all(p.is_file() for p in folder.outputs)


def test_a_callback_that_raises_stops_with_no_partial_output(tmp_path: Path, neg_model: Path) -> None:
    src = make_clip(tmp_path / "clip.mp4", n_frames=12, audio=None)

    def stop_at_five(p: vidanime.Progress) -> None:
        if p.done >= 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        vidanime.convert(src, tmp_path / "out.mp4", str(neg_model), progress=stop_at_five)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


def test_stylizer_frame_and_batch_agree(neg_model: Path) -> None:
    stylizer = vidanime.Stylizer(str(neg_model))
    batch = np.stack([frame_pattern(i, 37, 53) for i in range(3)])
    out = stylizer.stylize(batch)
    assert out.shape == batch.shape and out.dtype == np.uint8
    for i in range(3):
        np.testing.assert_array_equal(stylizer.stylize(batch[i]), out[i])
    np.testing.assert_array_equal(out, 255 - batch)
    assert stylizer.style == "neg" and stylizer.device.startswith("cpu")
    with pytest.raises(ValueError, match=r"uint8 RGB frames"):
        stylizer.stylize(batch.astype(np.float32))


def test_stylizer_resolution_is_the_clis(neg_model: Path) -> None:
    frame = frame_pattern(1, 120, 160)
    small = vidanime.Stylizer(str(neg_model), resolution=60, keep_processing_size=True).stylize(frame)
    assert small.shape == (60, 80, 3)
    with pytest.raises(ValueError, match="kind"):
        vidanime.Stylizer(str(neg_model), kind="movie")  # type: ignore[arg-type]


def test_list_styles_with_a_user_style(neg_model: Path) -> None:
    folder = user_styles_dir()
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(neg_model, folder / "mine.onnx")
    (folder / "mine.json").write_text(json.dumps({"license": "CC-BY-NC-4.0, from a friend"}), encoding="utf-8")
    found = vidanime.list_styles()
    assert found[0].name == "cel" and found[0].default and found[0].source == "bundled" and found[0].licence == "MIT"
    mine = next(s for s in found if s.name == "mine")
    assert (mine.source, mine.licence, mine.licence_text, mine.path) == ("user", "CC-BY-NC-4.0", "CC-BY-NC-4.0, from a friend", folder / "mine.onnx")
    assert vidanime.Stylizer("mine").stylize(np.zeros((8, 8, 3), np.uint8)).min() == 255  # the name works as style=


def test_unknown_option_names_the_valid_ones(tmp_path: Path, neg_model: Path) -> None:
    with pytest.raises(TypeError, match=r"unknown option qualty; valid options: .*quality.*temporal"):
        vidanime.convert(neg_model, tmp_path / "x.png", qualty="fast")
    with pytest.raises(TypeError, match=r"unknown option temporal; valid options: backend, bgr, device"):
        vidanime.Stylizer(str(neg_model), temporal="ema")
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(
    "option, flag",
    [({"quality": "ultra"}, ["--quality", "ultra"]), ({"start": "ten"}, ["--start", "ten"]), ({"end": 3, "duration": 1}, ["--end", "3", "--duration", "1"]),
     ({"temporal": "blur"}, ["--temporal", "blur"]), ({"layout": "CHW"}, ["--layout", "CHW"]), ({"batch_size": 0}, ["-b", "0"])],
)  # fmt: skip
def test_a_bad_value_is_the_clis_error(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str], option: dict, flag: list[str]) -> None:
    src = make_clip(tmp_path / "clip.mp4", n_frames=2, audio=None)
    with pytest.raises(vidanime.UsageError) as caught:
        vidanime.convert(src, tmp_path / "out.mp4", str(neg_model), **option)
    assert run(["convert", str(src), "-s", str(neg_model), "-o", str(tmp_path / "out.mp4"), *flag]) == 2
    assert capsys.readouterr().err.strip() == f"error: {caught.value}"
    assert not (tmp_path / "out.mp4").exists()


def test_a_value_of_the_wrong_kind_is_one_usage_error(tmp_path: Path, neg_model: Path) -> None:
    with pytest.raises(vidanime.UsageError, match=r"^resolution takes a whole number or None, not 'big'$"):
        vidanime.convert(neg_model, resolution="big")
    with pytest.raises(vidanime.UsageError, match=r"^keep_audio takes True or False, not 1$"):
        vidanime.convert(neg_model, keep_audio=1)
    with pytest.raises(vidanime.VidanimeError, match="input not found"):
        vidanime.convert(tmp_path / "none.mp4")


def doc_example() -> str:
    """The first Python block of docs/api.md."""
    found = re.search(r"```python\n(.*?)```", (ROOT / "docs" / "api.md").read_text(encoding="utf-8"), re.S)
    assert found, "docs/api.md has no python code block"
    return found.group(1)


def test_the_docs_example_runs_as_written(tmp_path: Path) -> None:
    make_clip(tmp_path / "clip.mp4", n_frames=6, audio=None)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", doc_example()], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "clip_cel.mp4").is_file() and len(read_frames(tmp_path / "clip_cel.mp4")[1]) == 6
    assert "clip.mp4: 6/6" in done.stdout and "cel MIT" in done.stdout
