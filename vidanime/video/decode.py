"""Read a video's frames as RGB arrays with their own timestamps (PyAV, threaded decode)."""

from __future__ import annotations

import io
import logging
import shutil
import struct
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

import av
import numpy as np

from vidanime.errors import MediaError
from vidanime.video.audio import AudioCarrier, FilePackets, SharedPackets
from vidanime.video.sizes import fit_to

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoInfo:
    """What the writer needs to reproduce the input's geometry and timing."""

    width: int
    height: int
    time_base: Fraction
    average_rate: Fraction | None
    frame_count: int | None  # declared by the container; None when it does not say
    duration_s: float | None
    video_duration_s: float | None  # the video stream's own duration (never the audio's); None when unknown
    start_offset_s: float  # the container's start time, subtracted from every timestamp
    codec: str
    metadata: dict[str, str] = field(default_factory=dict)
    video_start_s: float = 0.0  # where the video stream starts, after the start offset (audio may lead)


@dataclass(frozen=True)
class Frame:
    image: np.ndarray  # (H, W, 3) uint8 RGB, as coded (not rotated)
    pts: int  # in VideoInfo.time_base, start offset already removed
    warmup: bool = False  # decoded only to warm the temporal smoother up before a segment; not written
    repeats: tuple[int, ...] = ()  # more timestamps at which the same picture shows again (--fps)
    resized_from: tuple[int, int] | None = None  # (width, height) it decoded at, when not the stream's


def _display_matrix(frame: av.VideoFrame) -> tuple[int, ...] | None:
    for item in frame.side_data:
        if "DISPLAYMATRIX" in str(item.type):
            raw = bytes(item)
            if len(raw) == 36:
                return struct.unpack("<9i", raw)
    return None


def _stream_duration_s(stream: av.video.stream.VideoStream) -> float | None:
    """The video stream's own length: its duration field, or Matroska's per-stream DURATION tag."""
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = stream.metadata.get("DURATION")
    if tag:
        try:
            h, m, s = tag.split(":")
            return int(h) * 3600 + int(m) * 60 + float(s)
        except ValueError:
            return None
    return None


