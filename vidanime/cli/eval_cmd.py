"""``vidanime eval``: measure what a conversion did."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from vidanime.cli.progress import stderr_console

eval_app = typer.Typer(help="Measure conversions (temporal stability).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")


@eval_app.command("temporal")
def temporal(
    input_video: Path = typer.Argument(..., help="The original video (flow is computed on it)."),
    output_video: Path = typer.Argument(..., help="The stylised video."),
    csv_path: Optional[Path] = typer.Option(None, "--csv", help="Write per-frame figures here."),
    max_frames: Optional[int] = typer.Option(None, "--max-frames", help="Only the first N frame pairs."),
) -> None:
    """Warping error (Lai et al. 2018; lower = steadier) and sharpness (mean gradient) of OUTPUT."""
    from vidanime.temporal.metrics import evaluate, video_frames

    report = evaluate(video_frames(input_video), video_frames(output_video), max_frames)
    if csv_path is not None:
        report.write_csv(csv_path)
    typer.echo(f"warping_error {report.warping_error:.6f}")
    typer.echo(f"sharpness {report.sharpness:.6f}")
    typer.echo(f"pairs {len(report.pairs)}")
    if csv_path is not None:
        stderr_console.print(f"per-frame figures in {csv_path}", highlight=False)
