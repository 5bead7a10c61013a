"""Conversion across a Ray cluster (``convert --ray [ADDRESS]``; ``pip install '.[cluster]'``).

``RayExecutor`` runs the jobs ``convert`` planned on a bounded pool of ``Stylist`` actors, each
keeping one model loaded (one per CPU group, or per GPU):
* a folder (pictures, videos or both), or one picture: a file per actor call, each the local job
  runner's conversion of that file; a file that fails is reported and the rest go on;
* one video: keyframe-aligned segments (``vidanime.pipeline.segments``), each decoded by seeking
  and encoded with the output's settings; the driver joins them by remuxing and muxes the source
  audio once. Each segment warms the temporal smoother up on frames just before it, so the seams
  do not jump.
A worker killed mid-call is restarted and its call retried. Workers only ever run the local job
runner, never ``convert``.

Every machine needs vidanime installed, and the input and output paths must be ones every node
sees (one machine, or a shared file system).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, TypeVar

from vidanime.errors import VidanimeError
from vidanime.model import Model, ModelOptions, load_model
from vidanime.pipeline.executors import Execution
from vidanime.pipeline.jobs import Job, JobResult, JobSettings, ProgressFactory, no_progress, run_jobs
from vidanime.pipeline.segments import Segment, convert_segment, finish_segments, plan_segments
from vidanime.pipeline.video import VideoReport
from vidanime.video.decode import VideoReader

log = logging.getLogger(__name__)

Unit = TypeVar("Unit")


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise VidanimeError("--ray needs Ray: pip install '.[cluster]'") from exc
    return ray


def connect(address: str | None) -> bool:
    """Join ``address`` (``auto``, ``ray://host:port``) or start a local Ray; True when we started it."""
    ray = _ray()
    if ray.is_initialized():
        return False
    try:
        if address in (None, "", "local"):
            ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        else:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; say it in one line
        raise VidanimeError(f"cannot reach the Ray cluster at {address or 'a new local instance'}: {str(exc).splitlines()[0]}") from exc
    return True


class Stylist:
    """A Ray actor: one loaded model, converting whole files or segments of a video on request."""

    def __init__(self, options: ModelOptions) -> None:
        try:
            self._model: Model | VidanimeError = load_model(options)
        except VidanimeError as exc:  # said by ``describe`` in the user's words, not as a dead actor
            self._model = exc

    @property
    def model(self) -> Model:
        if isinstance(self._model, VidanimeError):
            raise self._model
        return self._model

    def describe(self) -> tuple[str, str, str]:
        """(architecture, device and engine, precision note) of the loaded model."""
        return self.model.contract.arch, self.model.describe(), self.model.precision_note

    def convert_file(self, job: Job, settings: JobSettings) -> JobResult:
        """The local job runner on one file; a failure comes back in the result."""
        return run_jobs([job], self.model, settings, no_progress, keep_going=True)[0]

    def convert_segment(self, source: str, segment: Segment, out_path: str, settings: JobSettings, ticks: Any) -> tuple[int, int, float]:
        """One segment of a video into ``out_path``: (frames, decode errors, seconds)."""

        def report(n: int) -> None:
            if ticks is not None:
                ticks.put_nowait(n)

        Path(out_path).unlink(missing_ok=True)  # a retried segment starts over
        options = settings.video_options(self.model)
        seg_report, errors = convert_segment(Path(source), segment, Path(out_path), self.model.stylizer("video"), options, report, settings.smoother())
        return seg_report.frames, errors, seg_report.seconds


@dataclass
class RayExecutor:
    """Jobs over at most ``workers`` actors (default: the cluster's CPUs / threads per actor)."""

    address: str | None = None  # None / "local": start a local Ray; "auto", "ray://host:port": join one
    workers: int | None = None

    def run(self, jobs: list[Job], model: ModelOptions, settings: JobSettings, progress: ProgressFactory, keep_going: bool) -> Execution:
        ray = _ray()
        started = connect(self.address)
        try:
            cuda = model.device == "cuda" or (model.device == "auto" and bool(ray.cluster_resources().get("GPU")))
            threads = model.threads or (1 if self.workers else 2)
            options = replace(model, threads=threads, device="cuda" if cuda else "cpu")
            one_video = len(jobs) == 1 and jobs[0].kind == "video" and not keep_going
            plan = _segments(jobs[0], settings.segment_seconds) if one_video else []  # --segment-seconds
            pool = _Pool(ray, options, threads, cuda, len(plan) if one_video else len(jobs), self.workers)
            try:
                arch, device, note = pool.describe()
                if one_video:
                    results = [self._one_video(pool, jobs[0], plan, settings, progress)]
                else:
                    results = self._files(pool, jobs, settings, progress)
            finally:
                pool.close()
            if not keep_going and results[0].error:
                raise VidanimeError(results[0].error)
            return Execution(results, arch, device, note)
        finally:
            if started:
                ray.shutdown()

    def _files(self, pool: "_Pool", jobs: list[Job], settings: JobSettings, progress: ProgressFactory) -> list[JobResult]:
        """A file per actor call; a file whose worker was lost for good is reported, the rest go on."""
        done: dict[Job, JobResult] = {}

        def collect(job: Job, ref: Any) -> None:
            try:
                done[job] = pool.ray.get(ref)
            except Exception as exc:  # noqa: BLE001 - a lost worker after its retries
                done[job] = JobResult(job, error=f"{job.name}: the worker failed ({type(exc).__name__})")
            progress(job.name, 1)(1)

        pool.spread(jobs, lambda actor, job: actor.convert_file.remote(job, settings), collect)
        return [done[job] for job in jobs]

    def _one_video(self, pool: "_Pool", job: Job, plan: list[Segment], settings: JobSettings, progress: ProgressFactory) -> JobResult:
        """The segments of one video over the pool, joined in order into ``job.output``."""
        from ray.util.queue import Queue

        source = Path(job.source)
        with VideoReader(source) as reader:
            estimate, declared, dropped = reader.frame_estimate, reader.info.frame_count, reader.dropped_streams_note
        folder = job.output.with_name(f".{job.output.stem}.ray-{uuid.uuid4().hex[:8]}")
        folder.mkdir(parents=True)
        parts = [str(folder / f"seg_{s.index:05d}{job.output.suffix}") for s in plan]
        ticks, on_frames, results = Queue(), progress(job.name, estimate), {}
        started = time.perf_counter()

        def drain() -> None:
            while not ticks.empty():
                on_frames(ticks.get_nowait())

        def collect(segment: Segment, ref: Any) -> None:
            try:
                results[segment.index] = pool.ray.get(ref)
            except Exception as exc:  # noqa: BLE001 - failed for good after the retries
                cause = getattr(exc, "cause", exc)
                message = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
                raise VidanimeError(f"{job.name}: segment {segment.index + 1} of {len(plan)} failed: {message}") from exc

        try:
            pool.spread(plan, lambda actor, s: actor.convert_segment.remote(str(source), s, parts[s.index], settings, ticks), collect, drain)
            drain()
            report = VideoReport(notes=[dropped] if dropped else [])
            done = [(Path(p), results[s.index][0], results[s.index][1]) for s, p in zip(plan, parts)]
            finish_segments(done, source, job.output, job.name, declared, settings.video, report)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        report.seconds = time.perf_counter() - started
        count = len(pool.actors)
        report.notes.append(f"{len(plan)} segments on {count} Ray worker{'s' if count > 1 else ''}")
        return JobResult(job, frames=report.frames, seconds=report.seconds, notes=report.notes, report=report)


def _segments(job: Job, seconds: float) -> list[Segment]:
    with VideoReader(Path(job.source)) as reader:
        return plan_segments(reader.keyframes(), reader.info.time_base, seconds)


class _Pool:
    """A bounded set of ``Stylist`` actors: never more than the units of work, the ``workers``
    asked for, or the cluster's CPUs over the threads each one takes."""

    def __init__(self, ray: Any, options: ModelOptions, threads: int, cuda: bool, units: int, workers: int | None) -> None:
        self.ray = ray
        cpus = int(ray.cluster_resources().get("CPU", 1))
        count = max(1, min(units, workers or max(1, cpus // threads)))
        actor = ray.remote(max_restarts=2, max_task_retries=2)(Stylist).options(num_cpus=threads, num_gpus=1 if cuda else 0)
        self.actors = [actor.remote(options) for _ in range(count)]

    def describe(self) -> tuple[str, str, str]:
        """The first actor's ``Stylist.describe``, once it has loaded the model."""
        try:
            return self.ray.get(self.actors[0].describe.remote())
        except Exception as exc:  # noqa: BLE001 - a model that fails its check there, a worker lost
            cause = getattr(exc, "cause", None) or exc
            if isinstance(cause, VidanimeError):
                raise VidanimeError(str(cause)) from exc
            raise VidanimeError(f"the Ray worker could not load the model: {str(cause).splitlines()[0] if str(cause) else type(cause).__name__}") from exc

    def spread(self, units: list[Unit], call: Callable[[Any, Unit], Any], collect: Callable[[Unit, Any], None], poll: Callable[[], None] = lambda: None) -> None:
        """``call(actor, unit)`` for every unit, each on the next free actor; ``collect(unit, ref)``
        as each finishes, ``poll()`` between waits."""
        free, queue, pending = list(self.actors), list(units), {}
        while queue or pending:
            while queue and free:
                unit, actor = queue.pop(0), free.pop(0)
                pending[call(actor, unit)] = (unit, actor)
            ready, _ = self.ray.wait(list(pending), num_returns=1, timeout=0.2)
            poll()
            for ref in ready:
                unit, actor = pending.pop(ref)
                free.append(actor)
                collect(unit, ref)

    def close(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
