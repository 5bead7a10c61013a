"""The one way to convert: ``convert(request, progress)`` validates the request, plans the jobs
(a file or a folder), loads the style once, and runs every job. The CLI, the benchmark, the web
app and the cluster path all call it; they only parse their input and present the results."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import cv2
import numpy as np

from vidanime.engine import gpu_policy
from vidanime.engine.contract import with_overrides
from vidanime.engine.session import DEFAULT_BATCH, EngineSession, open_session
from vidanime.engine.stylizer import Stylizer
from vidanime.errors import MediaError, UsageError, VidanimeError
from vidanime.images.io import is_image_path, read_image, write_image
from vidanime.outputs import UNWRITABLE_SUFFIXES, atomic_output, check_output, default_output, output_suffix
from vidanime.pipeline.frames import side_by_side, strength_blend
from vidanime.pipeline.segments import convert_resumable, run_key
from vidanime.pipeline.video import FrameSmoother, VideoOptions, VideoReport, convert_video, model_stages
from vidanime.stop import graceful_stop
from vidanime.styles.inspect import check_generator
from vidanime.styles.registry import Style, resolve_style
from vidanime.temporal.smoothing import smoother_factory
from vidanime.video.decode import VideoReader, input_name, is_stream_input
from vidanime.video.encode import EncodeSettings

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = {
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".m2ts", ".flv", ".wmv",
    ".mpg", ".mpeg", ".3gp", ".gif", ".264", ".265", ".h264", ".hevc", ".ogv",
}  # fmt: skip

# (name shown in progress, frames expected or None) -> a callback taking frames done since last call
ProgressFactory = Callable[[str, "int | None"], Callable[[int], None]]


def no_progress(name: str, total: int | None) -> Callable[[int], None]:
    return lambda n: None


# --quality presets: the fraction of the short side the model works at; the result comes back to
# full size by guided upsampling. Measured by tools/upsample_eval.py (README, "Quality presets").
QUALITY_SCALE: dict[str, float] = {"best": 1.0, "balanced": 0.75, "fast": 0.5}
QUALITY = ("auto", *QUALITY_SCALE)
# auto: videos whose short side is at least AUTO_VIDEO_FROM run balanced (41-43 dB against full
# size on real 720p / 1080p clips, above the 40 dB the bf16 / int8 gates ask); pictures, smaller
# videos and styles whose look is a pattern fixed to the pixel grid (manga's screen) run best.
AUTO_VIDEO_FROM = 720
FULL_SIZE_ARCHS = frozenset({"manga"})


def quality_scales(quality: str, arch: str) -> dict[str, float | int]:
    """The Stylizer's scale fields for ``--quality`` on a model of ``arch``."""
    if quality != "auto":
        return {"scale": QUALITY_SCALE[quality], "video_scale": QUALITY_SCALE[quality]}
    if arch in FULL_SIZE_ARCHS:
        return {}
    return {"video_scale": QUALITY_SCALE["balanced"], "video_scale_from": AUTO_VIDEO_FROM}


@dataclass
class ConvertRequest:
    """Everything a conversion needs to know; what ``vidanime convert`` parses its options into."""

    source: Path
    output: Path | None = None  # default: NAME_STYLE.EXT (or NAME_STYLE/ for a folder) beside the input
    style: str | None = None  # a style name or an .onnx path; default: the bundled default
    device: str = "auto"
    batch_size: int | None = None  # default: per device
    resolution: int | None = None  # processing short side; overrides ``quality``
    quality: str = "auto"  # a QUALITY preset: the processing size, brought back by guided upsampling
    keep_processing_size: bool = False
    encode: EncodeSettings = field(default_factory=EncodeSettings)
    overwrite: bool = False
    keep_audio: bool = True
    strict: bool = False
    threads: int | None = None
    contract_overrides: dict[str, object] = field(default_factory=dict)  # --layout, --input-range, --bgr ...
    temporal: str = "flow"
    temporal_strength: float = 0.9
    resume: bool = False  # videos in journaled segments; a stopped run continues where it was
    segment_seconds: float = 10.0
    start: float | None = None  # seconds; --start
    end: float | None = None  # seconds; --end (or --start + --duration)
    fps: float | None = None  # --fps
    strength: float = 1.0  # --strength
    compare: str | None = None  # --compare horizontal|vertical
    container_format: str | None = None  # --format (the output container, e.g. for -o -)
    backend: str = "auto"  # CPU engine: auto (OpenVINO when installed), onnxruntime, openvino
    precision: str = "auto"  # CPU engine precision: auto (fastest that passes its probe), fp32, bf16, int8
    ray: str | None = None  # --ray: "local" (start one here), "auto", "ray://host:port"
    ray_workers: int | None = None  # Ray actors for one video (default: the cluster's CPUs / threads)


