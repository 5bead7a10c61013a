"""The local job runner: one planned job (a picture or a video, source and output decided) run
through a loaded ``Model``. Every executor ends here: the local one in this process, the Ray one
on its workers; nothing here plans, validates a request, or knows about executors."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Literal

import av
import cv2
import numpy as np

from vidanime.engine import gpu_policy
from vidanime.engine.stylizer import Stylizer
from vidanime.errors import MediaError, VidanimeError
from vidanime.images.io import read_image, write_image
from vidanime.model import Model
from vidanime.outputs import atomic_output
from vidanime.pipeline.frames import with_faces
from vidanime.pipeline.segments import convert_resumable, run_key
from vidanime.pipeline.video import FrameSmoother, VideoOptions, VideoReport, convert_video, model_stages
from vidanime.stop import graceful_stop
from vidanime.temporal.smoothing import smoother_factory
from vidanime.video.decode import VideoReader, input_name

log = logging.getLogger(__name__)

# (name shown in progress, frames expected or None) -> a callback taking frames done since last call
ProgressFactory = Callable[[str, "int | None"], Callable[[int], None]]


def no_progress(name: str, total: int | None) -> Callable[[int], None]:
    return lambda n: None


@dataclass(frozen=True)
class Progress:
    """Where one input stands: what a progress callback of the Python API and the web app receives."""

    name: str
    """The input's name (a file name, ``stdin``, a URL)."""
    done: int
    """Frames written so far (a picture: 0, then 1)."""
    total: int | None
    """Frames expected; None when unknown (a stream)."""


def reporting(callback: Callable[[Progress], None]) -> ProgressFactory:
    """The pipelines' progress factory, calling ``callback`` with the running count: once when an
    input starts, then after every batch. An exception it raises stops the conversion."""

    def start(name: str, total: int | None) -> Callable[[int], None]:
        done = 0
        callback(Progress(name, done, total))

        def advance(n: int) -> None:
            nonlocal done
            done += n
            callback(Progress(name, done, total))

        return advance

    return start


@dataclass(frozen=True)
class Job:
    """One input and where its result goes, classified once by ``convert``'s planner."""

    source: Path | str  # a str for inputs read once: "-", a URL, a capture device
    output: Path  # Path("-") is standard output
    kind: Literal["image", "video"]

    @property
    def name(self) -> str:
        return input_name(self.source)


@dataclass
class JobResult:
    job: Job
    frames: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    report: VideoReport | None = None


@dataclass(frozen=True)
class JobSettings:
    """How every job of one conversion runs, whatever the model: what a worker needs beside it.
    Plain values only, so it travels to a Ray worker as it is."""

    video: VideoOptions  # its batch_size 0: the default of the device the model runs on
    temporal: str = "flow"
    temporal_strength: float = 0.9
    resume: dict[str, Any] | None = None  # --resume: the run's settings, part of each video's journal key
    segment_seconds: float = 10.0  # --resume, and one video over Ray: segments about this long

    def video_options(self, model: Model) -> VideoOptions:
        """The batch the user asked for, else the device's: on CUDA chosen per frame size by the policy."""
        if self.video.batch_size:
            return self.video
        auto = gpu_policy.batch_chooser(model.device, model.stylizer("video").processing_size)
        return replace(self.video, batch_size=model.batch_size, auto_batch=auto)

    def smoother(self) -> FrameSmoother | None:
        """A fresh temporal smoother for one video (none for ``--temporal off``)."""
        return smoother_factory(self.temporal, self.temporal_strength)()


def run_job(job: Job, model: Model, settings: JobSettings, progress: ProgressFactory = no_progress) -> JobResult:
    """Convert one picture or one whole video with ``model``; raises ``VidanimeError`` when it fails."""
    options = settings.video_options(model)
    if job.kind == "image":
        result = convert_image(job, model.stylizer("image"), options)
        progress(job.name, 1)(1)
        return result
    stylizer = model.stylizer("video")
    if settings.resume is not None:
        source = Path(job.source)
        key = run_key(source, model.style.path, settings.resume)
        report = convert_resumable(source, job.output, stylizer, options, progress, settings.smoother, key, settings.segment_seconds, True)
        result = JobResult(job, frames=report.frames, seconds=report.seconds, notes=report.notes, report=report)
    else:
        result = convert_one_video(job, stylizer, options, progress, settings.smoother())
    if options.faces != "keep":  # a folder of pictures and videos: say why this one's faces are not drawn
        result.notes.append("--faces draw works on pictures; this video's faces are as the style paints them")
    return result


