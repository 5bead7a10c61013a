"""Adding and removing user styles: the ONNX file copied into the user style folder with a JSON
sidecar (licence, where it came from, its checksum, and the contract found at add time)."""

from __future__ import annotations

import datetime as _dt
import re
import shutil
from pathlib import Path
from typing import Any

from vidanime.checksum import sha256_file
from vidanime.engine.session import variant_file
from vidanime.errors import UsageError, VidanimeError
from vidanime.outputs import atomic_output, write_json
from vidanime.styles.inspect import Inspection, inspect_model
from vidanime.styles.registry import BUNDLED_DIR, installed_styles, user_styles_dir

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
VARIANTS = ("fp16", "int8")  # exported beside NAME.onnx: fp16 for CUDA, int8 for the CPU


def add_style(name: str, model: Path, licence: str | None, overrides: dict[str, Any], overwrite: bool = False) -> tuple[Path, Inspection]:
    """Validate ``model``, copy it to the user folder as ``name``; returns (path, inspection)."""
    if not NAME_RE.match(name) or name.endswith(".onnx"):
        raise UsageError(f"style name {name!r}: use letters, digits, '_', '-', '.' (no .onnx)")
    if not model.is_file():
        raise VidanimeError(f"model file not found: {model}")
    existing = installed_styles().get(name)
    if existing is not None and existing.source == "user" and not overwrite:
        raise UsageError(f"style {name!r} exists: pass --overwrite to replace it")
    inspection = inspect_model(model, overrides)
    folder = user_styles_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.onnx"
    sidecar = {
        "name": name,
        "license": licence or "unknown (set with --license)",
        "source_file": str(model.resolve()),
        "sha256": sha256_file(model),
        "added": _dt.datetime.now().isoformat(timespec="seconds"),
        "contract": {k: v for k, v in inspection.contract_dict().items() if k not in ("input_name", "output_name")},
        "notes": inspection.notes,
    }
    # all files all-or-nothing; the model is renamed into place only after its sidecar and the
    # fp16 / int8 variants exported beside it (or their removal, when the new one has none)
    with atomic_output(target) as tmp:
        for suffix in VARIANTS:
            source, copy = variant_file(model, suffix), variant_file(target, suffix)
            if source.is_file():
                with atomic_output(copy) as part:
                    shutil.copyfile(source, part)
            elif copy.exists():
                copy.unlink()
        shutil.copyfile(model, tmp)
        write_json(target.with_suffix(".json"), sidecar)
    return target, inspection


def remove_style(name: str) -> Path:
    styles = installed_styles()
    if name not in styles:
        raise VidanimeError(f"style {name!r} is not installed")
    style = styles[name]
    if style.source != "user" or style.path.parent == BUNDLED_DIR:
        raise VidanimeError(f"style {name!r} is bundled with vidanime and cannot be removed")
    style.path.unlink()
    for sibling in (style.path.with_suffix(".json"), *(variant_file(style.path, v) for v in VARIANTS)):
        if sibling.exists():
            sibling.unlink()
    return style.path