@dataclass(frozen=True)
class Job:
    source: Path | str  # a str for inputs read once: "-", a URL, a capture device
    output: Path  # Path("-") is standard output
    kind: str  # "image" or "video"

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


@dataclass
class ConvertOutcome:
    results: list[JobResult]
    style: Style
    arch: str
    device: str  # e.g. "cpu", "cuda", "cpu (openvino bf16)"

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if r.error]


ModelCache = dict  # (model, device, threads, contract overrides, resolution) -> (Stylizer, EngineSession)


def convert(request: ConvertRequest, progress: ProgressFactory = no_progress, models: ModelCache | None = None) -> ConvertOutcome:
    """Validate, plan, load, run. Raises ``VidanimeError`` for a bad request or (single file) a bad
    input; in folder mode a bad file is reported in its ``JobResult`` and the rest go on. A long-lived
    caller (the web app) passes ``models`` to keep loaded models between calls."""
    if request.ray is not None:
        from vidanime.cluster.ray_convert import convert_on_ray

        return convert_on_ray(request, progress, request.ray, request.ray_workers)
    smoothers = validate(request)
    style = resolve_style(request.style)
    jobs = plan_jobs(request.source, request.output, style.name, request.overwrite)
    stylizer, engine = cached_stylizer(style, request, models)
    options = VideoOptions(
        batch_size=request.batch_size or DEFAULT_BATCH[engine.device], encode=request.encode,
        auto_batch=None if request.batch_size else gpu_policy.batch_chooser(engine.device, stylizer.for_video().processing_size),
        keep_audio=request.keep_audio, strict=request.strict, start_s=request.start or 0.0, end_s=request.end,
        fps=Fraction(request.fps).limit_denominator(1001) if request.fps else None, strength=request.strength,
        compare=request.compare, container_format=request.container_format,
    )  # fmt: skip
    resumable = None
    if request.resume and not is_stream_input(request.source):
        settings = {k: v for k, v in vars(request).items() if k not in ("source", "output", "overwrite", "resume", "threads")}

        def resumable(job: Job) -> JobResult:
            key = run_key(Path(job.source), style.path, settings)
            report = convert_resumable(Path(job.source), job.output, stylizer.for_video(), options, progress, smoothers, key, request.segment_seconds, True)
            return JobResult(job, frames=report.frames, seconds=report.seconds, notes=report.notes, report=report)

    folder = not is_stream_input(request.source) and Path(request.source).is_dir()
    results = run_jobs(jobs, stylizer, options, progress, keep_going=folder, smoother_factory=smoothers, video_job=resumable)
    where = engine.device if engine.backend == "onnxruntime" else f"{engine.device} ({engine.backend} {engine.precision})"
    return ConvertOutcome(results, style, engine.contract.arch, where)


def validate(request: ConvertRequest) -> Callable[[], FrameSmoother | None]:
    """Check the request before anything is loaded; returns the per-video smoother factory."""
    for name, value in (("--batch-size", request.batch_size), ("--resolution", request.resolution), ("--threads", request.threads)):
        if value is not None and value < 1:
            raise UsageError(f"{name} must be a positive number")
    if request.quality not in QUALITY:
        raise UsageError(f"--quality is one of {', '.join(QUALITY)}, not {request.quality!r}")
    if not request.segment_seconds > 0:
        raise UsageError("--segment-seconds must be positive")
    if request.fps is not None and not request.fps > 0:
        raise UsageError("--fps must be positive")
    if request.end is not None and request.end <= (request.start or 0.0):
        raise UsageError("--end must come after --start")
    if request.ray is not None and (request.resume or request.start or request.end is not None or request.fps or is_stream_input(request.source)):
        raise UsageError("--ray takes a file or a folder, without --resume / --start / --end / --fps")
    if request.resume and (request.start or request.end is not None or request.fps):
        raise UsageError("--resume does not combine with --start / --end / --fps yet: convert the part first, or without --resume")
    strength_blend(request.strength), side_by_side(request.compare)  # check the values now
    if not is_stream_input(request.source) and not Path(request.source).exists():
        raise VidanimeError(f"input not found: {request.source}")
    return smoother_factory(request.temporal, request.temporal_strength)


def _kind(path: Path) -> str:
    return "image" if is_image_path(path) else "video"