def run_jobs(jobs: list[Job], model: Model, settings: JobSettings, progress: ProgressFactory, keep_going: bool) -> list[JobResult]:
    """Run jobs in order; with ``keep_going`` (a folder) one bad file is reported and the rest go on."""
    results = []
    for job in jobs:
        try:
            result = run_job(job, model, settings, progress)
        except VidanimeError as exc:
            if not keep_going:
                raise
            result = JobResult(job, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - in a folder, one file's bug must not stop the rest
            if not keep_going:
                raise
            log.debug("unexpected error on %s", job.source, exc_info=True)
            first = str(exc).splitlines()[0] if str(exc) else ""
            result = JobResult(job, error=f"{job.name}: unexpected {type(exc).__name__}: {first} (re-run with --debug)")
        results.append(result)
    return results


def convert_image(job: Job, stylizer: Callable[[np.ndarray], np.ndarray], options: VideoOptions) -> JobResult:
    rgb, alpha = read_image(Path(job.source))
    run, post = model_stages(with_faces(stylizer, options.faces), options)
    out = run(rgb[None])
    out = (post(rgb[None], out) if post is not None else out)[0]
    if post is not None and alpha is not None:
        alpha = None  # a side-by-side picture has no single alpha channel
    if alpha is not None and alpha.shape != out.shape[:2]:
        alpha = cv2.resize(alpha, (out.shape[1], out.shape[0]), interpolation=cv2.INTER_AREA)
    job.output.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(job.output) as tmp:
        write_image(tmp, out, alpha)
    return JobResult(job, frames=1)


def convert_one_video(
    job: Job,
    stylizer: Callable[[np.ndarray], np.ndarray],
    options: VideoOptions,
    progress: ProgressFactory,
    smoother: FrameSmoother | None = None,
) -> JobResult:
    with VideoReader(job.source, keep_audio=options.keep_audio) as reader:
        on_frames = progress(job.name, expected_frames(reader, options))
        try:
            with graceful_stop(reader.stop_requested) if reader.live else contextlib.nullcontext():
                if str(job.output) == "-":  # a pipe: no temporary file to rename
                    report = convert_video(reader, Path("-"), options.container_format or "matroska", stylizer, options, on_frames, smoother)
                else:
                    job.output.parent.mkdir(parents=True, exist_ok=True)
                    with atomic_output(job.output) as tmp:
                        report = convert_video(reader, tmp, None, stylizer, options, on_frames, smoother)
        except av.error.FFmpegError as exc:  # not a write failure (atomic_output says those): damaged input
            raise MediaError(f"{job.name}: damaged media data ({str(exc).split(': ', 1)[0]})") from exc
        if reader.stop_requested.is_set():
            report.notes.append(f"stopped by a signal: the output holds the {report.frames} frames converted until then")
        if isinstance(stylizer, Stylizer) and stylizer.short_side is None:
            h, w = reader.info.height, reader.info.width
            ph, pw = stylizer.processing_size(h, w)
            if (ph, pw) != (h, w):  # say what --quality did, so nobody wonders about the detail
                report.notes.append(f"the model ran at {pw}x{ph}, brought back to {w}x{h} by guided upsampling (--quality best: full size)")
    return JobResult(job, frames=report.frames, seconds=report.seconds, notes=report.notes, report=report)


def expected_frames(reader: VideoReader, options: VideoOptions) -> int | None:
    """For the progress bar: frames the output will have (part of the clip, another rate)."""
    info = reader.info
    if info.duration_s is None or not info.average_rate:
        return reader.frame_estimate
    seconds = min(info.duration_s, options.end_s if options.end_s is not None else info.duration_s) - options.start_s
    rate = float(options.fps or info.average_rate)
    return max(1, round(seconds * rate)) if (options.fps or options.start_s or options.end_s is not None) else reader.frame_estimate
