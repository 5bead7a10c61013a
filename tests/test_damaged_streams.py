"""Streams that are legal but uneven, or cut short: frames whose picture size changes mid-stream
(joined recordings, a new SPS, a damaged MJPEG frame that decodes larger) and transport streams
cut inside a packet. Every frame is accounted for in a note; ``--strict`` makes each an error."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from factories import make_clip, make_joined_clip, read_frames
from test_reliability import convert, leftovers


@pytest.mark.parametrize("suffix,codec", [("webm", "libvpx-vp9"), ("ts", "libx264")])
def test_a_stream_whose_size_changes_is_fitted_to_one_size_with_a_note(suffix: str, codec: str, tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 4:3 then 16:9: the wider frames must keep their aspect, so they come back letterboxed
    src = make_joined_clip(tmp_path / f"joined.{suffix}", [(48, 64, 6), (72, 128, 6)], codec=codec)
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "out.mkv")
    assert code == 0, err
    _, frames, _ = read_frames(tmp_path / "out.mkv")
    assert len(frames) == 12 and {f.shape for f in frames} == {frames[0].shape}
    height, width = frames[0].shape[:2]
    if (height, width) == (48, 64):  # the stream says 64x48: 128x72 fits as 64x36 with 6 rows above and below
        assert "6 of 12 frames changed size from 64x48 to 128x72: scaled to 64x48 (aspect kept, padded)" in err, err
        for frame in frames[6:]:  # the padding is black, so the negating model makes it white
            assert frame[:5].mean() > 240 and frame[-5:].mean() > 240 and frame[10:38].mean() < 200
        assert all(frame[:5].mean() < 240 for frame in frames[:6])
    else:  # a demuxer may take the later parameter set as the stream's: the first frames are then the odd ones
        assert (height, width) == (72, 128) and "6 of 12 frames changed size from 128x72 to 64x48" in err, err
        for frame in frames[:6]:  # 64x48 fits as 96x72 with 16 columns at each side
            assert frame[:, :14].mean() > 240 and frame[:, -14:].mean() > 240
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "strict.mkv", "--strict")
    assert code == 1 and "frames changed size" in err and err.startswith(f"error: joined.{suffix}: ")
    assert not (tmp_path / "strict.mkv").exists() and not leftovers(tmp_path)


def test_a_damaged_mjpeg_frame_that_decodes_larger_is_kept(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Found by fuzzing: the larger frame once reached the encoder's edge padding with a negative
    amount (``unexpected ValueError``) and nothing was written."""
    src = make_joined_clip(tmp_path / "cam.avi", [(48, 64, 4), (96, 128, 1), (48, 64, 3)], codec="mjpeg", pix_fmt="yuvj420p")
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "out.avi", "--codec", "mjpeg")
    assert code == 0 and "unexpected" not in err, err
    assert "1 of 8 frames changed size from 64x48 to 128x96: scaled to 64x48 (aspect kept, padded)" in err
    _, frames, _ = read_frames(tmp_path / "out.avi")
    assert [f.shape for f in frames] == [(48, 64, 3)] * 8


def test_a_resumable_run_counts_the_changed_frames_once(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_joined_clip(tmp_path / "joined.webm", [(48, 64, 12), (72, 96, 12)], codec="libvpx-vp9")
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "out.webm", "--resume", "--segment-seconds", "0.2")
    assert code == 0, err
    assert "12 of 24 frames changed size from 64x48 to 96x72" in err, err
    assert len(read_frames(tmp_path / "out.webm")[1]) == 24


def cut_pes_length(data: bytes) -> bytes:
    """The last video PES packet made to declare more bytes than the file holds (a PES cut short)."""
    out = bytearray(data)
    for at in range(len(out) - 188, -1, -188):
        header = out[at : at + 4]
        if header[0] != 0x47 or not header[1] & 0x40:  # not the start of a payload unit
            continue
        payload = at + 4 + (1 + out[at + 4] if header[3] & 0x20 else 0)  # past an adaptation field
        if out[payload : payload + 4] == b"\0\0\1\xe0":  # a video PES
            out[payload + 4 : payload + 6] = (2000).to_bytes(2, "big")
            return bytes(out)
    raise AssertionError("no video PES found")