def plan_jobs(source: Path | str, output: Path | None, style_name: str, overwrite: bool) -> list[Job]:
    """Map the input (a file, a folder, or a stream) to (source, output, kind) jobs; check outputs first."""
    if is_stream_input(source):
        if output is None:
            raise UsageError(f"{input_name(source)} is read as a stream: say where the result goes with -o FILE (or -o - for standard output)")
        if str(output) != "-":
            check_output(Path("-"), output, overwrite)
        return [Job(str(source), output, "video")]
    source = Path(source)
    dst = output or default_output(source, style_name)
    if str(dst) == "-":
        if source.is_dir() or is_image_path(source):
            raise UsageError("-o - (standard output) takes one video")
        return [Job(source, dst, "video")]
    if source.is_file():
        kind = _kind(source)
        if dst.suffix == "":
            raise UsageError(f"output {dst} has no extension: say which format, e.g. -o {dst}.mp4")
        if kind == "video" and is_image_path(dst):
            raise UsageError(f"{source.name} is a video: give a video output name, not {dst.name}")
        if kind == "image" and not is_image_path(dst):
            raise UsageError(f"{source.name} is an image: give an image output name (.png, .jpg, .webp ...), not {dst.name}")
        if dst.suffix.lower() in UNWRITABLE_SUFFIXES:
            raise UsageError(UNWRITABLE_SUFFIXES[dst.suffix.lower()])
        check_output(source, dst, overwrite)
        return [Job(source, dst, kind)]
    if dst.exists() and not dst.is_dir():
        raise UsageError(f"input is a folder, so -o must be a folder; {dst} is a file")
    if dst.exists() and dst.resolve() == source.resolve():
        raise UsageError(f"output folder {dst} is the input folder: choose another -o")
    jobs = []
    for path in sorted(source.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(source).parts):
            continue
        if dst.exists() and dst.resolve() in path.resolve().parents:
            continue  # an output folder inside the input folder
        if is_image_path(path) or path.suffix.lower() in VIDEO_SUFFIXES:
            target = (dst / path.relative_to(source)).with_suffix(output_suffix(path))
            if target.exists() and not overwrite:
                raise UsageError(f"output {target} exists: pass --overwrite to replace it")
            jobs.append(Job(path, target, _kind(path)))
    if not jobs:
        raise VidanimeError(f"no images or videos found in {source}")
    return jobs


def cached_stylizer(style: Style, request: ConvertRequest, models: ModelCache | None) -> tuple[Stylizer, EngineSession]:
    if models is None:
        return load_stylizer(style, request)
    stat = style.path.stat()
    key = (str(style.path), stat.st_mtime_ns, request.device, request.backend, request.precision, request.threads, repr(sorted(request.contract_overrides.items())), request.resolution, request.quality, request.keep_processing_size)
    if key not in models:
        models[key] = load_stylizer(style, request)
    return models[key]


def load_stylizer(style: Style, request: ConvertRequest) -> tuple[Stylizer, EngineSession]:
    """Open the style's model; what ``styles add`` found, then the command line, refine its contract."""
    engine = open_session(style.path, request.device, request.threads, request.backend, request.precision)
    saved = style.sidecar.get("contract")
    contract = with_overrides(engine.contract, saved) if isinstance(saved, dict) else engine.contract
    engine.contract = with_overrides(contract, request.contract_overrides)
    check_generator(engine, engine.contract, style.path)  # every model, however it arrives
    scales = quality_scales(request.quality, engine.contract.arch)
    stylizer = Stylizer(engine.run, engine.contract, request.resolution, request.keep_processing_size, **scales)  # type: ignore[arg-type]
    return stylizer, engine


def convert_image(job: Job, stylizer: Callable[[np.ndarray], np.ndarray], options: VideoOptions) -> JobResult:
    rgb, alpha = read_image(Path(job.source))
    run, post = model_stages(stylizer, options)
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


def run_jobs(
    jobs: list[Job],
    stylizer: Stylizer,
    options: VideoOptions,
    progress: ProgressFactory,
    keep_going: bool,
    smoother_factory: Callable[[], FrameSmoother | None] = lambda: None,
    video_job: Callable[[Job], JobResult] | None = None,
) -> list[JobResult]:
    """Run jobs in order; in folder mode one bad file is reported and the rest go on.
    ``video_job`` replaces the one-pass video conversion (the resumable one)."""
    results = []
    for job in jobs:
        try:
            if job.kind == "image":
                result = convert_image(job, stylizer, options)
                progress(job.name, 1)(1)
            elif video_job is not None:
                result = video_job(job)
            else:
                result = convert_one_video(job, stylizer.for_video(), options, progress, smoother_factory())
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
