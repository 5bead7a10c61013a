"""``vidanime convert``: the main job."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import typer

from vidanime.cli.progress import make_progress, stderr_console
from vidanime.engine.contract import parse_range
from vidanime.errors import UsageError, VidanimeError
from vidanime.pipeline.convert import ConvertRequest, load_stylizer, plan_jobs, run_jobs, smoother_factory, video_options
from vidanime.styles.registry import DEFAULT_STYLE, resolve_style
from vidanime.video.encode import CODECS, EncodeSettings


def register(app: typer.Typer) -> None:
    app.command("convert")(convert)


def contract_overrides(layout: str | None, input_range: str | None, output_range: str | None, bgr: bool) -> dict[str, object]:
    """Command-line contract fields, checked; only the ones given."""
    found: dict[str, object] = {}
    if layout is not None:
        if layout.upper() not in ("NCHW", "NHWC"):
            raise UsageError("--layout takes NCHW or NHWC")
        found["layout"] = layout.upper()
    for key, value in (("input_range", input_range), ("output_range", output_range)):
        if value is not None:
            try:
                found[key] = parse_range(value)
            except VidanimeError as exc:
                raise UsageError(str(exc)) from exc
    if bgr:
        found["channel_order"] = "BGR"
    return found


def convert(
    source: Path = typer.Argument(..., help="A video, an image, or a folder of them (searched recursively)."),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Output file (or folder for a folder input). Default: NAME_STYLE.EXT beside the input."
    ),
    style: Optional[str] = typer.Option(
        None, "-s", "--style", help=f"Installed style name or path to an .onnx generator. Default: {DEFAULT_STYLE}. See 'vidanime styles list'."
    ),
    device: str = typer.Option("auto", help="auto (CUDA when usable, else CPU), cpu or cuda."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", "-b", help="Frames per inference call. Default: 1 on CPU, 4 on CUDA."),
    resolution: Optional[int] = typer.Option(
        None, "--resolution", "-r", help="Stylise at this short side (px) for speed; output keeps the input size."
    ),
    keep_processing_size: bool = typer.Option(False, "--keep-processing-size", help="With --resolution: write the smaller size."),
    codec: str = typer.Option("auto", help=f"Video codec: auto (h264; vp9 for .webm), {', '.join(CODECS)}."),
    crf: int = typer.Option(18, help="Quality for x264/x265/VP9/AV1 (lower is better, bigger)."),
    preset: str = typer.Option("medium", help="x264/x265 speed preset (ultrafast ... veryslow)."),
    temporal: str = typer.Option("flow", help="Flicker removal: flow (motion-compensated), ema, or off."),
    temporal_strength: float = typer.Option(0.9, "--temporal-strength", help="0 = per-frame output, toward 1 = steadier."),
    no_audio: bool = typer.Option(False, "--no-audio", help="Drop the audio track."),
    overwrite: bool = typer.Option(False, "--overwrite", "-y", help="Replace an existing output."),
    strict: bool = typer.Option(False, "--strict", help="Fail if any input frame cannot be decoded (default: warn)."),
    threads: Optional[int] = typer.Option(None, help="CPU inference threads. Default: all usable cores."),
    layout: Optional[str] = typer.Option(None, help="Override the model's layout: NCHW or NHWC."),
    input_range: Optional[str] = typer.Option(None, "--input-range", help="Override the model's input range, e.g. -1,1 or 0,1."),
    output_range: Optional[str] = typer.Option(None, "--output-range", help="Override the model's output range."),
    bgr: bool = typer.Option(False, "--bgr", help="The model takes and returns BGR (e.g. White-box, CartoonGAN ports)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Stylise a video (audio, timing and rotation kept), an image, or a folder of both."""
    for name, value in (("--batch-size", batch_size), ("--resolution", resolution), ("--threads", threads)):
        if value is not None and value < 1:
            raise UsageError(f"{name} must be a positive number")
    if not source.exists():
        raise VidanimeError(f"input not found: {source}")
    chosen = resolve_style(style)
    request = ConvertRequest(
        source=source,
        output=output,
        style=style,
        device=device,
        batch_size=batch_size,
        resolution=resolution,
        keep_processing_size=keep_processing_size,
        encode=EncodeSettings(codec=codec, crf=crf, preset=preset),
        overwrite=overwrite,
        keep_audio=not no_audio,
        strict=strict,
        threads=threads,
        contract_overrides=contract_overrides(layout, input_range, output_range, bgr),
        temporal=temporal,
        temporal_strength=temporal_strength,
    )
    smoothers = smoother_factory(request)
    jobs = plan_jobs(source, output, chosen.name, overwrite)
    stylizer, engine = load_stylizer(chosen, request)
    options = video_options(request, engine.device)
    with make_progress(quiet) as progress:

        def track(name: str, total: int | None) -> Callable[[int], None]:
            task = progress.add_task(name, total=total)
            return lambda n: progress.advance(task, n)

        results = run_jobs(jobs, stylizer, options, track, keep_going=source.is_dir(), smoother_factory=smoothers)
    failed = [r for r in results if r.error]
    if not quiet:
        for r in results:
            if r.error:
                continue
            rate = f" in {r.seconds:.1f} s ({r.frames / r.seconds:.1f} fps)" if r.seconds else ""
            stderr_console.print(f"wrote {r.job.output}: {r.frames} frame{'s' if r.frames != 1 else ''}{rate}", highlight=False)
        stderr_console.print(f"style {chosen.name} ({engine.contract.arch}) on {engine.device}", highlight=False)
    for r in results:  # warnings are shown even with --quiet
        for note in r.notes:
            typer.echo(f"note: {r.job.source.name}: {note}", err=True)
        if r.error:
            typer.echo(f"error: {r.error}", err=True)
    if failed:
        raise typer.Exit(1)