@pytest.mark.parametrize("damage", ["cut mid-packet", "PES shorter than it says"])
def test_a_transport_stream_cut_short_is_said(damage: str, tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = make_clip(tmp_path / "whole.ts", n_frames=24, size=(48, 64), audio=None)
    data = whole.read_bytes()
    assert len(data) % 188 == 0
    code, err = convert(capsys, whole, "--style", neg_model, "-o", tmp_path / "whole.mkv", "--strict")
    assert code == 0 and "incomplete" not in err, err
    cut = tmp_path / "cut.ts"
    cut.write_bytes(data[: len(data) - 100] if damage == "cut mid-packet" else cut_pes_length(data))
    code, err = convert(capsys, cut, "--style", neg_model, "-o", tmp_path / "cut.mkv")
    assert code == 0 and "note: cut.ts: ends in an incomplete packet: the last frame(s) may be missing" in err, err
    assert len(read_frames(tmp_path / "cut.mkv")[1]) >= 23
    code, err = convert(capsys, cut, "--style", neg_model, "-o", tmp_path / "strict.mkv", "--strict")
    assert code == 1 and err.strip() == "error: cut.ts: ends in an incomplete packet: the last frame(s) may be missing"
    assert not (tmp_path / "strict.mkv").exists() and not leftovers(tmp_path)


def test_fit_keeps_the_aspect_and_centres() -> None:
    from vidanime.video.sizes import fit_to

    tall = np.full((100, 50, 3), 200, np.uint8)
    fitted = fit_to(tall, 60, 80)  # 100x50 (h x w) into 60x80: 60x30, 25 columns each side
    assert fitted.shape == (60, 80, 3)
    assert (fitted[:, :25] == 0).all() and (fitted[:, -25:] == 0).all() and (fitted[:, 25:55] == 200).all()
    assert fit_to(tall, 100, 50) is tall


def video_packet_positions(path: Path) -> list[int]:
    import av

    with av.open(str(path)) as container:
        return [p.pos for p in container.demux(video=0) if p.size]


def test_a_webm_cut_one_frame_short_says_so(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The tail is measured from the end of the last frame: one frame short is said (it was not)."""
    src = make_clip(tmp_path / "full.webm", n_frames=24, size=(48, 64), codec="libvpx-vp9", audio="libopus")
    cut = tmp_path / "cut.webm"
    cut.write_bytes(src.read_bytes()[: video_packet_positions(src)[-1] + 10])  # into the last frame's block
    code, err = convert(capsys, cut, "--style", neg_model, "-o", tmp_path / "out.webm")
    assert code == 0 and "note: cut.webm: 1 of 24 frames could not be decoded" in err, err
    assert len(read_frames(tmp_path / "out.webm")[1]) == 23


def test_a_block_skipped_mid_stream_is_said(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A damaged block header makes the Matroska demuxer skip frames without an error; the gap in
    a constant-rate timeline tells how many."""
    src = make_clip(tmp_path / "full.mkv", n_frames=24, size=(48, 64), codec="mjpeg", pix_fmt="yuvj420p", audio=None)
    data = bytearray(src.read_bytes())
    at = video_packet_positions(src)[12]
    assert data[at] == 0x81  # the block's track number, 1
    data[at] = 0x82  # a track that does not exist
    damaged = tmp_path / "damaged.mkv"
    damaged.write_bytes(bytes(data))
    code, err = convert(capsys, damaged, "--style", neg_model, "-o", tmp_path / "out.mkv")
    assert code == 0 and "frames could not be decoded" in err, err
    lost = int(err.split("note: damaged.mkv: ")[1].split(" of ")[0])
    assert lost >= 1 and lost + len(read_frames(tmp_path / "out.mkv")[1]) == 24


def test_a_recording_with_frequent_dropped_frames_is_not_called_damaged(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 30 fps WebM whose steps are often two or three frames long (a real browser recording
    looks like this) is whole: its gaps are the recorder's, not damage."""
    steps = [1, 2, 1, 3, 1, 1, 2] * 5
    stamps = [round(sum(steps[:i]) * 1000 / 30) for i in range(len(steps))]
    src = make_clip(tmp_path / "rec.webm", n_frames=len(stamps), size=(48, 64), fps=30, codec="libvpx-vp9", audio=None, pts=stamps, time_base=Fraction(1, 1000))
    code, err = convert(capsys, src, "--style", neg_model, "-o", tmp_path / "out.webm", "--strict")
    assert code == 0 and "could not be decoded" not in err, err


def test_a_transport_stream_whose_first_frames_are_lost_says_so(tmp_path: Path, neg_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Found by fuzzing: with its first TS packet's payload zeroed (the parameter sets gone) the
    first group of pictures decodes to nothing, without an error; the stream's start tells."""
    src = make_clip(tmp_path / "full.ts", n_frames=24, size=(48, 64), audio=None, gop=12)
    data = bytearray(src.read_bytes())
    at = video_packet_positions(src)[0]
    data[at + 4 : at + 188] = bytes(184)
    damaged = tmp_path / "damaged.ts"
    damaged.write_bytes(bytes(data))
    code, err = convert(capsys, damaged, "--style", neg_model, "-o", tmp_path / "out.mkv")
    assert code == 0 and "frames could not be decoded" in err, err
    lost = int(err.split("note: damaged.ts: ")[1].split(" of ")[0])
    assert 11 <= lost <= 12 and len(read_frames(tmp_path / "out.mkv")[1]) == 12
