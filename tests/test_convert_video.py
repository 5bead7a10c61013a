"""`vidanime convert` on clips the tests generate: frames, timing, rotation, audio, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from conftest import shared_data
from factories import audio_summary, make_clip, read_frames

from vidanime.cli.app import run


def convert(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    """Per-frame conversion (smoothing off: these tests compare each frame with the model's output)."""
    code = run(["convert", *map(str, args), "--quiet", "--temporal", "off"])
    return code, capsys.readouterr().err


CLIPS = {
    "h264_aac_mp4": dict(name="a.mp4", size=(362, 642)),
    "no_audio": dict(name="b.mp4", audio=None),
    "odd_size_not_multiple": dict(name="c.mp4", size=(362, 642), audio=None, n_frames=6),
    "rotated_90": dict(name="d.mp4", rotation=90),
    "vfr": dict(name="e.mp4", pts=[0, 100, 150, 400, 420, 800, 1000, 1010], audio=None),
    "mkv_opus": dict(name="f.mkv", audio="libopus"),
    "webm_vp9": dict(name="g.webm", codec="libvpx-vp9", audio="libopus"),
}


def assert_same_timeline(src: Path, dst: Path) -> None:
    t_in, f_in, rot_in = read_frames(src)
    t_out, f_out, rot_out = read_frames(dst)
    assert len(t_out) == len(t_in)
    with av.open(str(src)) as c:
        stream = c.streams.video[0]
        tick = float(stream.time_base)
        frame_time = 1 / float(stream.average_rate or 25)
    with av.open(str(dst)) as c:
        tick = max(tick, float(c.streams.video[0].time_base))
    assert max(abs(a - b) for a, b in zip(t_in, t_out)) <= tick + 1e-9
    assert f_out[0].shape == f_in[0].shape
    assert rot_out == rot_in
    # the model (negative image) was applied to every frame, without shifting the picture
    for a, b in zip(f_in, f_out):
        assert np.abs((255 - a.astype(int)) - b.astype(int)).mean() < 6
    audio_in, audio_out = audio_summary(src), audio_summary(dst)
    if audio_in is None:
        assert audio_out is None
    else:
        assert audio_out is not None and abs(audio_out[1] - audio_in[1]) <= frame_time


@pytest.mark.parametrize("case", sorted(CLIPS))
def test_convert_keeps_frames_timing_rotation_audio(
    case: str, tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = dict(CLIPS[case])
    src = make_clip(tmp_path / spec.pop("name"), **spec)
    dst = tmp_path / f"out{src.suffix}"
    code, err = convert(capsys, src, "--style", neg_model, "-o", dst, "--preset", "ultrafast")
    assert code == 0, err
    assert_same_timeline(src, dst)
    audio = audio_summary(dst)
    if audio is not None:
        assert audio[0] == audio_summary(src)[0]  # copied, not re-encoded
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_batches_and_resolution_give_the_same_timeline(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=11, size=(120, 200))
    dst = tmp_path / "out.mp4"
    code, err = convert(capsys, src, "--style", neg_model, "-o", dst, "-b", "4", "-r", "60")
    assert code == 0, err
    assert_same_timeline(src, dst)


def test_audio_reencoded_when_container_refuses_it(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", audio="aac")
    dst = tmp_path / "out.webm"
    code, err = convert(capsys, src, "--style", neg_model, "-o", dst)
    assert code == 0
    assert "re-encoded to opus" in err
    codec, seconds = audio_summary(dst)
    assert codec == "opus" and abs(seconds - audio_summary(src)[1]) < 1 / 24


def test_truly_odd_size_is_padded_not_shifted(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "odd.mkv", size=(61, 81), codec="libx264", pix_fmt="yuv444p", audio=None, n_frames=4)
    dst = tmp_path / "out.mp4"
    code, err = convert(capsys, src, "--style", neg_model, "-o", dst)
    assert code == 0 and "padded to 82x62" in err
    _, f_in, _ = read_frames(src)
    _, f_out, _ = read_frames(dst)
    assert f_out[0].shape == (62, 82, 3)
    diff = np.abs((255 - f_in[1].astype(int)) - f_out[1][:61, :81].astype(int))
    assert diff.mean() < 6


@pytest.mark.shared_data
def test_real_clip_from_shared_data(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    videos = shared_data("videos")
    for name in ("photoprism__photoprism__assets_examples_gopher-video.mp4", "dmlc__decord__tests_test_data_video_90.mov"):
        src = videos / name
        dst = tmp_path / f"{src.stem}.mp4"
        code, err = convert(capsys, src, "--style", neg_model, "-o", dst, "--preset", "ultrafast")
        assert code == 0, err
        assert_same_timeline(src, dst)


def test_subtitles_are_reported_as_dropped(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mkv", audio=None)
    with_subs = tmp_path / "subs.mkv"
    with av.open(str(src)) as inp, av.open(str(with_subs), "w") as out:
        vs = out.add_stream_from_template(inp.streams.video[0])
        out.add_stream("ass")
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is None:
                continue
            packet.stream = vs
            out.mux(packet)
    code, err = convert(capsys, with_subs, "--style", neg_model, "-o", tmp_path / "out.mkv")
    assert code == 0 and "dropped 1 subtitle stream" in err


# --- bad input: one line, exit code, nothing left behind -------------------------------------


def test_missing_input(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = convert(capsys, tmp_path / "none.mp4", "--style", neg_model)
    assert code == 1 and err.strip() == f"error: input not found: {tmp_path / 'none.mp4'}"


def test_not_media(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "notes.mp4"
    src.write_text("this is text, not a video\n" * 50)
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "out.mp4")
    assert code == 1 and "not a readable media file" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.mp4").exists()


def test_audio_only_file_has_no_video_stream(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "tone.m4a"
    with av.open(str(src), "w") as out:
        stream = out.add_stream("aac", rate=48000)
        for i in range(10):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 48000, i * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "out.mp4")
    assert code == 1 and "has no video stream" in err
    assert not (tmp_path / "out.mp4").exists()


def test_truncated_file_reports_lost_frames(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "full.mp4", n_frames=48, size=(120, 160), audio=None, faststart=True)
    cut = tmp_path / "cut.mp4"
    data = src.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.6)])
    code, err = convert(capsys, cut, "--style", neg_model, "-o", tmp_path / "out.mp4")
    assert code == 0 and "frames could not be decoded" in err
    lost = int(err.split("note: cut.mp4: ")[1].split(" of ")[0])
    written = len(read_frames(tmp_path / "out.mp4")[0])
    assert lost > 0 and lost + written == 48
    code, err = convert(capsys, cut, "--style", neg_model, "-o", tmp_path / "strict.mp4", "--strict")
    assert code == 1 and "could not be decoded" in err
    assert not (tmp_path / "strict.mp4").exists()


def test_unwritable_output_folder(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", audio=None)
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "missing" / "out.mp4")
    assert code == 1 and "does not exist" in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, err = convert(capsys, src, "--style", neg_model, "-o", blocker / "out.mp4")
    assert code == 1


def test_unknown_style_lists_installed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", audio=None)
    code, err = convert(capsys, src, "--style", "paprika")
    assert code == 1 and "style 'paprika' is not installed (installed:" in err and "styles add paprika Paprika_54.onnx" in err


def test_refuses_existing_output_and_the_input_itself(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_clip(tmp_path / "a.mp4", audio=None)
    before = src.read_bytes()
    code, err = convert(capsys, src, "--style", neg_model, "-o", src, "--overwrite")
    assert code == 2 and "is the input itself" in err
    existing = tmp_path / "old.mp4"
    existing.write_bytes(b"keep me")
    code, err = convert(capsys, src, "--style", neg_model, "-o", existing)
    assert code == 2 and "--overwrite" in err and existing.read_bytes() == b"keep me"
    code, _ = convert(capsys, src, "--style", neg_model, "-o", existing, "--overwrite")
    assert code == 0 and existing.read_bytes() != b"keep me"
    assert src.read_bytes() == before


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["convert", "--no-such-flag"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: No such option") and len(err.strip().splitlines()) == 1


def test_failure_midway_leaves_no_partial_output(tmp_path: Path, neg_model: Path) -> None:
    from vidanime.pipeline.jobs import Job, convert_one_video
    from vidanime.pipeline.video import VideoOptions

    src = make_clip(tmp_path / "a.mp4", n_frames=20)
    calls = []

    def stylize(frames: np.ndarray) -> np.ndarray:
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return frames

    job = Job(src, tmp_path / "out.mp4", "video")
    with pytest.raises(KeyboardInterrupt):
        convert_one_video(job, stylize, VideoOptions(), lambda name, total: (lambda n: None))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4"]


def test_convert_path_does_not_import_torch(tmp_path: Path, neg_model: Path) -> None:
    src = make_clip(tmp_path / "a.mp4", n_frames=3, audio=None)
    code = (
        "import sys\n"
        "from vidanime.cli.app import run\n"
        f"rc = run(['convert', {str(src)!r}, '--style', {str(neg_model)!r}, '-q'])\n"
        "assert rc == 0, rc\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert (tmp_path / "a_neg.mp4").exists()


def test_auto_quality_runs_720p_video_smaller_but_pictures_and_small_clips_at_full_size(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The default preset: a 720p clip goes through the model at 540 (the guided filter brings it
    back, so it differs slightly from full-size processing); a 480p clip and a 720p picture do not."""

    def frames(source: Path, quality: str, out: str) -> np.ndarray:
        target = tmp_path / f"{quality}_{out}"
        lossless = ["--codec", "ffv1", "--temporal", "off"] if out.endswith(".mkv") else []
        assert run(["convert", str(source), "--style", str(neg_model), "--quality", quality, *lossless, "-o", str(target), "--overwrite"]) == 0
        if out.endswith(".mkv"):
            return np.stack(read_frames(target)[1]).astype(np.float32)
        return cv2.imread(str(target)).astype(np.float32)

    hd = make_clip(tmp_path / "hd.mp4", n_frames=2, size=(720, 1280))
    auto = frames(hd, "auto", "hd.mkv")
    assert "the model ran at 960x540, brought back to 1280x720" in capsys.readouterr().err
    gap = np.abs(auto - frames(hd, "best", "hd.mkv"))
    assert "the model ran at" not in capsys.readouterr().err
    assert 0.05 < gap.mean() < 3  # processed smaller, yet close to full size
    assert np.array_equal(frames(hd, "auto", "hd.mkv"), frames(hd, "balanced", "hd.mkv"))
    sd = make_clip(tmp_path / "sd.mp4", n_frames=2, size=(480, 854))
    assert np.array_equal(frames(sd, "auto", "sd.mkv"), frames(sd, "best", "sd.mkv"))
    picture = tmp_path / "photo.png"
    cv2.imwrite(str(picture), read_frames(hd)[1][0][..., ::-1].copy())
    assert np.array_equal(frames(picture, "auto", "p.png"), frames(picture, "best", "p.png"))
