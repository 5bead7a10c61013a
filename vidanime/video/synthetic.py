"""Generated clips with known content: the benchmark's test clip and the tests'.

One writer for all of them: frames from a function of the frame index, each at its own
timestamp (variable frame rate when asked), and a tone as long as the video.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

import av
import numpy as np


def sine(seconds: np.ndarray) -> np.ndarray:
    """The default soundtrack: a quiet 440 Hz tone."""
    return 0.2 * np.sin(2 * np.pi * 440 * seconds)


def encode_signal(output: av.container.OutputContainer, stream: av.audio.stream.AudioStream, signal: np.ndarray, rate: int, frame: int = 1024) -> None:
    """Encode a mono float signal as stereo frames of ``frame`` samples, then flush the encoder."""
    signal = np.asarray(signal, dtype=np.float32)
    for start in range(0, len(signal), frame):
        chunk = np.ascontiguousarray(np.stack([signal[start : start + frame]] * 2))
        audio = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
        audio.sample_rate, audio.pts, audio.time_base = rate, start, Fraction(1, rate)
        output.mux(stream.encode(audio))
    output.mux(stream.encode(None))


def write_clip(
    path: Path,
    frame_at: Callable[[int], np.ndarray],
    n_frames: int,
    fps: int = 24,
    *,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    codec_options: dict[str, str] | None = None,
    stamps: Sequence[int] | None = None,  # custom timestamps in ``time_base`` units (VFR)
    time_base: Fraction | None = None,
    rotation: int | None = None,
    audio: str | None = "aac",
    audio_rate: int = 48000,
    soundtrack: Callable[[np.ndarray], np.ndarray] = sine,
    faststart: bool = False,
) -> Path:
    """Write ``n_frames`` RGB frames (or one per entry of ``stamps``) and, with ``audio``, a
    soundtrack (a function of time in seconds) lasting to the end of the last frame."""
    first = frame_at(0)
    height, width = first.shape[:2]
    tb = time_base or Fraction(1, fps)
    times = list(stamps) if stamps is not None else [round(i / (fps * tb)) for i in range(n_frames)]
    with av.open(str(path), "w", options={"movflags": "faststart"} if faststart else {}) as out:
        vs = out.add_stream(codec, rate=fps, options=codec_options or ({"preset": "ultrafast"} if codec == "libx264" else {}))
        vs.width, vs.height, vs.pix_fmt = width, height, pix_fmt
        vs.codec_context.time_base = tb
        vs.time_base = tb
        if rotation is not None:
            vs.set_display_rotation(rotation)
        aus = None
        if audio:
            aus = out.add_stream(audio, rate=audio_rate)
            aus.layout = "stereo"
        for i, stamp in enumerate(times):
            frame = av.VideoFrame.from_ndarray(first if i == 0 else frame_at(i), format="rgb24")
            frame.pts, frame.time_base = stamp, tb
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
        if aus is not None:
            seconds = float(times[-1] * tb) + 1 / fps
            t = np.arange(int(seconds * audio_rate)) / audio_rate
            encode_signal(out, aus, soundtrack(t), audio_rate)
    return path


def write_joined_clip(
    path: Path,
    frame_at: Callable[[int, int, int], np.ndarray],
    parts: Sequence[tuple[int, int, int]],
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    fps: int = 24,
) -> Path:
    """One video stream whose picture size changes, as joined recordings, a new SPS or a damaged
    frame give: an encode per (height, width, frames) part, of ``frame_at(index, height, width)``,
    their packets muxed end to end. The container declares the first part's size."""
    tb = Fraction(1, fps)
    index = 0
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = parts[0][1], parts[0][0], pix_fmt
        for height, width, frames in parts:
            encoder = av.CodecContext.create(codec, "w")
            encoder.width, encoder.height, encoder.pix_fmt, encoder.time_base, encoder.framerate = width, height, pix_fmt, tb, fps
            if codec == "libx264":
                encoder.options = {"preset": "ultrafast"}
            pictures = [av.VideoFrame.from_ndarray(frame_at(index + i, height, width), format="rgb24").reformat(format=pix_fmt) for i in range(frames)]
            for i, picture in enumerate([*pictures, None]):
                if picture is not None:
                    picture.pts, picture.time_base = index + i, tb
                for packet in encoder.encode(picture):
                    packet.stream = stream
                    out.mux(packet)
            index += frames
    return path
