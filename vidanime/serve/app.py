"""``vidanime serve``: a local web app over the same pipeline as the CLI, and a small JSON API.

The page (``static/``) loads nothing from the internet. Uploads are streamed to disk under the
server's own temporary folder, size-limited and checked to be media (``serve.uploads``); no path
from a client is ever used as a server path, and only files inside a job's folder are ever served.
The routes live in ``serve.routers``, one module per resource; this module assembles them."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from importlib import resources
from pathlib import Path
from typing import Any, AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from vidanime.errors import VidanimeError
from vidanime.serve.jobs import JobQueue
from vidanime.serve.routers import jobs, styles, uploads
from vidanime.serve.uploads import Server, safe_name

__all__ = ["create_app", "safe_name"]

STATIC = Path(str(resources.files("vidanime.serve") / "static"))


def create_app(max_upload_mb: int = 2048, ttl_seconds: float = 3600.0, root: Path | None = None) -> FastAPI:
    """The app: its routers, a janitor removing expired jobs and uploads, and every job folder
    removed when it stops."""
    server = Server(JobQueue(root, ttl_seconds), max_upload_mb, ttl_seconds)
    server.uploads.mkdir(parents=True, exist_ok=True)
    app = FastAPI(title="vidanime", lifespan=_lifespan(server), docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.server = server
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(VidanimeError, _media_error)  # type: ignore[arg-type]
    app.middleware("http")(_size_limit)
    app.add_api_route("/", _index, include_in_schema=False)
    for router in (styles.router, uploads.router, jobs.router):
        app.include_router(router)
    return app


def _lifespan(server: Server) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_janitor(server))
        yield
        task.cancel()
        server.jobs.close()

    return lifespan


async def _janitor(server: Server) -> None:
    """Every minute: finished jobs and uploads past their time to live go."""
    while True:
        await asyncio.sleep(60)
        server.jobs.sweep()
        for folder in server.uploads.iterdir():
            if time.time() - folder.stat().st_mtime > server.ttl_seconds:
                shutil.rmtree(folder, ignore_errors=True)


async def _index() -> FileResponse:
    return FileResponse(STATIC / "index.html")


async def _media_error(request: Request, exc: VidanimeError) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=400)


async def _size_limit(request: Request, call_next: Any) -> Response:
    """A POST declaring more than the limit is refused before its body is read."""
    server: Server = request.app.state.server
    length = request.headers.get("content-length")
    if request.method == "POST" and length and int(length) > server.limit + 2**20:
        return JSONResponse({"error": server.too_large()}, status_code=413)
    return await call_next(request)
