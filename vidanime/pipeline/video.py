"""decode -> batch -> infer -> smooth -> encode, in three threads joined by bounded queues:
decoding on one, the model on the caller's, smoothing and encoding on the third.

Decoding, smoothing and encoding run beside inference (PyAV, OpenCV and the inference runtimes
release the GIL), and the bounded queues keep memory flat however long the video is.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

import numpy as np

from vidanime.errors import MediaError
from vidanime.pipeline.frames import resample, side_by_side, strength_blend, time_range
from vidanime.stop import stop_signals_held
from vidanime.video.decode import Frame, VideoReader
from vidanime.video.encode import EncodeSettings, VideoWriter
from vidanime.video.sizes import size_change_note

_END = object()


class FrameSmoother(Protocol):
    """Temporal filter over stylised frames, fed in frame order."""

    def __call__(self, inputs: np.ndarray, outputs: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class VideoOptions:
    batch_size: int = 1
    encode: EncodeSettings = field(default_factory=EncodeSettings)
    keep_audio: bool = True
    strict: bool = False  # lost frames are an error instead of a warning
    start_s: float = 0.0  # --start: convert from here (output time starts at 0)
    end_s: float | None = None  # --end / --duration
    fps: Fraction | None = None  # --fps: resample by timestamps
    strength: float = 1.0  # --strength
    compare: str | None = None  # --compare horizontal|vertical
    faces: str = "keep"  # --faces keep|draw (pictures only)
    container_format: str | None = None  # --format (needed for -o -)
    # (height, width) of the input -> frames per model call, when the engine's policy chooses it
    # (CUDA without --batch-size: engine.gpu_policy); ``batch_size`` otherwise
    auto_batch: Callable[[int, int], int] | None = None

    def batch_for(self, height: int, width: int) -> int:
        return self.auto_batch(height, width) if self.auto_batch is not None else self.batch_size


@dataclass
class VideoReport:
    frames: int = 0
    frames_lost: int = 0
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=lambda: {"decode": 0.0, "infer": 0.0, "smooth": 0.0, "encode": 0.0})
    notes: list[str] = field(default_factory=list)
    resized: Counter[tuple[int, int]] = field(default_factory=Counter)  # frames written from another size: (width, height) -> count


class _Stop(Exception):
    """Raised inside a worker when another stage has failed."""


def _put(q: "queue.Queue[Any]", item: Any, stop: threading.Event) -> None:
    while True:
        if stop.is_set():
            raise _Stop
        try:
            q.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


def _get(q: "queue.Queue[Any]", stop: threading.Event) -> Any:
    while True:
        if stop.is_set():
            raise _Stop
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            continue


def convert_video(
    reader: VideoReader,
    out_path: Path,
    container_format: str | None,
    stylize: Callable[[np.ndarray], np.ndarray],
    options: VideoOptions,
    on_frames: Callable[[int], None] = lambda n: None,
    smoother: FrameSmoother | None = None,
) -> VideoReport:
    """Stream ``reader`` through ``stylize`` into ``out_path``; raises on any failure."""
    has_audio = options.keep_audio and reader.has_audio
    info, tb = reader.info, reader.info.time_base
    start_pts = round(Fraction(options.start_s) / tb) if options.start_s else 0
    end_pts = round(Fraction(options.end_s) / tb) if options.end_s is not None else None
    frames: Iterator[Frame] = reader.frames(seek_to=start_pts if start_pts else None)
    if start_pts or end_pts is not None:
        frames = time_range(frames, start_pts, end_pts)
    if options.fps is not None:
        frames = resample(frames, options.fps, tb, 1 / Fraction(info.average_rate or options.fps))
        info = replace(info, average_rate=options.fps)
    audio_end = None if options.end_s is None else options.end_s - options.start_s
    writer = VideoWriter(out_path, container_format or options.container_format, info, options.encode, reader.audio(options.start_s, audio_end) if has_audio else None)
    run, post = model_stages(stylize, options)
    batch = options.batch_for(reader.info.height, reader.info.width)
    report = stream_frames(frames, writer, lambda: reader.display_matrix, run, batch, on_frames, smoother, post)
    note = reader.dropped_streams_note
    if note:
        report.notes.insert(0, note)
    if reader.decoded == 0:
        raise MediaError(f"{reader.name}: no decodable video frames")
    whole = not (start_pts or end_pts is not None)  # a part of a clip cannot be held to the clip's frame count
    report_lost_frames(reader.name, report, reader.frames_lost if whole else reader.decode_errors, options.strict)
    report_damage(reader.name, report, (info.width, info.height), whole and reader.incomplete_end, options.strict)
    return report


def model_stages(stylize: Callable[[np.ndarray], np.ndarray], options: VideoOptions) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray, np.ndarray], np.ndarray] | None]:
    """The model with ``--strength`` folded in (before smoothing), and ``--compare`` (after it)."""
    blend = strength_blend(options.strength)
    run = stylize if blend is None else (lambda x: blend(x, stylize(x)))
    return run, side_by_side(options.compare)


def report_lost_frames(name: str, report: VideoReport, lost: int, strict: bool) -> None:
    """Frames the input promised but did not give: a note, or an error with ``--strict``."""
    report.frames_lost = lost
    if lost:
        message = f"{lost} of {report.frames + lost} frames could not be decoded (corrupt or truncated input)"
        if strict:
            raise MediaError(f"{name}: {message}")
        report.notes.append(message)


def report_damage(name: str, report: VideoReport, stream_size: tuple[int, int], incomplete_end: bool, strict: bool) -> None:
    """What the input did besides losing frames: frames written from pictures of another size than
    the stream's (width, height), and an end cut inside a packet. A note each, or an error with
    ``--strict``."""
    found = [size_change_note(report.resized, report.frames, stream_size)]
    if incomplete_end:
        found.append("ends in an incomplete packet: the last frame(s) may be missing")
    for message in filter(None, found):
        if strict:
            raise MediaError(f"{name}: {message}")
        report.notes.append(message)


def stream_frames(
    frames: Iterator[Frame],
    writer: VideoWriter,
    display_matrix: Callable[[], tuple[int, ...] | None],
    stylize: Callable[[np.ndarray], np.ndarray],
    batch_size: int,
    on_frames: Callable[[int], None] = lambda n: None,
    smoother: FrameSmoother | None = None,
    post: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> VideoReport:
    """decode -> batch -> infer -> smooth -> (post) -> encode over ``frames``, closing ``writer``
    at the end (aborting it on failure). Warm-up frames go through the model and the smoother, not
    the writer; a frame with ``repeats`` is written again at each of those timestamps."""
    report = VideoReport()
    decoded: "queue.Queue[Any]" = queue.Queue(maxsize=max(2, 2 * batch_size))
    stylised: "queue.Queue[Any]" = queue.Queue(maxsize=2)
    stop = threading.Event()
    errors: list[BaseException] = []
    start = time.perf_counter()

    def read() -> None:
        while True:
            t0 = time.perf_counter()
            frame = next(frames, None)
            report.stage_seconds["decode"] += time.perf_counter() - t0
            if frame is None:
                break
            _put(decoded, frame, stop)
        _put(decoded, _END, stop)

    def write() -> None:
        while (item := _get(stylised, stop)) is not _END:
            kept = _finish_batch(item, writer, display_matrix, smoother, post, report)
            if kept:
                on_frames(kept)
        t0 = time.perf_counter()
        writer.close()
        report.stage_seconds["encode"] += time.perf_counter() - t0

    stages = [_Stage(read, "decode", stop, errors), _Stage(write, "encode", stop, errors)]
    started: list[_Stage] = []
    try:
        with stop_signals_held():  # no stage left half-started by a signal
            for stage in stages:
                stage.start()
                started.append(stage)
        _infer_loop(decoded, stylised, stop, stylize, batch_size, report)
    except _Stop:
        pass
    except BaseException:
        stop.set()
        raise
    finally:
        landed = _wait_for(started, stop)
        if errors or stop.is_set():
            writer.abort()
        if landed is not None:
            raise landed
    if errors:
        raise errors[0]
    report.seconds = time.perf_counter() - start
    report.frames = writer.frames_written
    report.notes.extend(writer.notes)
    return report


class _Stage(threading.Thread):
    """One stage (decode or encode) on its own thread: another stage's failure ends it quietly, its
    own goes to the main thread (and stops the others). ``finished`` is set however it ends."""

    def __init__(self, body: Callable[[], None], name: str, stop: threading.Event, errors: list[BaseException]) -> None:
        super().__init__(name=name, daemon=True)
        self._body, self._halt, self._errors = body, stop, errors
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            self._body()
        except _Stop:
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self._errors.append(exc)
            self._halt.set()
        finally:
            self.finished.set()


def _wait_for(stages: list[_Stage], stop: threading.Event) -> BaseException | None:
    """Wait until every stage has ended, and return (not raise) a stop signal that lands meanwhile,
    after setting ``stop``. A stage left running would go on encoding into a file, and decoding
    from a reader, that the caller is about to delete and close: PyAV then crashes the process.
    (Not ``Thread.join``: a join a signal interrupts marks the thread ended while it still runs.)"""
    landed: BaseException | None = None
    for stage in stages:
        while not stage.finished.is_set():
            try:
                stage.finished.wait(0.2)
            except BaseException as exc:  # noqa: BLE001 - raised again once the stages are done
                stop.set()
                landed = landed or exc
    return landed


def _finish_batch(
    item: tuple[np.ndarray, np.ndarray, list[Frame]],
    writer: VideoWriter,
    display_matrix: Callable[[], tuple[int, ...] | None],
    smoother: FrameSmoother | None,
    post: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
    report: VideoReport,
) -> int:
    """Smooth, (post-process) and encode one stylised batch; returns the frames written."""
    inputs, images, batch = item
    t0 = time.perf_counter()
    if smoother is not None:
        images = smoother(inputs, images)
    if post is not None:
        images = post(inputs, images)
    report.stage_seconds["smooth"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    kept = 0
    for image, frame in zip(images, batch):
        if not frame.warmup:
            for pts in (frame.pts, *frame.repeats):
                writer.write(image, pts, display_matrix())
                kept += 1
            if frame.resized_from is not None:
                report.resized[frame.resized_from] += 1 + len(frame.repeats)
    report.stage_seconds["encode"] += time.perf_counter() - t0
    return kept


def _infer_loop(
    decoded: "queue.Queue[Any]",
    stylised: "queue.Queue[Any]",
    stop: threading.Event,
    stylize: Callable[[np.ndarray], np.ndarray],
    batch_size: int,
    report: VideoReport,
) -> None:
    """The model alone on this thread: smoothing and encoding run on the writer's thread, so the
    cores the model leaves idle between its layers go to them instead of a serial wait."""
    batch: list[Frame] = []
    done = False
    while not done:
        item = _get(decoded, stop)
        if item is _END:
            done = True
        else:
            batch.append(item)
        if batch and (done or len(batch) >= batch_size):
            inputs = np.stack([f.image for f in batch])
            t0 = time.perf_counter()
            outputs = stylize(inputs)
            report.stage_seconds["infer"] += time.perf_counter() - t0
            _put(stylised, (inputs, outputs, batch), stop)
            batch = []
    _put(stylised, _END, stop)
