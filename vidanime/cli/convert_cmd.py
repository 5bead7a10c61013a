"""``vidanime convert``: the main job. Parses the options into a ``ConvertRequest``, calls the
pipeline's one entry point, and prints what happened."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from vidanime.cli.progress import make_progress, stderr_console, tracker
from vidanime.pipeline.convert import ConvertOutcome
from vidanime.pipeline.convert import convert as run_convert
from vidanime.pipeline.options import convert_request
from vidanime.styles.registry import DEFAULT_STYLE
from vidanime.video.encode import CODECS, DEFAULT_PRESET


def register(app: typer.Typer) -> None:
    app.command("convert")(convert)


def convert(
    source: str = typer.Argument(
        ..., help="A video, an image, a folder of them (searched recursively), - for standard input, a URL (rtsp://, http(s)://...m3u8) or a capture device (/dev/video0)."
    ),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Output file (or folder for a folder input); - for standard output. Default: NAME_STYLE.EXT beside the input."
    ),
    style: Optional[str] = typer.Option(
        None, "-s", "--style", help=f"Installed style name or path to an .onnx generator. Default: {DEFAULT_STYLE}. See 'vidanime styles list'."
    ),
    device: str = typer.Option("auto", help="auto (CUDA when usable, else CPU), cpu or cuda."),
    backend: str = typer.Option(
        "auto", help="CPU engine: auto (OpenVINO when installed), onnxruntime, openvino. CUDA always uses ONNX Runtime."
    ),
    precision: str = typer.Option(
        "auto", help="CPU precision in OpenVINO: auto (int8 when the style ships an int8 graph, else bf16 where the CPU has it, else fp32; each kept only if a probe is within 40 dB of fp32), fp32, bf16, int8."
    ),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", "-b", help="Frames per inference call. Default: 1 on CPU; on CUDA by frame size (docs/gpu.md)."),
    resolution: Optional[int] = typer.Option(
        None, "--resolution", "-r", help="Stylise at this short side (px) for speed; output keeps the input size."
    ),
    quality: str = typer.Option(
        "auto", "--quality", "-Q",
        help="best (model at full size), balanced (at 3/4 of the short side) or fast (1/2), brought back to full size by a guided filter that keeps edges crisp; "
        "auto: balanced for videos of 720p and up, best for pictures, smaller videos and manga.",
    ),
    keep_processing_size: bool = typer.Option(False, "--keep-processing-size", help="With --resolution: write the smaller size."),
    codec: str = typer.Option("auto", help=f"Video codec: auto (h264; vp9 for .webm), {', '.join(CODECS)}."),
    crf: int = typer.Option(18, help="Quality for x264/x265/VP9/AV1 (lower is better, bigger)."),
    preset: str = typer.Option(DEFAULT_PRESET, help="x264/x265 speed preset (ultrafast ... veryslow); slower ones spend cores the model could use."),
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
    start: Optional[str] = typer.Option(None, "--start", help="Convert from this time (seconds or [HH:]MM:SS[.mmm]); the output starts at 0."),
    end: Optional[str] = typer.Option(None, "--end", help="... until this time."),
    duration: Optional[str] = typer.Option(None, "--duration", help="... for this long (instead of --end)."),
    fps: Optional[float] = typer.Option(None, "--fps", help="Output frame rate: frames are dropped or repeated by timestamp; audio untouched."),
    strength: float = typer.Option(1.0, "--strength", help="0..1: blend with the original (in Lab) for a lighter touch; 1 = full style."),
    compare: Optional[str] = typer.Option(None, "--compare", help="horizontal or vertical: original and stylised side by side."),
    faces: str = typer.Option(
        "keep", "--faces", help="Pictures: keep (the model's faces) or draw (faces found drawn the anime way: eyes, brows and a nose tick on flat skin; faces with glasses, a tilt or hair over an eye are kept)."
    ),
    container_format: Optional[str] = typer.Option(None, "--format", help="Output container (e.g. matroska, mpegts, mp4); needed mostly with -o -."),
    ray: Optional[str] = typer.Option(
        None, "--ray", help="Convert across Ray: --ray alone starts a local Ray; --ray auto or --ray ray://host:port joins a cluster."
    ),
    ray_workers: Optional[int] = typer.Option(None, "--ray-workers", help="With --ray: workers for one video (default: the cluster's CPUs / --threads)."),
    resume: bool = typer.Option(
        False, "--resume", help="Work in journaled segments; if stopped (Ctrl-C, crash, kill -9), the same command continues where it was."
    ),
    segment_seconds: float = typer.Option(10.0, "--segment-seconds", help="With --resume: segment length (cut at the next keyframe)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Stylise a video (audio, timing and rotation kept), an image, or a folder of both."""
    request = convert_request(
        source, output, style, device=device, backend=backend, precision=precision, batch_size=batch_size, resolution=resolution, quality=quality,
        keep_processing_size=keep_processing_size, codec=codec, crf=crf, preset=preset, overwrite=overwrite, keep_audio=not no_audio, strict=strict,
        threads=threads, layout=layout, input_range=input_range, output_range=output_range, bgr=bgr, temporal=temporal, temporal_strength=temporal_strength,
        resume=resume, segment_seconds=segment_seconds, start=start, end=end, duration=duration, fps=fps, strength=strength, compare=compare, faces=faces,
        container_format=container_format, ray=ray, ray_workers=ray_workers,
    )  # fmt: skip
    with make_progress(quiet or str(output) == "-" and not sys.stderr.isatty()) as progress:
        outcome = run_convert(request, tracker(progress))
    report(outcome, quiet)
    if outcome.failed:
        raise typer.Exit(1)


def report(outcome: ConvertOutcome, quiet: bool) -> None:
    """What was written (unless --quiet), then every note and error (always)."""
    if not quiet:
        for r in outcome.results:
            if r.error:
                continue
            rate = f" in {r.seconds:.1f} s ({r.frames / r.seconds:.1f} fps)" if r.seconds else ""
            where = "standard output" if str(r.job.output) == "-" else r.job.output
            stderr_console.print(f"wrote {where}: {r.frames} frame{'s' if r.frames != 1 else ''}{rate}", highlight=False)
        stderr_console.print(f"style {outcome.style.name} ({outcome.arch}) on {outcome.device}", highlight=False)
        if outcome.precision_note:
            stderr_console.print(f"precision: {outcome.precision_note}", highlight=False)
    for r in outcome.results:
        for note in r.notes:
            typer.echo(f"note: {r.job.name}: {note}", err=True)
        if r.error:
            typer.echo(f"error: {r.error}", err=True)
