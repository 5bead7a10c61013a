"""``vidanime preview``: a before / after grid in seconds, to pick a style before a long run."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from vidanime.cli.progress import stderr_console
from vidanime.errors import UsageError, VidanimeError
from vidanime.images.io import is_image_path


def register(app: typer.Typer) -> None:
    app.command("preview")(preview)


def preview(
    source: Path = typer.Argument(..., help="A video or an image."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="The grid (.png / .jpg). Default: NAME_preview.png beside the input."),
    style: Optional[str] = typer.Option(None, "-s", "--style", help="A style name or .onnx file, or 'all' for every installed style side by side."),
    frames: int = typer.Option(6, "--frames", "-n", help="How many frames, spread over the clip (images: one)."),
    device: str = typer.Option("auto", help="auto, cpu or cuda."),
    resolution: Optional[int] = typer.Option(None, "--resolution", "-r", help="Stylise at this short side (as convert does)."),
) -> None:
    """Stylise a few frames spread over a clip (or an image) and write a before / after grid."""
    from vidanime.pipeline.preview import preview as make_preview

    if frames < 1:
        raise UsageError("--frames must be at least 1")
    if not source.is_file():
        raise VidanimeError(f"input not found: {source}")
    out = output or source.with_name(f"{source.stem}_preview.png")
    if not is_image_path(out):
        raise UsageError(f"the grid is a picture: give -o a .png or .jpg name, not {out.name}")
    with stderr_console.status("preview"):
        rows, names = make_preview(source, style, frames, out, device, resolution)
    stderr_console.print(f"wrote {out}: {rows} frame{'s' if rows != 1 else ''} x original + {', '.join(names)}", highlight=False)
