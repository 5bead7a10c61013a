"""Where a style's other graphs live: ``NAME.fp16.onnx`` (CUDA) and ``NAME.int8.onnx`` (the CPU's
int8 engine) beside ``NAME.onnx``. Both engines ask; neither imports the other for it."""

from __future__ import annotations

from pathlib import Path


def variant_file(path: Path, kind: str) -> Path:
    """Where the ``kind`` (fp16 / int8) variant of ``NAME.onnx`` lives: ``NAME.kind.onnx``."""
    stem = path.name[: -len(".onnx")] if path.name.endswith(".onnx") else path.name
    return path.with_name(f"{stem}.{kind}.onnx")
