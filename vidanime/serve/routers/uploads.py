"""``/api/uploads``: a file (or the bundled sample) kept for later jobs, and a one-frame preview."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from fastapi import APIRouter, Depends, File, Response, UploadFile

from vidanime.images.io import is_image_path
from vidanime.model import ModelCache, ModelOptions
from vidanime.pipeline.frames import strength_blend, with_faces
from vidanime.pipeline.preview import sample_frames
from vidanime.serve.uploads import RESOLUTIONS, Server, check_faces, check_speed, describe_upload, safe_name, server
from vidanime.styles.registry import DEFAULT_STYLE

SAMPLE = Path(str(resources.files("vidanime.samples") / "snowboarder.mp4"))

router = APIRouter(prefix="/api/uploads")


@router.post("")
async def upload(file: UploadFile = File(...), app: Server = Depends(server)) -> dict[str, Any]:
    upload_id = uuid.uuid4().hex[:12]
    path = await app.save(file, app.uploads / upload_id, "input")
    kind = await app.checked_kind(path, file, path.parent)
    return describe_upload(upload_id, path, kind, safe_name(file.filename))


@router.post("/sample")
async def sample(app: Server = Depends(server)) -> dict[str, Any]:
    upload_id = uuid.uuid4().hex[:12]
    (app.uploads / upload_id).mkdir(parents=True)
    path = app.uploads / upload_id / "input.mp4"
    shutil.copyfile(SAMPLE, path)
    return describe_upload(upload_id, path, "video", "snowboarder.mp4")


@router.get("/{upload_id}/preview")
async def preview(
    upload_id: str, style: str = DEFAULT_STYLE, quality: str = "auto", resolution: str = "none", strength: float = 1.0, faces: str = "keep",
    app: Server = Depends(server),
) -> Response:
    """One frame from the middle, before | after, as PNG: seconds, before committing to a clip."""
    path = app.upload_path(upload_id)
    check_speed(quality, resolution)
    check_faces(faces, path)
    options = ModelOptions(style=style, quality=quality, resolution=RESOLUTIONS[resolution])
    return Response(await asyncio.to_thread(before_after, path, options, strength, faces, app.jobs.models), media_type="image/png")


def before_after(path: Path, options: ModelOptions, strength: float, faces: str, models: ModelCache) -> bytes:
    """The middle frame of ``path`` and its stylised version side by side, PNG-encoded."""
    _, frame = sample_frames(path, 1)[0]
    kind = "image" if is_image_path(path) else "video"
    stylizer = with_faces(models.load(options).stylizer(kind), faces)  # as the conversion will treat it
    out = stylizer(frame[None])
    blend = strength_blend(strength)
    out = (blend(frame[None], out) if blend is not None else out)[0]
    scale = min(1.0, 640 / frame.shape[1])
    pair = [cv2.resize(im, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) for im in (frame, out)]
    sheet = np.hstack([pair[0], np.full((pair[0].shape[0], 6, 3), 255, np.uint8), pair[1]])
    ok, buf = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    return buf.tobytes() if ok else b""
