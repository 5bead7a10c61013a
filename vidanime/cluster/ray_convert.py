"""Conversion across a Ray cluster (``convert --ray [ADDRESS]``; ``pip install '.[cluster]'``).

* A folder: one Ray task per file, each the single-machine conversion of that file.
* A video: keyframe-aligned segments (``vidanime.pipeline.segments``), each decoded by seeking and
  stylised by a ``Stylist`` actor that keeps its model loaded (one per CPU group, or per GPU),
  encoded with the output's settings; the driver joins them by remuxing and muxes the source
  audio once. Each segment warms the temporal smoother up on frames just before it, so the seams
  do not jump. A worker killed mid-segment is restarted and its segment retried.

Every machine needs vidanime installed, and the input and output paths must be ones every node
sees (one machine, or a shared file system).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from vidanime.errors import VidanimeError
from vidanime.pipeline.convert import ConvertOutcome, ConvertRequest, Job, JobResult, ProgressFactory, plan_jobs, validate
from vidanime.pipeline.segments import finish_segments, plan_segments
from vidanime.pipeline.video import VideoReport
from vidanime.styles.registry import resolve_style
from vidanime.video.decode import VideoReader

log = logging.getLogger(__name__)


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise VidanimeError("--ray needs Ray: pip install '.[cluster]'") from exc
    return ray


def connect(address: str | None, threads: int | None) -> bool:
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


def convert_on_ray(request: ConvertRequest, progress: ProgressFactory, address: str | None = None, workers: int | None = None) -> ConvertOutcome:
    """What ``pipeline.convert`` does, spread over a Ray cluster."""
    ray = _ray()
    smoothers = validate(request)
    smoothers()  # checked on the driver; each worker makes its own
    style = resolve_style(request.style)
    jobs = plan_jobs(request.source, request.output, style.name, request.overwrite)
    started = connect(address, request.threads)
    try:
        cuda = request.device == "cuda" or (request.device == "auto" and bool(ray.cluster_resources().get("GPU")))
        threads = request.threads or (1 if workers else 2)
        folder = Path(request.source).is_dir()
        if folder:
            results = _folder(jobs, request, progress, threads, cuda)
        else:
            results = [_one_video(jobs[0], request, progress, threads, cuda, workers) if jobs[0].kind == "video" else _folder(jobs, request, progress, threads, cuda)[0]]
        if not folder and results[0].error:
            raise VidanimeError(results[0].error)
        return ConvertOutcome(results, style, "ray", "cuda" if cuda else "cpu")
    finally:
        if started:
            ray.shutdown()


def _remote_options(threads: int, cuda: bool) -> dict[str, Any]:
    return {"num_cpus": threads, "num_gpus": 1 if cuda else 0}


def _folder(jobs: list[Job], request: ConvertRequest, progress: ProgressFactory, threads: int, cuda: bool) -> list[JobResult]:
    """One task per file; a file that fails is reported and the rest go on."""
    ray = _ray()
    task = ray.remote(max_retries=2)(_convert_file).options(**_remote_options(threads, cuda))
    for job in jobs:
        job.output.parent.mkdir(parents=True, exist_ok=True)
    pending = {task.remote(replace(request, source=job.source, output=job.output, threads=threads)): job for job in jobs}
    done_results: dict[Job, JobResult] = {}
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        job = pending.pop(ready[0])
        try:
            frames, seconds, notes, error = ray.get(ready[0])
            done_results[job] = JobResult(job, frames=frames, seconds=seconds, notes=notes, error=error)
        except Exception as exc:  # noqa: BLE001 - a lost worker after its retries
            done_results[job] = JobResult(job, error=f"{job.name}: the worker failed ({type(exc).__name__})")
        progress(job.name, 1)(1)
    return [done_results[job] for job in jobs]


def _convert_file(request: ConvertRequest) -> tuple[int, float, list[str], str | None]:
    """Runs on a worker: the single-machine conversion of one file."""
    from vidanime.pipeline.convert import convert

    try:
        result = convert(request).results[0]
        return result.frames, result.seconds, result.notes, result.error
    except VidanimeError as exc:
        return 0, 0.0, [], str(exc)


class Stylist:
    """A Ray actor: one loaded model, converting segments of videos on request."""

    def __init__(self, request: ConvertRequest) -> None:
        from vidanime.pipeline.convert import load_stylizer

        self.request = request
        stylizer, self.engine = load_stylizer(resolve_style(request.style), request)
        self.stylizer = stylizer.for_video()

    def convert(self, source: str, segment: Any, out_path: str, options: Any, progress: Any) -> tuple[int, int, float]:
        from vidanime.pipeline.segments import convert_segment
        from vidanime.temporal.smoothing import smoother_factory

        smoother = smoother_factory(self.request.temporal, self.request.temporal_strength)()

        def report(n: int) -> None:
            if progress is not None:
                progress.put_nowait(n)

        Path(out_path).unlink(missing_ok=True)  # a retried segment starts over
        seg_report, errors = convert_segment(Path(source), segment, Path(out_path), self.stylizer, options, report, smoother)
        return seg_report.frames, errors, seg_report.seconds


def _one_video(job: Job, request: ConvertRequest, progress: ProgressFactory, threads: int, cuda: bool, workers: int | None) -> JobResult:
    ray = _ray()
    from ray.util.queue import Queue

    from vidanime.engine.session import DEFAULT_BATCH
    from vidanime.pipeline.video import VideoOptions

    source = Path(job.source)
    with VideoReader(source) as reader:
        plan = plan_segments(reader.keyframes(), reader.info.time_base, request.segment_seconds)
        estimate, declared, dropped = reader.frame_estimate, reader.info.frame_count, reader.dropped_streams_note
    cpus = int(ray.cluster_resources().get("CPU", 1))
    count = max(1, min(len(plan), workers or max(1, cpus // threads)))
    options = VideoOptions(
        batch_size=request.batch_size or DEFAULT_BATCH["cuda" if cuda else "cpu"], encode=request.encode,
        keep_audio=request.keep_audio, strict=request.strict, strength=request.strength, compare=request.compare,
    )  # fmt: skip
    actor = ray.remote(max_restarts=2, max_task_retries=2)(Stylist).options(**_remote_options(threads, cuda))
    stylists = [actor.remote(replace(request, threads=threads, device="cuda" if cuda else "cpu")) for _ in range(count)]
    folder = job.output.with_name(f".{job.output.stem}.ray-{uuid.uuid4().hex[:8]}")
    folder.mkdir(parents=True)
    ticks = Queue()
    on_frames = progress(job.name, estimate)
    started = time.perf_counter()
    try:
        parts = [str(folder / f"seg_{s.index:05d}{job.output.suffix}") for s in plan]
        pending: dict[Any, int] = {}
        free = list(range(count))
        queue_of = list(plan)
        results: dict[int, tuple[int, int, float]] = {}
        while queue_of or pending:
            while queue_of and free:
                seg = queue_of.pop(0)
                who = free.pop(0)
                pending[stylists[who].convert.remote(str(source), seg, parts[seg.index], options, ticks)] = (seg.index, who)  # type: ignore[assignment]
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.2)
            while not ticks.empty():
                on_frames(ticks.get_nowait())
            for ref in ready:
                index, who = pending.pop(ref)  # type: ignore[misc]
                free.append(who)
                try:
                    results[index] = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - failed for good after the retries
                    cause = getattr(exc, "cause", exc)
                    message = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
                    raise VidanimeError(f"{job.name}: segment {index + 1} of {len(plan)} failed: {message}") from exc
        while not ticks.empty():
            on_frames(ticks.get_nowait())
        report = VideoReport(notes=[dropped] if dropped else [])
        done = [(Path(p), results[s.index][0], results[s.index][1]) for s, p in zip(plan, parts)]
        finish_segments(done, source, job.output, job.name, declared, options, report)
        report.seconds = time.perf_counter() - started
        report.notes.append(f"{len(plan)} segments on {count} Ray worker{'s' if count > 1 else ''}")
        return JobResult(job, frames=report.frames, seconds=report.seconds, notes=report.notes, report=report)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for stylist in stylists:
            ray.kill(stylist)
