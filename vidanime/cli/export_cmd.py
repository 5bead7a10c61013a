"""``vidanime export-onnx``: a training-kit generator to an ONNX file the runtime plays."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from vidanime.errors import VidanimeError


def register(app: typer.Typer) -> None:
    app.command("export-onnx")(export_onnx)


def _require_training() -> None:
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise VidanimeError(
            "export-onnx needs the training kit: pip install torch==2.13.0 'vidanime[train]' (or your CUDA build of torch)"
        ) from exc


def export_onnx(
    arch: str = typer.Option(..., "--arch", "-a", help="Generator architecture (see 'vidanime export-onnx --list')."),
    output: Path = typer.Option(..., "-o", "--output", help="The .onnx file to write."),
    checkpoint: Optional[Path] = typer.Option(None, help="A training checkpoint or a state dict (.pt / .pth); random init without."),
    style_name: Optional[str] = typer.Option(None, "--style-name", help="Style name stored in the metadata."),
    fp16: bool = typer.Option(False, "--fp16", help="Also write NAME.fp16.onnx (used on CUDA)."),
    opset: int = typer.Option(17, help="ONNX opset."),
    overwrite: bool = typer.Option(False, "--overwrite", "-y", help="Replace an existing output."),
) -> None:
    """Export a generator (random init or a checkpoint) with dynamic size and a parity check."""
    _require_training()
    from training.export.onnx import export_generator

    export_generator(arch, output, checkpoint=checkpoint, style_name=style_name, fp16=fp16, opset=opset, overwrite=overwrite)
