"""Where results go: default names, refusing to clobber, and all-or-nothing writes.

Every output is first written to a hidden temporary file beside the target and renamed
when complete, so an error or Ctrl-C never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from pathlib import Path
from typing import Iterator

from vidanime.errors import UsageError, VidanimeError


def default_output(src: Path, style: str) -> Path:
    """``clip.mp4`` -> ``clip_<style>.mp4`` beside it; folders get ``<name>_<style>/``."""
    style_tag = Path(style).stem if style.endswith(".onnx") else style
    if src.is_dir():
        return src.with_name(f"{src.name}_{style_tag}")
    return src.with_name(f"{src.stem}_{style_tag}{src.suffix}")


def check_output(src: Path, dst: Path, overwrite: bool) -> None:
    """Refuse to write over the input, or over an existing file without ``--overwrite``."""
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise UsageError(f"output {dst} is the input itself: choose another -o")
    if dst.exists() and not overwrite:
        raise UsageError(f"output {dst} exists: pass --overwrite to replace it")
    if dst.exists() and dst.is_dir() and not src.is_dir():
        raise UsageError(f"output {dst} is a folder")
    folder = dst.parent if dst.parent != Path("") else Path(".")
    if not folder.is_dir():
        raise VidanimeError(f"output folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise VidanimeError(f"output folder {folder} is not writable")


@contextlib.contextmanager
def atomic_output(dst: Path) -> Iterator[Path]:
    """Yield a temporary path with ``dst``'s extension; rename onto ``dst`` on success only."""
    tmp = dst.with_name(f".{dst.stem}.partial-{uuid.uuid4().hex[:8]}{dst.suffix}")
    try:
        yield tmp
        if not tmp.exists():
            raise VidanimeError(f"nothing was written for {dst.name}")
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_json(path: Path, data: object) -> None:
    """A report file (benchmark, eval), written all-or-nothing like every other output."""
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
