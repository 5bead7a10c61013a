"""Executors: what runs a conversion's planned jobs. ``convert`` validates and plans once, then
hands the jobs to one executor: ``LocalExecutor`` here, or ``cluster.ray_executor.RayExecutor``
across a Ray cluster. Both end in the local job runner (``pipeline.jobs``); neither calls
``convert`` back, so a worker can never start another conversion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from vidanime.model import Model, ModelCache, ModelOptions, load_model
from vidanime.pipeline.jobs import Job, JobResult, JobSettings, ProgressFactory, run_jobs


@dataclass
class Execution:
    """What an executor did: a result per job, in the jobs' order, and what ran them."""

    results: list[JobResult]
    arch: str  # the model's architecture, from its contract
    device: str  # e.g. "cpu", "cuda", "cpu (openvino int8)"
    precision_note: str = ""  # why this precision, when OpenVINO chose one


class Executor(Protocol):
    def run(self, jobs: list[Job], model: ModelOptions, settings: JobSettings, progress: ProgressFactory, keep_going: bool) -> Execution:
        """Run every job with a model loaded from ``model``. With ``keep_going`` (a folder) a file
        that fails is reported in its result; otherwise its ``VidanimeError`` is raised."""
        ...


@dataclass
class LocalExecutor:
    """The jobs one after another in this process, with the model loaded once. A long-lived
    caller (the web app) passes ``models`` to keep loaded models between conversions."""

    models: ModelCache | None = None

    def run(self, jobs: list[Job], model: ModelOptions, settings: JobSettings, progress: ProgressFactory, keep_going: bool) -> Execution:
        loaded: Model = self.models.load(model) if self.models is not None else load_model(model)
        results = run_jobs(jobs, loaded, settings, progress, keep_going)
        return Execution(results, loaded.contract.arch, loaded.describe(), loaded.precision_note)
