"""``/api/jobs``: queue a conversion, follow it, fetch its result, cancel it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, UploadFile
from fastapi.responses import FileResponse

from vidanime.errors import VidanimeError
from vidanime.images.io import is_image_path
from vidanime.pipeline.options import convert_request
from vidanime.serve.jobs import Job
from vidanime.serve.uploads import RESOLUTIONS, Server, check_faces, check_speed, safe_name, server
from vidanime.styles.registry import DEFAULT_STYLE, resolve_style

router = APIRouter(prefix="/api/jobs")


@router.post("")
async def create_job(
    file: UploadFile | None = File(None),
    upload: str | None = Form(None),
    style: str = Form(DEFAULT_STYLE),
    temporal: str = Form("flow"),
    quality: str = Form("auto"),
    resolution: str = Form("none"),
    strength: float = Form(1.0),
    faces: str = Form("keep"),
    app: Server = Depends(server),
) -> dict[str, Any]:
    """Queue a conversion of an uploaded file (or an earlier upload's id)."""
    check_speed(quality, resolution)
    resolve_style(style)  # an unknown style is a 400 now, not a failed job later
    job_id, folder = app.jobs.new_folder()
    if file is not None:
        source = await app.save(file, folder, "input")
        kind = await app.checked_kind(source, file, folder)
        name = safe_name(file.filename)
    elif upload is not None:
        source = app.upload_path(upload)
        kind = "image" if is_image_path(source) else "video"
        name = "upload" + source.suffix
    else:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(400, "send a file, or the id of an upload")
    try:
        check_faces(faces, source)
    except (HTTPException, VidanimeError):
        shutil.rmtree(folder, ignore_errors=True)  # the job's folder, and a file sent with it
        raise
    suffix = source.suffix.lower() if kind == "image" else ".mp4"
    output = folder / f"{Path(name).stem}_{safe_name(style)}{suffix}"
    request = convert_request(source, output, style, temporal=temporal, quality=quality, resolution=RESOLUTIONS[resolution], strength=strength, faces=faces)
    job = app.jobs.submit(Job(job_id, folder, request, kind))
    return {"id": job.id, "state": job.state, "position": app.jobs.position(job)}


def find(app: Server, job_id: str) -> Job:
    job = app.jobs.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "no such job (finished jobs are kept for a while, then removed)")
    return job


@router.get("/{job_id}")
async def job_state(job_id: str, app: Server = Depends(server)) -> dict[str, Any]:
    job = find(app, job_id)
    return {"id": job.id, "state": job.state, "kind": job.kind, "position": app.jobs.position(job), "progress": job.progress(),
            "error": job.error, "notes": job.notes, "result": f"/api/jobs/{job.id}/result" if job.result else None}  # fmt: skip


@router.get("/{job_id}/result")
async def job_result(job_id: str, app: Server = Depends(server)) -> FileResponse:
    job = find(app, job_id)
    result = job.result
    if result is None:
        raise HTTPException(409, f"job is {job.state}: no result")
    if job.folder.resolve() not in result.resolve().parents:  # only ever files inside the job's folder
        raise HTTPException(404, "no such file")
    return FileResponse(result, filename=result.name)


@router.delete("/{job_id}")
async def cancel_job(job_id: str, app: Server = Depends(server)) -> dict[str, Any]:
    job = find(app, job_id)
    app.jobs.cancel(job)
    return {"id": job.id, "state": job.state}
