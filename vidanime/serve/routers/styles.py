"""``/api/styles``: the installed styles, and adding one."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile

from vidanime.serve.uploads import Server, server
from vidanime.styles.registry import DEFAULT_STYLE, installed_styles
from vidanime.styles.store import add_style

router = APIRouter(prefix="/api/styles")


@router.get("")
async def styles() -> list[dict[str, Any]]:
    """Installed styles (bundled and the user's), with licences; the default first."""
    found = installed_styles()
    order = sorted(found, key=lambda n: (n != DEFAULT_STYLE, n))
    return [{"name": n, "source": found[n].source, "license": str(found[n].sidecar.get("license", "see its model card"))} for n in order]


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
