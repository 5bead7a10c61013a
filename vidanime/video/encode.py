"""Write RGB frames back to a video with the input's timestamps, rotation, metadata and audio."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import numpy as np

from vidanime.errors import UsageError, VidanimeError
from vidanime.video.audio import AudioCarrier, AudioUnusable
from vidanime.video.decode import VideoInfo

log = logging.getLogger(__name__)

# --codec shorthand -> (FFmpeg encoder, pixel format); encoder options come from EncodeSettings.options
CODECS: dict[str, tuple[str, str]] = {
    "h264": ("libx264", "yuv420p"),
    "hevc": ("libx265", "yuv420p"),
    "vp9": ("libvpx-vp9", "yuv420p"),
    "av1": ("libaom-av1", "yuv420p"),
    "ffv1": ("ffv1", "yuv444p"),
    "mjpeg": ("mjpeg", "yuvj420p"),
}
# Tags the muxer writes itself; copying them would lie about this file.
SKIP_METADATA = {"encoder", "major_brand", "minor_version", "compatible_brands", "creation_time", "duration"}


DEFAULT_PRESET = "veryfast"


@dataclass(frozen=True)
class EncodeSettings:
    codec: str = "auto"  # h264, or vp9 for WebM
    crf: int = 18
    # x264 veryfast: on cel's 720p output (lab/measure/encode.py) 0.6x medium's time, 12 % fewer
    # bits and 0.7 dB lower PSNR (38.9 dB); the cores it frees go to the model.
    preset: str = DEFAULT_PRESET
    # Segments that are joined by remuxing (--resume, the cluster path) must each start with a
    # keyframe and carry no B-frames, so decode order equals presentation order across the joins.
    joinable: bool = False

    def encoder(self, container_format: str) -> tuple[str, str]:
        codec = self.codec
        if codec == "auto":
            codec = "vp9" if "webm" in container_format.split(",") else "h264"
        if codec not in CODECS:
            raise UsageError(f"unknown codec {codec!r}: choose one of auto, {', '.join(CODECS)}")
        return CODECS[codec]

    def options(self, encoder: str) -> dict[str, str]:
        if encoder == "libx264":
            return {"crf": str(self.crf), "preset": self.preset, **({"bf": "0"} if self.joinable else {})}
        if encoder == "libx265":
            return {"crf": str(self.crf), "preset": self.preset, **({"x265-params": "bframes=0"} if self.joinable else {})}
        if encoder == "libvpx-vp9":
            return {"crf": str(self.crf + 13), "b": "0", "row-mt": "1", "deadline": "good", "cpu-used": "4"}
        if encoder == "libaom-av1":
            return {"crf": str(self.crf + 12), "cpu-used": "6", "row-mt": "1"}
        return {}


# Encoders that refuse odd sizes in 4:2:0 / 4:2:2 (VP9 and MJPEG take them and keep the exact size).
EVEN_ONLY = {"libx264", "libx265"}


def even_size(height: int, width: int, encoder: str, pix_fmt: str) -> tuple[int, int]:
    """x264 / x265 need even sizes for subsampled chroma: grow by one row / column (edge copy)."""
    if encoder in EVEN_ONLY and ("420" in pix_fmt or "422" in pix_fmt):
        return height + height % 2, width + width % 2
    return height, width


def pad_edge(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Repeat the last row / column up to (height, width); the picture does not move."""
    h, w = image.shape[:2]
    if (h, w) == (height, width):
        return image
    return np.pad(image, ((0, height - h), (0, width - w), (0, 0)), mode="edge")


