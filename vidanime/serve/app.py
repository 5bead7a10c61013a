"""``vidanime serve``: a local web app over the same pipeline as the CLI, and a small JSON API.

The page (``static/``) loads nothing from the internet. Uploads are streamed to disk under the
server's own temporary folder, size-limited and checked to be media; no path from a client is
ever used as a server path, and only files inside a job's folder are ever served."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import time
import uuid
from importlib import resources
from pathlib import Path
from typing import Any, AsyncIterator

import cv2
import numpy as np
from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from vidanime.errors import VidanimeError
from vidanime.images.io import is_image_path, read_image
from vidanime.model import QUALITY, ModelOptions
from vidanime.pipeline.convert import VIDEO_SUFFIXES, ConvertRequest
from vidanime.serve.jobs import Job, JobQueue
from vidanime.styles.registry import DEFAULT_STYLE, installed_styles, resolve_style
from vidanime.video.decode import VideoReader

STATIC = Path(str(resources.files("vidanime.serve") / "static"))
SAMPLE = Path(str(resources.files("vidanime.samples") / "park.mp4"))
RESOLUTIONS = {"none": None, "full": None, "720": 720, "480": 480, "360": 360}  # "full": older clients' "none"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def check_speed(quality: str, resolution: str) -> None:
    """The page's speed choices, as a 400 before any work."""
    if quality not in QUALITY:
        raise HTTPException(400, f"quality is one of {', '.join(QUALITY)}")
    if resolution not in RESOLUTIONS:
        raise HTTPException(400, f"resolution is one of {', '.join(RESOLUTIONS)}")


def safe_name(name: str | None, fallback: str = "upload") -> str:
    """A file name a client sent, reduced to letters, digits, '.', '_' and '-' (no folders)."""
    base = _SAFE.sub("_", Path(name or "").name).strip("._") or fallback
    return base[-80:]


def media_kind(path: Path) -> str:
    """``image`` or ``video``, after opening it; raises ``VidanimeError`` for anything else."""
    suffix = path.suffix.lower()
    if is_image_path(path):
        read_image(path)
        return "image"
    if suffix not in VIDEO_SUFFIXES:
        raise VidanimeError(f"{path.name}: not a video or an image this app takes")
    with VideoReader(path) as reader:
        next(reader.frames(), None)
        if reader.decoded == 0:
            raise VidanimeError(f"{path.name}: no decodable video frames")
    return "video"


