"""The anchors' options and a video tool's habits: part of a clip, another frame rate, side by
side, strength, pipes, network streams, preview grids, and installing from a wheel."""

from __future__ import annotations

import functools
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from factories import audio_summary, frame_pattern, make_clip, read_frames

from vidanime.cli.app import run
from vidanime.images.io import read_image, write_image

ROOT = Path(__file__).resolve().parents[1]


def convert(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = run(["convert", *map(str, args), "--quiet", "--temporal", "off", "--preset", "ultrafast"])
    return code, capsys.readouterr().err


def test_part_of_a_clip_starts_at_zero_with_matching_audio(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=96, fps=24, audio="aac", gop=12)  # 4 s
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "part.mp4", "--start", "00:00:01.5", "--duration", "1")
    assert code == 0, err
    t_in, f_in, _ = read_frames(src)
    t_out, f_out, _ = read_frames(tmp_path / "part.mp4")
    assert len(t_out) == 24 and t_out[0] == 0.0  # frames 36..59: 1.5 s <= t < 2.5 s
    assert np.abs((255 - f_in[36].astype(int)) - f_out[0].astype(int)).mean() < 6  # frame-exact start
    assert audio_summary(tmp_path / "part.mp4")[1] == pytest.approx(1.0, abs=0.05)
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "end.mp4", "--end", "1")
    assert code == 0 and len(read_frames(tmp_path / "end.mp4")[0]) == 24
    assert convert(capsys, src, "--style", neg_model, "-o", tmp_path / "x.mp4", "--start", "2", "--end", "1")[0] == 2
    assert convert(capsys, src, "--style", neg_model, "-o", tmp_path / "x.mp4", "--start", "1:xx")[0] == 2


@pytest.mark.parametrize("fps,frames", [(10, 20), (60, 120)])
def test_output_frame_rate_drops_or_repeats_by_timestamp(fps: int, frames: int, tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=48, fps=24, audio="aac")  # 2 s
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "o.mkv", "--fps", fps)
    assert code == 0, err
    t_out, f_out, _ = read_frames(tmp_path / "o.mkv")
    assert len(t_out) == frames
    assert max(abs(t - i / fps) for i, t in enumerate(t_out)) <= 0.001
    t_in, f_in, _ = read_frames(src)
    for k, picture in enumerate(f_out):  # each output frame is the input frame on screen at its tick
        shown = max(i for i, ti in enumerate(t_in) if ti <= k / fps + 1e-6)
        assert np.abs((255 - f_in[shown].astype(int)) - picture.astype(int)).mean() < 6
    assert audio_summary(tmp_path / "o.mkv") == pytest.approx(audio_summary(src), abs=0.03)


@pytest.mark.parametrize("direction", ["horizontal", "vertical"])
def test_side_by_side_for_video_and_image(direction: str, tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=6, size=(61, 81), pix_fmt="yuv444p", audio="aac")  # odd sizes
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "o.mp4", "--compare", direction)
    assert code == 0, err
    t_in, f_in, _ = read_frames(src)
    _, f_out, _ = read_frames(tmp_path / "o.mp4")
    h, w = f_in[0].shape[:2]
    left, right = (f_out[0][:h, :w], f_out[0][:h, w : 2 * w]) if direction == "horizontal" else (f_out[0][:h, :w], f_out[0][h : 2 * h, :w])
    assert np.abs(left.astype(int) - f_in[0]).mean() < 6 and np.abs((255 - f_in[0].astype(int)) - right).mean() < 6
    assert audio_summary(tmp_path / "o.mp4") is not None
    write_image(tmp_path / "p.png", frame_pattern(1, 40, 50))
    assert convert(capsys, tmp_path / "p.png", "--style", neg_model, "-o", tmp_path / "p_cmp.png", "--compare", direction)[0] == 0
    assert read_image(tmp_path / "p_cmp.png")[0].shape == ((40, 100, 3) if direction == "horizontal" else (80, 50, 3))


