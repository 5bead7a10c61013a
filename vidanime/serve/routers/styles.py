"""``/api/styles``: the installed styles, and adding one."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile

from vidanime.api import list_styles
from vidanime.serve.uploads import Server, server
from vidanime.styles.store import add_style

router = APIRouter(prefix="/api/styles")


@router.get("")
async def styles() -> list[dict[str, Any]]:
    """Installed styles (bundled and the user's), with licences; the default first."""
    return [{"name": s.name, "source": s.source, "license": s.licence_text or "see its model card", "licence": s.licence} for s in list_styles()]


@router.post("")
async def add_style_route(name: str = Form(...), license: str = Form(""), file: UploadFile = File(...), app: Server = Depends(server)) -> dict[str, Any]:
    """Add an ONNX generator as a style: the same checks as ``vidanime styles add``."""
    folder = app.jobs.root / "styles" / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True)
    try:
        model = folder / "model.onnx"
        await app.stream_to(file, model, folder)
        target, inspection = await asyncio.to_thread(add_style, name, model, license or None, {}, False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"name": name, "path_name": target.name, "notes": inspection.notes}
