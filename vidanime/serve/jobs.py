"""The web app's jobs: one worker converts them one at a time (the machine's cores go to one
conversion), keeps loaded models between jobs, and every job lives in its own folder under the
server's temporary root, removed after a time to live and when the server stops."""

from __future__ import annotations

import logging
import queue
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidanime.errors import VidanimeError
from vidanime.model import ModelCache
from vidanime.pipeline.convert import ConvertRequest, convert
from vidanime.pipeline.jobs import Progress, reporting

log = logging.getLogger(__name__)

STATES = ("queued", "running", "done", "failed", "cancelled")


class Cancelled(VidanimeError):
    """Raised from a job's progress callback when its cancel button was pressed."""


@dataclass
class Job:
    id: str
    folder: Path
    request: ConvertRequest
    kind: str  # "video" or "image"
    state: str = "queued"
    frames_done: int = 0
    frames_total: int | None = None
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def result(self) -> Path | None:
        out = self.request.output
        return out if self.state == "done" and out is not None and out.is_file() else None

    def progress(self) -> dict[str, Any]:
        elapsed = (self.finished or time.monotonic()) - self.started if self.started else 0.0
        fps = self.frames_done / elapsed if elapsed > 0 and self.frames_done else None
        eta = (self.frames_total - self.frames_done) / fps if fps and self.frames_total and self.state == "running" else None
        return {"frames": self.frames_done, "total": self.frames_total, "fps": None if fps is None else round(fps, 2),
                "eta_seconds": None if eta is None else round(max(0.0, eta), 1), "elapsed_seconds": round(elapsed, 1)}  # fmt: skip


class JobQueue:
    """Jobs in order of arrival, run by one worker thread."""

    def __init__(self, root: Path | None = None, ttl_seconds: float = 3600.0) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="vidanime-serve-"))
        self.ttl = ttl_seconds
        self.jobs: dict[str, Job] = {}
        self.models = ModelCache()
        self._pending: "queue.Queue[str | None]" = queue.Queue()
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._work, name="vidanime-jobs", daemon=True)
        self._worker.start()

    def new_folder(self) -> tuple[str, Path]:
        job_id = uuid.uuid4().hex[:12]
        folder = self.root / job_id
        folder.mkdir(parents=True)
        return job_id, folder

    def submit(self, job: Job) -> Job:
        with self._lock:
            self.jobs[job.id] = job
        self._pending.put(job.id)
        return job

    def position(self, job: Job) -> int | None:
        """1 = next to run; None unless queued."""
        if job.state != "queued":
            return None
        with self._lock:
            waiting = [j for j in self.jobs.values() if j.state == "queued"]
        return 1 + [j.id for j in waiting].index(job.id)

    def cancel(self, job: Job) -> None:
        job.cancel.set()
        if job.state == "queued":
            job.state, job.finished = "cancelled", time.monotonic()

    def _work(self) -> None:
        while True:
            job_id = self._pending.get()
            if job_id is None:
                return
            job = self.jobs.get(job_id)
            if job is None or job.state != "queued":
                continue
            self._run(job)

    def _run(self, job: Job) -> None:
        job.state, job.started = "running", time.monotonic()

        def progress(where: Progress) -> None:
            if job.cancel.is_set():
                raise Cancelled("cancelled")
            job.frames_done, job.frames_total = where.done, where.total

        try:
            outcome = convert(job.request, reporting(progress), self.models)
            job.notes = [n for r in outcome.results for n in r.notes]
            job.state = "done"
            if job.kind == "image":
                job.frames_done = job.frames_total = 1
        except Cancelled:
            job.state = "cancelled"
        except VidanimeError as exc:
            job.state, job.error = ("cancelled", None) if job.cancel.is_set() else ("failed", str(exc))
        except Exception as exc:  # noqa: BLE001 - a crashed job must not take the server down
            log.exception("job %s crashed", job.id)
            job.state, job.error = "failed", f"internal error ({type(exc).__name__}); the server goes on"
        finally:
            job.finished = time.monotonic()

    def sweep(self, now: float | None = None) -> int:
        """Remove finished jobs older than the time to live; returns how many."""
        now = time.monotonic() if now is None else now
        with self._lock:
            old = [j for j in self.jobs.values() if j.finished is not None and now - j.finished > self.ttl]
            for job in old:
                del self.jobs[job.id]
        for job in old:
            shutil.rmtree(job.folder, ignore_errors=True)
        return len(old)

    def close(self) -> None:
        """Stop the worker and remove every job folder."""
        for job in list(self.jobs.values()):
            job.cancel.set()
        self._pending.put(None)
        self._worker.join(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)