def test_strength_blends_toward_the_original(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = frame_pattern(3, 48, 64)
    write_image(tmp_path / "p.png", photo)
    outs = {}
    for s in ("0", "0.5", "1"):
        assert convert(capsys, tmp_path / "p.png", "--style", neg_model, "-o", tmp_path / f"o{s}.png", "--strength", s)[0] == 0
        outs[s] = read_image(tmp_path / f"o{s}.png")[0].astype(int)
    assert np.abs(outs["0"] - photo).mean() < 1.5  # nothing of the style
    assert np.array_equal(outs["1"], 255 - photo)  # today's output
    mid = np.abs(outs["0.5"] - photo).mean()
    assert 0.25 * np.abs(outs["1"] - photo).mean() < mid < 0.75 * np.abs(outs["1"] - photo).mean()
    assert convert(capsys, tmp_path / "p.png", "--style", neg_model, "-o", tmp_path / "x.png", "--strength", "1.5")[0] == 2


def test_pipe_round_trip(tmp_path: Path, neg_model: Path) -> None:
    src = make_clip(tmp_path / "clip.mp4", n_frames=24, audio="aac")  # MP4: spooled, it needs seeking
    with open(src, "rb") as stdin, open(tmp_path / "out.mkv", "wb") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "vidanime", "convert", "-", "-o", "-", "--format", "matroska", "--style", str(neg_model), "--temporal", "off"],
            stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "wrote standard output: 24 frames" in done.stderr
    assert len(read_frames(tmp_path / "out.mkv")[0]) == 24
    assert audio_summary(tmp_path / "out.mkv")[1] == pytest.approx(audio_summary(src)[1], abs=0.05)
    with open(tmp_path / "out.mkv", "rb") as stdin, open(tmp_path / "again.ts", "wb") as stdout:  # a streamable input, read as it comes
        done = subprocess.run(
            [sys.executable, "-m", "vidanime", "convert", "-", "-o", "-", "--format", "mpegts", "--style", str(neg_model), "-q"],
            stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(read_frames(tmp_path / "again.ts")[0]) == 24 and audio_summary(tmp_path / "again.ts") is not None


class _Server:
    """A static file server on 127.0.0.1 in a thread; ``delay`` throttles every 64 KiB (a live feed)."""

    def __init__(self, folder: Path, delay: float = 0.0) -> None:
        class Handler(http.server.SimpleHTTPRequestHandler):
            def copyfile(self, source, outputfile):  # type: ignore[no-untyped-def]
                while chunk := source.read(1 << 16):
                    outputfile.write(chunk)
                    time.sleep(delay)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


def test_network_stream_input(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_clip(tmp_path / "live.ts", n_frames=30, audio="aac")
    server = _Server(tmp_path)
    try:
        code, err = convert(capsys, f"{server.url}/live.ts", "--style", neg_model, "-o", tmp_path / "out.mp4")
        assert code == 0, err
        assert len(read_frames(tmp_path / "out.mp4")[0]) == 30 and audio_summary(tmp_path / "out.mp4") is not None
        code, err = convert(capsys, f"{server.url}/live.ts", "--style", neg_model)
        assert code == 2 and "-o" in err
        code, err = convert(capsys, f"{server.url}/missing.ts", "--style", neg_model, "-o", tmp_path / "m.mp4")
        assert code == 1 and "missing.ts" in err and "unexpected" not in err
    finally:
        server.close()


def test_a_stopped_live_stream_leaves_a_complete_file(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = make_clip(tmp_path / "long.mp4", n_frames=1200, size=(120, 160), audio="aac")  # 50 s
    assert convert(capsys, clip, "--style", neg_model, "-o", tmp_path / "long.ts")[0] == 0  # a TS with interleaved audio, served slowly
    server = _Server(tmp_path, delay=0.05)
    out = tmp_path / "out.mp4"
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vidanime", "convert", f"{server.url}/long.ts", "-o", str(out), "--style", str(neg_model), "-q"],
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob(".out.partial-*")) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        server.close()
    assert proc.returncode == 0, err
    assert "stopped by a signal" in err
    frames = len(read_frames(out)[0])
    assert 0 < frames < 1200 and audio_summary(out) is not None  # complete and playable, audio included


def test_preview_grid(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=48, size=(60, 80), audio=None)
    assert run(["preview", str(src), "--style", str(neg_model), "--frames", "3", "-o", str(tmp_path / "g.png")]) == 0
    grid = read_image(tmp_path / "g.png")[0]
    assert grid.shape == (3 * (240 + 4), 2 * (320 + 4), 3)  # 3 frames x (original, style), tiles 320 px wide
    assert "3 frames" in capsys.readouterr().err
    assert run(["preview", str(src), "--frames", "0"]) == 2


@pytest.mark.slow
def test_wheel_contains_the_styles_and_converts_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)], check=True, capture_output=True)
    wheel = next(dist.glob("vidanime-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "vidanime/styles/bundled/cel.onnx" in names and "vidanime/styles/bundled/cel.md" in names
    assert not any(n.endswith(".png") for n in names)  # loss curves and figures stay in docs/
    assert any(n.startswith("training/") for n in names) and not any("tests/" in n for n in names)
    assert not any(n.startswith(("lab/", "tools/")) for n in names)  # the lab stays in the checkout
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True)
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True).stdout.strip()
    deps = subprocess.run([sys.executable, "-c", "import av, os; print(os.path.dirname(os.path.dirname(av.__file__)))"], capture_output=True, text=True).stdout.strip()
    Path(site, "zz_deps.pth").write_text(deps + "\n")  # the dependencies from this environment, appended after the wheel
    where = subprocess.run([str(py), "-c", "import vidanime; print(vidanime.__file__)"], capture_output=True, text=True, cwd=tmp_path).stdout
    assert where.startswith(str(venv))
    clip = make_clip(tmp_path / "c.mp4", n_frames=6, audio="aac")
    env = {**os.environ, "VIDANIME_HOME": str(tmp_path / "home")}
    done = subprocess.run([str(venv / "bin" / "vidanime"), "convert", str(clip), "-o", str(tmp_path / "o.mp4"), "-q"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert len(read_frames(tmp_path / "o.mp4")[0]) == 6
