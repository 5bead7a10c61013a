"""The one way to convert: ``convert(request, progress)`` validates the request, classifies the
source once into jobs (a file, a folder, a stream) and hands them to an executor: the local one,
or Ray's with ``--ray``. The CLI, the benchmark and the web app call it; they only parse their
input and present the results. Executors never call ``convert`` back."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from vidanime.cluster.ray_executor import RayExecutor
from vidanime.errors import UsageError, VidanimeError
from vidanime.images.io import is_image_path
from vidanime.model import ModelCache, ModelOptions
from vidanime.outputs import UNWRITABLE_SUFFIXES, check_output, default_output, output_suffix
from vidanime.pipeline.executors import Executor, LocalExecutor
from vidanime.pipeline.frames import face_drawing, side_by_side, strength_blend
from vidanime.pipeline.jobs import Job, JobResult, JobSettings, ProgressFactory, no_progress
from vidanime.pipeline.video import VideoOptions
from vidanime.styles.registry import Style, resolve_style
from vidanime.temporal.smoothing import smoother_factory
from vidanime.video.decode import input_name, is_stream_input
from vidanime.video.encode import EncodeSettings

__all__ = ["ConvertOutcome", "ConvertRequest", "Job", "JobResult", "ProgressFactory", "convert", "no_progress", "plan_jobs", "validate"]

VIDEO_SUFFIXES = {
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".m2ts", ".flv", ".wmv",
    ".mpg", ".mpeg", ".3gp", ".gif", ".264", ".265", ".h264", ".hevc", ".ogv",
}  # fmt: skip


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
    faces: str = "keep"  # --faces keep|draw: faces drawn the anime way on pictures
    container_format: str | None = None  # --format (the output container, e.g. for -o -)
    backend: str = "auto"  # CPU engine: auto (OpenVINO when installed), onnxruntime, openvino
    precision: str = "auto"  # CPU engine precision: auto (fastest that passes its probe), fp32, bf16, int8
    ray: str | None = None  # --ray: "local" (start one here), "auto", "ray://host:port"
    ray_workers: int | None = None  # Ray actors (default: the cluster's CPUs / threads)

    def model_options(self) -> ModelOptions:
        """The part of the request that says which model to load and at which size to run it."""
        return ModelOptions(self.style, self.device, self.backend, self.precision, self.threads, dict(self.contract_overrides),
                            self.resolution, self.quality, self.keep_processing_size)  # fmt: skip

    def job_settings(self) -> JobSettings:
        """The part of the request every job runs with, whatever the model."""
        video = VideoOptions(
            batch_size=self.batch_size or 0, encode=self.encode, keep_audio=self.keep_audio, strict=self.strict,
            start_s=self.start or 0.0, end_s=self.end, fps=Fraction(self.fps).limit_denominator(1001) if self.fps else None,
            strength=self.strength, compare=self.compare, container_format=self.container_format, faces=self.faces,
        )  # fmt: skip
        resume = None
        if self.resume and not is_stream_input(self.source):  # the journal key: every setting but where
            resume = {k: v for k, v in vars(self).items() if k not in ("source", "output", "overwrite", "resume", "threads")}
        return JobSettings(video, self.temporal, self.temporal_strength, resume, self.segment_seconds)

    def executor(self, models: ModelCache | None = None) -> Executor:
        """Ray's with ``--ray``, else this process."""
        if self.ray is not None:
            return RayExecutor(self.ray, self.ray_workers)
        return LocalExecutor(models)


@dataclass
class ConvertOutcome:
    """What a conversion did: a result per input (frames, seconds, notes, error) and what ran it."""

    results: list[JobResult]
    style: Style
    arch: str
    device: str
    """Where it ran, e.g. ``cpu``, ``cuda``, ``cpu (openvino bf16)``."""
    precision_note: str = ""
    """Why this precision, when OpenVINO chose one (its probe against fp32)."""

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if r.error]

    @property
    def outputs(self) -> list[Path]:
        """The files written, in the inputs' order (``Path("-")`` for standard output)."""
        return [Path(r.job.output) for r in self.results if not r.error]


def convert(request: ConvertRequest, progress: ProgressFactory = no_progress, models: ModelCache | None = None) -> ConvertOutcome:
    """Validate, plan, execute. Raises ``VidanimeError`` for a bad request or (single file) a bad
    input; in folder mode a bad file is reported in its ``JobResult`` and the rest go on. A long-lived
    caller (the web app) passes ``models`` to keep loaded models between calls."""
    validate(request)
    style = resolve_style(request.style)
    jobs = plan_jobs(request.source, request.output, style.name, request.overwrite)
    folder = not is_stream_input(request.source) and Path(request.source).is_dir()
    done = request.executor(models).run(jobs, request.model_options(), request.job_settings(), progress, keep_going=folder)
    return ConvertOutcome(done.results, style, done.arch, done.device, done.precision_note)


def validate(request: ConvertRequest) -> None:
    """Check the request before anything is loaded."""
    if request.batch_size is not None and request.batch_size < 1:
        raise UsageError("--batch-size must be a positive number")
    request.model_options().check()
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
    video = is_stream_input(request.source) or (not Path(request.source).is_dir() and _kind(Path(request.source)) == "video")
    strength_blend(request.strength), side_by_side(request.compare), face_drawing(request.faces, video)  # check the values now
    if not is_stream_input(request.source) and not Path(request.source).exists():
        raise VidanimeError(f"input not found: {request.source}")
    smoother_factory(request.temporal, request.temporal_strength)  # checks --temporal now


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
