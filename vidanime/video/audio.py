"""Carry the input's audio into the output: packets copied untouched when the output
container takes the codec, otherwise decoded and re-encoded (AAC; Opus for WebM).

The audio is read from its own handle on the input file (or, for inputs that can be read only
once, from the packets the video reader demuxes alongside); the writer pulls audio up to each
video frame's time, keeping the file interleaved and memory flat.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import av

log = logging.getLogger(__name__)

# Codecs that players reliably accept in MP4 / MOV; the muxer takes more (e.g. Vorbis) but
# most players then play silence.
_MP4_AUDIO = {"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"}


@dataclass(frozen=True)
class AudioPlan:
    codec: str  # input codec
    copy: bool
    target: str  # codec written to the output
    note: str | None  # what the user should know (re-encode), None when copied


def plan_audio(codec: str, container_format: str, supported: set[str]) -> AudioPlan:
    """Decide copy vs re-encode for ``codec`` going into ``container_format``."""
    names = set(container_format.split(","))
    allowed = _MP4_AUDIO & supported if names & {"mp4", "mov"} else supported
    answers = bool(supported & {"aac", "mp3", "opus", "vorbis", "flac"})  # MPEG-TS does not answer the query
    if codec in allowed or not answers:
        return AudioPlan(codec, True, codec, None)
    target = "aac" if "aac" in supported else ("libopus" if "opus" in supported else "libvorbis")
    return AudioPlan(codec, False, target, f"audio {codec} re-encoded to {target.removeprefix('lib')}")


class AudioUnusable(Exception):
    """The input's audio cannot be carried; the video is written without it, with a note."""


NOT_YET = object()  # a shared packet source has nothing now, but may have more later


class PacketSource(Protocol):
    stream: av.audio.stream.AudioStream

    def next(self, wait: bool) -> Any:
        """The next packet; None at the end; ``NOT_YET`` when nothing is there and not ``wait``."""
        ...

    def close(self) -> None: ...


class FilePackets:
    """Audio read from its own handle on the input file, so the video pipeline never holds audio."""

    def __init__(self, path: Path) -> None:
        self._input = av.open(str(path), mode="r", metadata_errors="replace")
        usable = [s for s in self._input.streams.audio if s.codec_context is not None]
        if not usable:
            self._input.close()
            raise AudioUnusable("the audio stream is damaged (no codec)")
        self.stream = usable[0]
        self._packets = self._input.demux(self.stream)
        self.errors = 0

    def next(self, wait: bool) -> Any:
        try:
            return next(self._packets)
        except StopIteration:
            return None
        except av.error.FFmpegError as exc:
            self.errors += 1
            log.debug("audio demux stopped: %s", exc)
            return None

    def close(self) -> None:
        self._input.close()


class SharedPackets:
    """Audio packets the video reader demuxes alongside the video: inputs that can be read only
    once (a pipe, a camera, a network stream). The reader pushes, the writer pulls."""

    def __init__(self, stream: av.audio.stream.AudioStream) -> None:
        self.stream = stream
        self._queue: deque[av.Packet] = deque()
        self._cond = threading.Condition()
        self._ended = False

    def push(self, packet: av.Packet) -> None:
        with self._cond:
            self._queue.append(packet)
            self._cond.notify_all()

    def end(self) -> None:
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def next(self, wait: bool) -> Any:
        with self._cond:
            while not self._queue and not self._ended:
                if not wait:
                    return NOT_YET
                self._cond.wait(0.1)
            return self._queue.popleft() if self._queue else None

    def close(self) -> None:
        self.end()


class AudioCarrier:
    """One input audio stream written into an output container, time-ordered; with ``end_s``
    only the audio before that time (after the start offset) is kept."""

    def __init__(self, source: PacketSource, output: av.container.OutputContainer, start_offset_s: float, end_s: float | None = None) -> None:
        self._source = source
        self._in_stream = source.stream
        if not self._in_stream.codec_context.sample_rate:
            source.close()
            raise AudioUnusable("its parameters could not be read (no audio near the start of the input)")
        self.plan = plan_audio(self._in_stream.codec_context.name, output.format.name, output.supported_codecs)
        if self.plan.copy:
            self._out_stream = output.add_stream_from_template(self._in_stream)
        else:
            ctx = self._in_stream.codec_context
            rate = ctx.sample_rate or 48000
            if self.plan.target == "libopus" and rate not in (8000, 12000, 16000, 24000, 48000):
                rate = 48000
            self._out_stream = output.add_stream(self.plan.target, rate=rate)
            self._out_stream.layout = ctx.layout.name if ctx.layout and len(ctx.layout.channels) <= 2 else "stereo"
            if self.plan.target == "aac":
                self._out_stream.bit_rate = 192_000
        self._out_stream.metadata.update({k: v for k, v in self._in_stream.metadata.items() if k == "language"})
        self._tb = self._in_stream.time_base or Fraction(1, self._in_stream.codec_context.sample_rate or 48000)
        self._offset = round(start_offset_s / self._tb)
        self._end = end_s
        self._output = output
        self._done = False
        self.errors = 0

    def write_until(self, t_seconds: float | None) -> None:
        """Write audio whose start lies at or before ``t_seconds`` (None: everything left)."""
        while not self._done:
            packet = self._source.next(wait=t_seconds is None)
            if packet is NOT_YET:
                break
            if packet is None:
                self._done = True
                break
            start = (packet.pts - self._offset) * self._tb if packet.pts is not None else None
            if self._end is not None and start is not None and start >= self._end:
                self._done = True
                break
            self._write(packet)
            if t_seconds is not None and start is not None and start > t_seconds:
                break
        if t_seconds is None:
            self._flush_encoder()
    def _write(self, packet: av.Packet) -> None:
        if packet.dts is None and packet.size == 0:
            return  # demuxer's end-of-stream marker
        if self.plan.copy:
            if packet.pts is not None:
                packet.pts -= self._offset
            if packet.dts is not None:
                packet.dts -= self._offset
            if packet.dts is not None and packet.dts < 0 and (packet.pts or 0) < 0:
                return  # pre-roll before the first video frame's timeline
            packet.stream = self._out_stream
            self._output.mux(packet)
            return
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            self.errors += 1
            return
        for frame in frames:
            if frame.pts is not None:
                frame.pts -= self._offset
                if frame.pts < 0:
                    continue
            frame.time_base = self._tb
            self._output.mux(self._out_stream.encode(frame))

    def _flush_encoder(self) -> None:
        if not self.plan.copy:
            self._output.mux(self._out_stream.encode(None))

    def close(self) -> None:
        self._source.close()
