"""Files a client sends: streamed to disk in chunks under the server's own folder, size-limited,
named by the server, and opened to check they are media before anything uses them. No path from
a client is ever used as a server path."""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, UploadFile

from vidanime.errors import VidanimeError
from vidanime.images.io import is_image_path, read_image
from vidanime.model import QUALITY
from vidanime.pipeline.convert import VIDEO_SUFFIXES
from vidanime.pipeline.frames import FACES, face_drawing
from vidanime.serve.jobs import JobQueue
from vidanime.video.decode import VideoReader

RESOLUTIONS = {"none": None, "full": None, "720": 720, "480": 480, "360": 360}  # "full": older clients' "none"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def check_speed(quality: str, resolution: str) -> None:
    """The page's speed choices, as a 400 before any work."""
    if quality not in QUALITY:
        raise HTTPException(400, f"quality is one of {', '.join(QUALITY)}")
    if resolution not in RESOLUTIONS:
        raise HTTPException(400, f"resolution is one of {', '.join(RESOLUTIONS)}")


def check_faces(faces: str, source: Path) -> None:
    """The page's faces choice, as a 400 before any work: ``draw`` is for pictures (the pipeline's
    own refusal, a ``UsageError``, which the app answers with 400)."""
    if faces not in FACES:
        raise HTTPException(400, f"faces is one of {', '.join(FACES)}")
    face_drawing(faces, video=not is_image_path(source))


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


@dataclass
class Server:
    """What every router shares: the job queue, where uploads go, and the upload limit."""

    jobs: JobQueue
    max_upload_mb: int
    ttl_seconds: float

    @property
    def uploads(self) -> Path:
        return self.jobs.root / "uploads"

    @property
    def limit(self) -> int:
        return self.max_upload_mb * 2**20

    def too_large(self) -> str:
        return f"upload too large: the limit is {self.max_upload_mb} MB"

    async def stream_to(self, file: UploadFile, target: Path, folder: Path) -> None:
        """Copy an upload to disk in 1 MiB chunks; over the limit, remove ``folder`` and answer 413."""
        size = 0
        with open(target, "wb") as fh:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > self.limit:
                    fh.close()
                    shutil.rmtree(folder, ignore_errors=True)
                    raise HTTPException(413, self.too_large())
                fh.write(chunk)

    async def save(self, file: UploadFile, folder: Path, stem: str) -> Path:
        """The upload as ``folder/STEM.EXT``, when its extension names a picture or a video."""
        name = safe_name(file.filename)
        suffix = Path(name).suffix.lower()
        if not (is_image_path(Path(name)) or suffix in VIDEO_SUFFIXES):
            raise HTTPException(400, f"{name}: not a video or an image (by its extension)")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{stem}{suffix}"
        await self.stream_to(file, target, folder)
        return target

    async def checked_kind(self, path: Path, file: UploadFile, folder: Path) -> str:
        """Open the upload as media; on failure remove it and say so with the client's file name."""
        try:
            return await asyncio.to_thread(media_kind, path)
        except VidanimeError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise VidanimeError(str(exc).replace(path.name, safe_name(file.filename), 1)) from exc

    def upload_path(self, upload_id: str) -> Path:
        """An earlier upload's file, by its id; 404 for anything else."""
        if not re.fullmatch(r"[0-9a-f]{12}", upload_id):
            raise HTTPException(404, "no such upload")
        folder = self.uploads / upload_id
        found = list(folder.glob("input.*")) if folder.is_dir() else []
        if not found:
            raise HTTPException(404, "no such upload (expired?)")
        return found[0]


def server(request: Request) -> Server:
    """The routers' dependency: the app's ``Server``."""
    return request.app.state.server


def describe_upload(upload_id: str, path: Path, kind: str, name: str) -> dict[str, Any]:
    return {"id": upload_id, "kind": kind, "name": name, "size_bytes": path.stat().st_size}
