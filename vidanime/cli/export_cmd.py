"""``vidanime export-onnx``: a training-kit generator to an ONNX file the runtime plays."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from vidanime.cli.progress import stderr_console
from vidanime.cli.training_kit import require_training
from vidanime.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("export-onnx")(export_onnx)


def export_onnx(
    arch: Optional[str] = typer.Option(None, "--arch", "-a", help="Generator architecture; --list shows them."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="The .onnx file to write."),
    checkpoint: Optional[Path] = typer.Option(None, help="Training checkpoint or state dict (.pt / .pth); random init without."),
    style_name: Optional[str] = typer.Option(None, "--style-name", help="Style name stored in the metadata."),
    fp16: bool = typer.Option(False, "--fp16", help="Also write NAME.fp16.onnx (picked automatically on CUDA)."),
    int8: bool = typer.Option(False, "--int8", help="Also write NAME.int8.onnx (static QDQ int8 for CPUs); needs --calibration."),
    calibration: Optional[Path] = typer.Option(None, "--calibration", help="Folder of real photos for int8 calibration crops."),
    opset: int = typer.Option(17, help="ONNX opset."),
    overwrite: bool = typer.Option(False, "--overwrite", "-y", help="Replace an existing output."),
    list_archs: bool = typer.Option(False, "--list", help="List the architectures and exit."),
) -> None:
    """Export a generator (random init or a checkpoint): dynamic size, metadata, parity-checked."""
    require_training()
    from training.export.onnx import export_generator
    from training.models.registry import generator_names, get_arch

    if list_archs:
        for name in generator_names():
            spec = get_arch(name)
            typer.echo(f"{name:12s} {spec.paper}")
        return
    if arch is None or output is None:
        raise UsageError("--arch and -o are required (see 'vidanime export-onnx --help')")
    calib = None
    if int8:
        if calibration is None:
            raise UsageError("--int8 needs --calibration DIR (real photos to calibrate activation ranges)")
        from training.data.batches import list_images

        calib = list_images(calibration)
    report = export_generator(
        arch, output, checkpoint=checkpoint, style_name=style_name, fp16=fp16, opset=opset, overwrite=overwrite, int8_calibration=calib
    )
    stderr_console.print(f"wrote {report.path} ({arch}, {report.params:,} parameters)", highlight=False)
    if report.fp16_path:
        stderr_console.print(f"wrote {report.fp16_path} (fp16 weights, fp32 in / out)", highlight=False)
    for label, diff in report.parity.items():
        stderr_console.print(f"parity {label}: max |onnx - torch| = {diff:.1e}  ok", highlight=False)
    if report.int8 is not None:
        q = report.int8
        stderr_console.print(
            f"wrote {q.path} (int8 QDQ, {q.calibration_crops} calibration crops): PSNR vs fp32 {q.psnr_vs_fp32:.1f} dB", highlight=False
        )