def create_app(max_upload_mb: int = 2048, ttl_seconds: float = 3600.0, root: Path | None = None) -> FastAPI:
    jobs = JobQueue(root, ttl_seconds)
    uploads = jobs.root / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    limit = max_upload_mb * 2**20

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def janitor() -> None:
            while True:
                await asyncio.sleep(60)
                jobs.sweep()
                for folder in uploads.iterdir():
                    if time.time() - folder.stat().st_mtime > ttl_seconds:
                        shutil.rmtree(folder, ignore_errors=True)

        task = asyncio.create_task(janitor())
        yield
        task.cancel()
        jobs.close()

    app = FastAPI(title="vidanime", lifespan=lifespan, docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.jobs = jobs
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(VidanimeError)
    async def _media_error(request: Request, exc: VidanimeError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.middleware("http")
    async def _size_limit(request: Request, call_next: Any) -> Response:
        length = request.headers.get("content-length")
        if request.method == "POST" and length and int(length) > limit + 2**20:
            return JSONResponse({"error": f"upload too large: the limit is {max_upload_mb} MB"}, status_code=413)
        return await call_next(request)

    async def save(file: UploadFile, folder: Path, stem: str) -> Path:
        name = safe_name(file.filename)
        suffix = Path(name).suffix.lower()
        if not (is_image_path(Path(name)) or suffix in VIDEO_SUFFIXES):
            raise HTTPException(400, f"{name}: not a video or an image (by its extension)")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{stem}{suffix}"
        await stream_to(file, target, folder)
        return target

    async def stream_to(file: UploadFile, target: Path, folder: Path) -> None:
        """Copy an upload to disk in 1 MiB chunks; over the limit, remove ``folder`` and answer 413."""
        size = 0
        with open(target, "wb") as fh:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    fh.close()
                    shutil.rmtree(folder, ignore_errors=True)
                    raise HTTPException(413, f"upload too large: the limit is {max_upload_mb} MB")
                fh.write(chunk)

    async def checked_kind(path: Path, file: UploadFile, folder: Path) -> str:
        """Open the upload as media; on failure remove it and say so with the client's file name."""
        try:
            return await asyncio.to_thread(media_kind, path)
        except VidanimeError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise VidanimeError(str(exc).replace(path.name, safe_name(file.filename), 1)) from exc

    def upload_path(upload_id: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{12}", upload_id):
            raise HTTPException(404, "no such upload")
        found = [p for p in (uploads / upload_id).glob("input.*")] if (uploads / upload_id).is_dir() else []
        if not found:
            raise HTTPException(404, "no such upload (expired?)")
        return found[0]

    def describe(upload_id: str, path: Path, kind: str, name: str) -> dict[str, Any]:
        return {"id": upload_id, "kind": kind, "name": name, "size_bytes": path.stat().st_size}

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/api/styles")
    async def styles() -> list[dict[str, Any]]:
        """Installed styles (bundled and the user's), with licences; the default first."""
        found = installed_styles()
        order = sorted(found, key=lambda n: (n != DEFAULT_STYLE, n))
        return [{"name": n, "source": found[n].source, "license": str(found[n].sidecar.get("license", "see its model card"))} for n in order]

    @app.post("/api/styles")
    async def add_style_route(name: str = Form(...), license: str = Form(""), file: UploadFile = File(...)) -> dict[str, Any]:
        """Add an ONNX generator as a style: the same checks as ``vidanime styles add``."""
        from vidanime.styles.store import add_style

        folder = jobs.root / "styles" / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True)
        try:
            model = folder / "model.onnx"
            await stream_to(file, model, folder)
            target, inspection = await asyncio.to_thread(add_style, name, model, license or None, {}, False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return {"name": name, "path_name": target.name, "notes": inspection.notes}

    @app.post("/api/uploads")
    async def upload(file: UploadFile = File(...)) -> dict[str, Any]:
        upload_id = uuid.uuid4().hex[:12]
        path = await save(file, uploads / upload_id, "input")
        kind = await checked_kind(path, file, path.parent)
        return describe(upload_id, path, kind, safe_name(file.filename))

    @app.post("/api/uploads/sample")
    async def sample() -> dict[str, Any]:
        upload_id = uuid.uuid4().hex[:12]
        (uploads / upload_id).mkdir(parents=True)
        path = uploads / upload_id / "input.mp4"
        shutil.copyfile(SAMPLE, path)
        return describe(upload_id, path, "video", "park.mp4")

    @app.get("/api/uploads/{upload_id}/preview")
    async def preview(upload_id: str, style: str = DEFAULT_STYLE, quality: str = "auto", resolution: str = "none", strength: float = 1.0) -> Response:
        """One frame from the middle, before | after, as PNG: seconds, before committing to a clip."""
        path = upload_path(upload_id)
        check_speed(quality, resolution)

        def render() -> bytes:
            from vidanime.pipeline.frames import strength_blend
            from vidanime.pipeline.preview import sample_frames

            _, frame = sample_frames(path, 1)[0]
            model = jobs.models.load(ModelOptions(style=style, quality=quality, resolution=RESOLUTIONS[resolution]))
            stylizer = model.stylizer("image" if is_image_path(path) else "video")  # as the conversion will treat it
            out = stylizer(frame[None])
            blend = strength_blend(strength)
            out = (blend(frame[None], out) if blend is not None else out)[0]
            scale = min(1.0, 640 / frame.shape[1])
            pair = [cv2.resize(im, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) for im in (frame, out)]
            sheet = np.hstack([pair[0], np.full((pair[0].shape[0], 6, 3), 255, np.uint8), pair[1]])
            ok, buf = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
            return buf.tobytes() if ok else b""

        return Response(await asyncio.to_thread(render), media_type="image/png")

    @app.post("/api/jobs")
    async def create_job(
        file: UploadFile | None = File(None),
        upload: str | None = Form(None),
        style: str = Form(DEFAULT_STYLE),
        temporal: str = Form("flow"),
        quality: str = Form("auto"),
        resolution: str = Form("none"),
        strength: float = Form(1.0),
    ) -> dict[str, Any]:
        """Queue a conversion of an uploaded file (or an earlier upload's id)."""
        check_speed(quality, resolution)
        resolve_style(style)  # an unknown style is a 400 now, not a failed job later
        job_id, folder = jobs.new_folder()
        if file is not None:
            source = await save(file, folder, "input")
            kind = await checked_kind(source, file, folder)
            name = safe_name(file.filename)
        elif upload is not None:
            source = upload_path(upload)
            kind = "image" if is_image_path(source) else "video"
            name = "upload" + source.suffix
        else:
            shutil.rmtree(folder, ignore_errors=True)
            raise HTTPException(400, "send a file, or the id of an upload")
        suffix = source.suffix.lower() if kind == "image" else ".mp4"
        output = folder / f"{Path(name).stem}_{safe_name(style)}{suffix}"
        request = ConvertRequest(source=source, output=output, style=style, temporal=temporal, quality=quality, resolution=RESOLUTIONS[resolution], strength=strength)
        job = jobs.submit(Job(job_id, folder, request, kind))
        return {"id": job.id, "state": job.state, "position": jobs.position(job)}

    def find(job_id: str) -> Job:
        job = jobs.jobs.get(job_id)
        if job is None:
            raise HTTPException(404, "no such job (finished jobs are kept for a while, then removed)")
        return job

    @app.get("/api/jobs/{job_id}")
    async def job_state(job_id: str) -> dict[str, Any]:
        job = find(job_id)
        return {"id": job.id, "state": job.state, "kind": job.kind, "position": jobs.position(job), "progress": job.progress(),
                "error": job.error, "notes": job.notes, "result": f"/api/jobs/{job.id}/result" if job.result else None}  # fmt: skip

    @app.get("/api/jobs/{job_id}/result")
    async def job_result(job_id: str) -> FileResponse:
        job = find(job_id)
        result = job.result
        if result is None:
            raise HTTPException(409, f"job is {job.state}: no result")
        if job.folder.resolve() not in result.resolve().parents:  # only ever files inside the job's folder
            raise HTTPException(404, "no such file")
        return FileResponse(result, filename=result.name)

    @app.delete("/api/jobs/{job_id}")
    async def cancel_job(job_id: str) -> dict[str, Any]:
        job = find(job_id)
        jobs.cancel(job)
        return {"id": job.id, "state": job.state}

    return app

