"""Where results go: default names, refusing to clobber, and all-or-nothing writes.

Every output is first written to a hidden temporary file beside the target and renamed
when complete, so an error or Ctrl-C never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator, Sequence

import av

from vidanime.errors import UsageError, VidanimeError

# Inputs whose own format is not written back: an animated GIF becomes an MP4.
OUTPUT_SUFFIX = {".gif": ".mp4"}
UNWRITABLE_SUFFIXES = {".gif": "GIF output is not supported: write .mp4 or .webm (a GIF input defaults to .mp4)"}


def output_suffix(src: Path) -> str:
    return OUTPUT_SUFFIX.get(src.suffix.lower(), src.suffix)


def default_output(src: Path, style: str) -> Path:
    """``clip.mp4`` -> ``clip_<style>.mp4`` beside it; folders get ``<name>_<style>/``."""
    style_tag = Path(style).stem if style.endswith(".onnx") else style
    if src.is_dir():
        return src.with_name(f"{src.name}_{style_tag}")
    return src.with_name(f"{src.stem}_{style_tag}{output_suffix(src)}")


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR, errno.EIO, errno.EFBIG}


def is_write_failure(exc: BaseException, dst: Path) -> bool:
    """An OSError is the file system's answer; an FFmpeg error is one only with a file-system errno
    (others, like 'invalid data', come from a damaged input and are the reader's to explain)."""
    if isinstance(exc, av.error.FFmpegError):
        return getattr(exc, "errno", None) in _WRITE_ERRNOS or _disk_full(dst)
    return isinstance(exc, OSError)


def io_error_message(exc: BaseException, dst: Path) -> str:
    """One line a user can act on for a failed write (full disk, permissions, missing folder)."""
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT) or _disk_full(dst):
        return f"no space left on device while writing {dst}"
    if code in (errno.EACCES, errno.EPERM):
        return f"permission denied writing {dst}"
    if code == errno.EROFS:
        return f"read-only file system: cannot write {dst}"
    if code in (errno.ENOENT, errno.ENOTDIR):
        return f"cannot write {dst}: the folder {dst.parent} cannot hold files"
    reason = getattr(exc, "strerror", None) or (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return f"cannot write {dst}: {reason}"


def _disk_full(dst: Path) -> bool:
    try:
        return shutil.disk_usage(dst.parent if dst.parent != Path("") else Path(".")).free < 1 << 20
    except OSError:
        return False


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


def partial_path(dst: Path) -> Path:
    """A hidden temporary name beside ``dst`` with its extension (nothing lists hidden files)."""
    return dst.with_name(f".{dst.stem}.partial-{uuid.uuid4().hex[:8]}{dst.suffix}")


@contextlib.contextmanager
def atomic_output(dst: Path) -> Iterator[Path]:
    """Yield a temporary path with ``dst``'s extension; rename onto ``dst`` on success only."""
    with atomic_outputs([dst]) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_outputs(dsts: Sequence[Path]) -> Iterator[list[Path]]:
    """Several files all-or-nothing: yield a temporary path for each of ``dsts``; when all are
    written they are renamed in order (the one readers look for goes last). After a failure none
    is left, neither the temporary files nor any already renamed. Errors name the last one."""
    tmps = [partial_path(dst) for dst in dsts]
    placed: list[Path] = []
    try:
        try:
            yield tmps
            for tmp, dst in zip(tmps, dsts):
                if not tmp.exists():
                    raise VidanimeError(f"nothing was written for {dst.name}")
            for tmp, dst in zip(tmps, dsts):
                os.replace(tmp, dst)
                placed.append(dst)
        except (OSError, av.error.FFmpegError) as exc:
            if not is_write_failure(exc, dsts[-1]):
                raise
            raise VidanimeError(io_error_message(exc, dsts[-1])) from exc  # say why, about dst, not tmp
    except BaseException:
        for path in (*tmps, *placed):
            with contextlib.suppress(OSError):
                path.unlink()
        raise


def write_json(path: Path, data: object) -> None:
    """A report file (benchmark, eval), written all-or-nothing like every other output."""
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