def _video_duration_s(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float | None:
    """The video's own length: the stream's, or the container's when the video is all it holds
    (a damaged stream header loses the first; the segment's duration often survives)."""
    own = _stream_duration_s(stream)
    if own is None and len(container.streams) == 1 and container.duration is not None:
        return container.duration / av.time_base
    return own


def _duration_s(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float | None:
    own = _stream_duration_s(stream)
    if own is not None:
        return own
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def is_stream_input(source: Path | str) -> bool:
    """Inputs read once, as they come: stdin (``-``), a URL (``rtsp://``, ``http(s)://``, ...), a
    capture device (``/dev/video0``)."""
    text = str(source)
    return text == "-" or "://" in text or text.startswith("/dev/video")


def input_name(source: Path | str) -> str:
    """What messages call an input: a file's name, ``stdin``, or the URL / device as given."""
    text = str(source)
    if text == "-":
        return "stdin"
    return text if is_stream_input(source) else Path(text).name


class _Replay(io.RawIOBase):
    """A stream that gives back ``head`` (already read to sniff the format), then the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _stdin() -> BinaryIO:
    """Standard input as FFmpeg can read it. Streamable formats (Matroska, MPEG-TS, ...) are read
    as they arrive; MP4 / MOV keep their index at the end or need seeking, so they are spooled to
    a temporary file first."""
    head = sys.stdin.buffer.read(12)
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide"):
        spool = tempfile.TemporaryFile(prefix="vidanime-stdin-")
        spool.write(head)
        shutil.copyfileobj(sys.stdin.buffer, spool, 1 << 20)
        spool.seek(0)
        return spool  # type: ignore[return-value]
    return io.BufferedReader(_Replay(head, sys.stdin.buffer))  # type: ignore[arg-type]


def _open(source: Path | str) -> av.container.InputContainer:
    text = str(source)
    if text == "-":
        return av.open(_stdin(), mode="r", metadata_errors="replace")
    if text.startswith("/dev/video"):
        return av.open(text, mode="r", format="v4l2", metadata_errors="replace")
    options = {"rw_timeout": "15000000"} if "://" in text else {}  # a dead network stream ends, not hangs
    return av.open(text, mode="r", metadata_errors="replace", options=options)


@dataclass
class _Timeline:
    """Timestamps of one pass over a stream, in the stream's time base, and the frames missing
    between them where the stream keeps a constant rate."""

    offset: int  # the container's start time, subtracted from every timestamp
    step: Fraction | None  # one frame at the average rate, in time-base ticks; None when unknown
    last_pts: int | None = None
    gaps: int = 0  # frames missing between decoded ones, by the constant rate
    steps: int = 0  # steps from one frame to the next
    gapped: int = 0  # steps of more than one frame
    regular: bool = True  # every step so far a whole number of frames (within rounding)

    def stamp(self, pts: int | None) -> int:
        """``pts``, or a guess where it is missing; never at or before the previous frame's (broken
        timestamps keep their order and never reuse a tick)."""
        last, step = self.last_pts, self.step or Fraction(1)
        if pts is None:
            pts = last + round(step) if last is not None else 0
        elif last is not None and self.step:
            frames = round((pts - last) / step)
            self.steps += 1
            if frames >= 1 and abs(pts - last - frames * step) <= max(1, step / 20):
                self.gaps += frames - 1
                self.gapped += frames > 1
            else:  # a variable frame rate (or broken timestamps): gaps mean nothing
                self.regular = False
        if last is not None and pts <= last:
            pts = last + 1
        self.last_pts = pts
        return pts

    @property
    def missing(self) -> int:
        """Frames missing between decoded ones: where the rate is constant and gaps are rare (a
        damaged block skipped). Frequent gaps are a recording's own dropped frames (a 30 fps
        WebM with a third of its steps two or three frames long), not damage."""
        return self.gaps if self.regular and self.gapped <= max(2, self.steps // 100) else 0


class VideoReader:
    """Open a video once; ``frames()`` yields every decodable frame in presentation order.

    A file keeps its audio for a second handle (``audio()``); an input that can be read only once
    (``is_stream_input``) has its audio packets handed over as they are demuxed beside the video."""

    def __init__(self, source: Path | str, keep_audio: bool = True) -> None:
        self.path = Path(str(source)) if not is_stream_input(source) else Path(input_name(source))
        self.source = source
        self.name = input_name(source)
        self.live = is_stream_input(source)
        try:  # a title in Latin-1 must not make a clip unreadable
            self._container = _open(source)
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise MediaError(f"{self.name}: not a readable media file ({_short(exc)})") from exc
        if not self._container.streams.video:
            self._container.close()
            raise MediaError(f"{self.name}: has no video stream")
        self._stream = self._container.streams.video[0]
        ctx = self._stream.codec_context
        if ctx is None or not ctx.width or not ctx.height:
            self._container.close()
            what = "an unknown codec" if ctx is None else f"no picture size ({ctx.name})"
            raise MediaError(f"{self.name}: the video stream has {what}; the file is damaged or not supported")
        # Slice threads only: frame threads lose the frames in flight when one of them fails to
        # decode (a damaged file gave 7 frames where a single-threaded decode gives 8), and
        # decoding runs far ahead of the model anyway (a VP8 800x332 clip: 128 fps with slice
        # threads against 155 with frame threads, on the 2-core AMD EPYC under load)
        self._stream.thread_type = "SLICE"
        self.decode_errors = 0
        self.decoded = 0
        self._first_time_s: float | None = None  # when the first decoded frame shows
        self._last_end_s: float | None = None  # when the last decoded frame stops showing
        self._timeline: _Timeline | None = None  # the last pass's
        # FFmpeg AV_PKT_DATA_DISPLAYMATRIX of the first frame; known once it is decoded
        self.display_matrix: tuple[int, ...] | None = None
        self.info = self._read_info()
        self._since_corrupt: int | None = None  # video packets after the last one marked corrupt
        usable_audio = [s for s in self._container.streams.audio if s.codec_context is not None]
        self._shared_audio = SharedPackets(usable_audio[0]) if self.live and usable_audio and keep_audio else None
        self.stop_requested = threading.Event()  # a live input ends cleanly when this is set

    def _read_info(self) -> VideoInfo:
        stream, container = self._stream, self._container
        start = container.start_time / av.time_base if container.start_time is not None else 0.0
        return VideoInfo(
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            time_base=stream.time_base or Fraction(1, 90000),
            average_rate=stream.average_rate or stream.guessed_rate,
            frame_count=stream.frames or None,
            duration_s=_duration_s(container, stream),
            video_duration_s=_video_duration_s(container, stream),
            start_offset_s=max(0.0, start),
            video_start_s=max(0.0, float(stream.start_time * stream.time_base) - max(0.0, start)) if stream.start_time is not None and stream.time_base else 0.0,
            codec=stream.codec_context.name,
            metadata={str(k): str(v) for k, v in container.metadata.items()},
        )

    @property
    def has_audio(self) -> bool:
        """An audio stream that can be carried (a damaged one without a codec is left out)."""
        return any(s.codec_context is not None for s in self._container.streams.audio)

    @property
    def frame_estimate(self) -> int | None:
        """Frames to expect, for progress bars: declared, else duration x rate, else unknown."""
        info = self.info
        if info.frame_count:
            return info.frame_count
        if info.duration_s and info.average_rate:
            return max(1, round(info.duration_s * float(info.average_rate)))
        return None

    @property
    def dropped_streams_note(self) -> str | None:
        """Name the streams a conversion will not carry (subtitles, data, extra audio / video)."""
        kinds = [s.type for s in self._container.streams]
        counts = (
            ("subtitle", kinds.count("subtitle")),
            ("data", kinds.count("data")),
            ("extra video", kinds.count("video") - 1),
            ("extra audio", max(0, kinds.count("audio") - 1)),
        )
        dropped = [f"{n} {kind} stream{'s' if n > 1 else ''}" for kind, n in counts if n > 0]
        return f"dropped {', '.join(dropped)}" if dropped else None

    @property
    def frames_lost(self) -> int:
        """Frames the file promised but we could not decode (corrupt or truncated data)."""
        declared = self.info.frame_count
        missing = max(0, declared - self.decoded) if declared else self._missing_ends() + self._missing_between()
        return max(self.decode_errors, missing)

    def _missing_ends(self) -> int:
        """Frames before the first decoded one and after the last, against where the video stream
        says it starts and how long it is (Matroska, WebM, MPEG-TS: no frame count, but a
        duration). The end of the last frame is its own (a long last frame of a variable-rate
        clip is no gap). Half a frame of slack for rounding."""
        info = self.info
        if info.video_duration_s is None or not info.average_rate or self._first_time_s is None or self._last_end_s is None:
            return 0
        head = self._first_time_s - info.video_start_s
        tail = info.video_start_s + info.video_duration_s - self._last_end_s
        return max(0, round(head * float(info.average_rate))) + max(0, round(tail * float(info.average_rate)))

    def _missing_between(self) -> int:
        """Frames missing between decoded ones (a damaged block the demuxer skipped without a
        word), where the stream keeps a constant rate; a variable-rate one cannot say."""
        return self._timeline.missing if self._timeline is not None else 0

    def frames(self, seek_to: int | None = None) -> Iterator[Frame]:
        """Yield frames; undecodable packets are counted, not fatal. With ``seek_to`` (a pts as
        yielded), decoding starts at the keyframe at or before it."""
        tb = self.info.time_base
        rate = self.info.average_rate
        state = self._timeline = _Timeline(round(self.info.start_offset_s / tb), 1 / (rate * tb) if rate else None)
        if seek_to is not None:
            self._container.seek(seek_to + state.offset, stream=self._stream, backward=True, any_frame=False)
        shared = self._shared_audio
        streams = [self._stream] + ([shared.stream] if shared is not None else [])
        try:
            for packet in self._container.demux(streams):
                if self.stop_requested.is_set():
                    break
                if shared is not None and packet.stream is shared.stream:
                    if packet.size:
                        shared.push(packet)
                    continue
                if packet.size:
                    self._since_corrupt = 0 if packet.is_corrupt else (None if self._since_corrupt is None else self._since_corrupt + 1)
                yield from self._emit(self._decode(packet), state)
        except av.error.FFmpegError as exc:  # demuxer gave up mid-file (truncated data)
            self.decode_errors += 1
            log.debug("demux stopped: %s", exc)
            # frames still inside the decoder (held for reordering) are drained, not lost
            yield from self._emit(self._decode(None), state)
        finally:
            if shared is not None:
                shared.end()

    def _decode(self, packet: av.Packet | None) -> list[av.VideoFrame]:
        """A packet's frames (``None``: drain the decoder); an undecodable packet is counted."""
        try:
            return packet.decode() if packet is not None else self._stream.codec_context.decode(None)
        except av.error.FFmpegError as exc:
            self.decode_errors += 1
            log.debug("decode error at packet pts=%s: %s", getattr(packet, "pts", None), exc)
            return []

    def _emit(self, decoded: list[av.VideoFrame], timeline: "_Timeline") -> Iterator[Frame]:
        """Frames as yielded: timestamps made strictly increasing, pictures at the stream's size."""
        for frame in decoded:
            pts = timeline.stamp(frame.pts)
            if self.decoded == 0:
                self.display_matrix = _display_matrix(frame)
            self.decoded += 1
            tb, rate = self.info.time_base, self.info.average_rate
            shows = float(frame.duration * tb) if frame.duration else 1 / float(rate) if rate else 0.0
            self._last_end_s = float(pts * tb) - self.info.start_offset_s + shows
            if self._first_time_s is None:
                self._first_time_s = float(pts * tb) - self.info.start_offset_s
            image, size = frame.to_ndarray(format="rgb24"), (self.info.height, self.info.width)
            coded = None if image.shape[:2] == size else (image.shape[1], image.shape[0])
            yield Frame(fit_to(image, *size), pts - timeline.offset, resized_from=coded)

    @property
    def incomplete_end(self) -> bool:
        """The input ends inside a packet (a cut transport stream, a PES shorter than it says):
        its last frame(s) may be missing though nothing failed to decode."""
        # the parser may cut the flagged data into the packet before the last: two packets of slack
        cut_pes = self._since_corrupt is not None and self._since_corrupt <= 1
        return cut_pes or ("mpegts" in self._container.format.name.split(",") and partial_ts_tail(self.source))

    def audio(self, start_s: float = 0.0, end_s: float | None = None) -> Callable[[av.container.OutputContainer], AudioCarrier]:
        """What the writer calls to carry this input's audio (from ``start_s``, until ``end_s``)."""
        offset = self.info.start_offset_s + start_s
        if self._shared_audio is not None:
            shared = self._shared_audio
            return lambda output: AudioCarrier(shared, output, offset, end_s)
        path = self.path
        return lambda output: AudioCarrier(FilePackets(path), output, offset, end_s)

    def keyframes(self) -> list[int]:
        """Presentation times (as yielded) of the video's keyframes, from packets only (no decoding)."""
        offset = round(self.info.start_offset_s / self.info.time_base)
        found = []
        try:
            for packet in self._container.demux(self._stream):
                if packet.is_keyframe and packet.pts is not None:
                    found.append(packet.pts - offset)
        except av.error.FFmpegError as exc:
            log.debug("keyframe scan stopped: %s", exc)
        self._container.seek(0, stream=self._stream, backward=True)
        return sorted(set(found))

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _short(exc: BaseException) -> str:
    text = str(exc).split(": '", 1)[0]
    return text.splitlines()[0] if text else type(exc).__name__


TS_PACKET_SIZES = (188, 192)  # MPEG-TS; M2TS (Blu-ray, AVCHD) puts a 4-byte time code before each


def partial_ts_tail(source: Path | str) -> bool:
    """An MPEG-TS file (sync bytes where its packets start) whose size is not a whole number of its
    packets: it was cut mid-packet."""
    if is_stream_input(source):
        return False
    try:
        with open(source, "rb") as f:
            head = f.read(2 * max(TS_PACKET_SIZES) + 8)
            size = f.seek(0, 2)
    except OSError:
        return False
    for packet in TS_PACKET_SIZES:
        sync = packet - 188  # where the 0x47 sync byte sits in each packet
        if len(head) > 2 * packet and head[sync] == head[packet + sync] == head[2 * packet + sync] == 0x47:
            return size % packet != 0
    return False
