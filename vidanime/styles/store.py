"""Adding and removing user styles: the ONNX file copied into the user style folder with a JSON
sidecar (licence, where it came from, its checksum, and the contract found at add time)."""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

from vidanime.checksum import sha256_file
from vidanime.engine.session import variant_file
from vidanime.errors import UsageError, VidanimeError
from vidanime.outputs import atomic_outputs
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
    # all files all-or-nothing: every one is written to a hidden temporary file first, and renamed
    # into place only when all are complete, the model last, so no variant or sidecar is ever left
    # beside no model; an old variant the new model lacks goes before anything is renamed
    variants = {variant_file(target, suffix): variant_file(model, suffix) for suffix in VARIANTS}
    copies = {copy: source for copy, source in variants.items() if source.is_file()}
    sidecar_path = target.with_suffix(".json")
    with atomic_outputs([*copies, sidecar_path, target]) as tmps:
        *variant_tmps, sidecar_tmp, model_tmp = tmps
        for tmp, source in zip(variant_tmps, copies.values()):
            shutil.copyfile(source, tmp)
        sidecar_tmp.write_text(json.dumps(sidecar, indent=2), encoding="utf-8")
        shutil.copyfile(model, model_tmp)
        for stale in set(variants) - set(copies):
            stale.unlink(missing_ok=True)
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