class VideoWriter:
    """Encode frames as they come; opened lazily so the first frame fixes the size."""

    def __init__(
        self,
        path: Path,
        container_format: str | None,
        info: VideoInfo,
        settings: EncodeSettings,
        audio: "Callable[[av.container.OutputContainer], AudioCarrier] | None",
    ) -> None:
        self.path = path
        self.info = info
        self.settings = settings
        try:  # I/O errors go up to atomic_output, which names the real output
            if str(path) == "-":  # standard output: a pipe cannot seek, so MP4 is written fragmented
                fragmented = {"movflags": "frag_keyframe+empty_moov"} if container_format in ("mp4", "mov", "ipod") else {}
                self._output = av.open(sys.stdout.buffer, mode="w", format=container_format, options=fragmented)
            else:
                self._output = av.open(str(path), mode="w", format=container_format)
        except ValueError as exc:  # FFmpeg knows no muxer for this name
            raise UsageError(f"cannot write a {path.suffix or container_format} file: no such video format (try .mp4, .mkv, .webm)") from exc
        self.encoder, self.pix_fmt = settings.encoder(self._output.format.name)
        supported = self._output.supported_codecs
        answers = bool(supported & {"h264", "vp9", "mjpeg"})  # some muxers (MPEG-TS) do not answer the query
        if answers and self.encoder not in supported and self.encoder.removeprefix("lib") not in {c.removeprefix("lib") for c in supported}:
            self._output.close()
            raise UsageError(f"--codec {settings.codec} cannot go into a .{self._output.format.name.split(',')[0]} file")
        self._output.metadata.update({k: v for k, v in info.metadata.items() if k not in SKIP_METADATA})
        self._audio_factory = audio
        self._stream: av.video.stream.VideoStream | None = None
        self.audio: AudioCarrier | None = None
        self.notes: list[str] = []
        self.size: tuple[int, int] | None = None
        self.frames_written = 0

    def _open_stream(self, height: int, width: int, display_matrix: tuple[int, ...] | None) -> None:
        rate = self.info.average_rate or Fraction(25)
        try:
            stream = self._output.add_stream(self.encoder, rate=rate, options=self.settings.options(self.encoder))
        except (av.error.FFmpegError, ValueError) as exc:
            raise VidanimeError(f"encoder {self.encoder} not usable here: {str(exc).splitlines()[0]}") from exc
        enc_h, enc_w = even_size(height, width, self.encoder, self.pix_fmt)
        if (enc_h, enc_w) != (height, width):
            self.notes.append(f"odd size {width}x{height} padded to {enc_w}x{enc_h} for {self.pix_fmt}")
        stream.width, stream.height = enc_w, enc_h
        stream.pix_fmt = self.pix_fmt
        stream.time_base = self.info.time_base
        stream.codec_context.time_base = self.info.time_base
        if "yuv" in self.pix_fmt:  # tag what we convert with, so players do not guess
            stream.codec_context.colorspace = 1  # BT.709
            stream.codec_context.color_primaries = 1
            stream.codec_context.color_trc = 1
            stream.codec_context.color_range = 2 if self.pix_fmt.startswith("yuvj") else 1
        if display_matrix is not None:
            stream.set_display_matrix(list(display_matrix))
        self._stream = stream
        self.size = (enc_h, enc_w)
        if self._audio_factory is not None:
            try:
                self.audio = self._audio_factory(self._output)
            except (AudioUnusable, av.error.FFmpegError, ValueError) as exc:
                self.notes.append(f"audio dropped: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            else:
                if self.audio.plan.note:
                    self.notes.append(self.audio.plan.note)

    def write(self, image: np.ndarray, pts: int, display_matrix: tuple[int, ...] | None = None) -> None:
        """Encode one uint8 RGB frame at ``pts`` (in the input's time base)."""
        if self._stream is None:
            self._open_stream(image.shape[0], image.shape[1], display_matrix)
        assert self._stream is not None and self.size is not None
        frame = av.VideoFrame.from_ndarray(pad_edge(image, *self.size), format="rgb24")
        if "yuv" in self.pix_fmt:
            frame = frame.reformat(
                format=self.pix_fmt,
                dst_colorspace=av.video.reformatter.Colorspace.ITU709,
                dst_color_range=2 if self.pix_fmt.startswith("yuvj") else 1,
            )
        frame.pts = pts
        frame.time_base = self.info.time_base
        if self.audio is not None:
            self.audio.write_until(float(pts * self.info.time_base))
        self._output.mux(self._stream.encode(frame))
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder, the rest of the audio, and the container."""
        try:
            if self._stream is not None:
                self._output.mux(self._stream.encode(None))
            if self.audio is not None:
                self.audio.write_until(None)
        finally:
            if self.audio is not None:
                self.audio.close()
            self._output.close()

    def abort(self) -> None:
        """Close without flushing (the caller deletes the file)."""
        try:
            if self.audio is not None:
                self.audio.close()
            self._output.close()
        except Exception:  # noqa: BLE001 - the file is being thrown away
            pass

