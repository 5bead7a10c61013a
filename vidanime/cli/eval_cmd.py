"""``vidanime eval``: measure what a conversion did."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from vidanime.cli.progress import stderr_console
from vidanime.errors import VidanimeError

eval_app = typer.Typer(help="Measure conversions: temporal stability, style figures.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")


@eval_app.command("temporal")
def temporal(
    input_video: Path = typer.Argument(..., help="The original video (flow is computed on it)."),
    output_video: Path = typer.Argument(..., help="The stylised video."),
    csv_path: Optional[Path] = typer.Option(None, "--csv", help="Write per-frame figures here."),
    max_frames: Optional[int] = typer.Option(None, "--max-frames", help="Only the first N frame pairs."),
    shift_tolerance: int = typer.Option(
        0, "--shift-tolerance", min=0, max=3,
        help="Pixels a pixel may sit off the flow and still match (0 = the standard figure). 1 separates real flicker "
             "(lines coming and going, fills changing colour) from sharp edges meeting a flow error under a pixel.",
    ),
) -> None:
    """Warping error (Lai et al. 2018; lower = steadier) and sharpness (mean gradient) of OUTPUT."""
    from vidanime.temporal.metrics import evaluate, video_frames

    report = evaluate(video_frames(input_video), video_frames(output_video), max_frames, shift_tolerance=shift_tolerance)
    if csv_path is not None:
        report.write_csv(csv_path)
    typer.echo(f"warping_error {report.warping_error:.6f}")
    typer.echo(f"sharpness {report.sharpness:.6f}")
    typer.echo(f"pairs {len(report.pairs)}")
    if shift_tolerance:
        typer.echo(f"shift_tolerance {shift_tolerance}")
    if csv_path is not None:
        stderr_console.print(f"per-frame figures in {csv_path}", highlight=False)


@eval_app.command("style")
def style(
    photos: Path = typer.Argument(..., help="A photo, or a folder of photos."),
    outputs: Path = typer.Argument(..., help="The stylised image, or a folder of them (matched to photos by name)."),
    reference: Optional[Path] = typer.Option(
        None, "--reference", help="Folder of anime images: also report a style distance (KID on VGG16 features; needs the training kit)."
    ),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Write every figure, the medians and the targets here."),
    grid_path: Optional[Path] = typer.Option(None, "--grid", help="Write a photo | output grid (PNG) here."),
) -> None:
    """Detail kept, lines drawn, artefacts made, faces kept: the style figures of OUTPUTS against PHOTOS.

    Ratios are output / photo on grey images: fine detail and strong edges (want ~1: nothing
    blurred away), specks per megapixel, false contours (steps where the photo is smooth: banding),
    black lift (hazy blacks), colour flatness and line coverage, and the share of faces a face
    detector still finds, and SSIM to the photo. Medians are checked against the drawn look's guards.
    """
    from vidanime.cli.progress import make_progress
    from vidanime.outputs import write_json
    from vidanime.quality.report import evaluate_pairs, grid, pair_files

    pairs = pair_files(photos, outputs)
    with make_progress(False, unit="img/s") as progress:
        task = progress.add_task("eval style", total=len(pairs))
        report = evaluate_pairs(pairs, lambda: progress.advance(task))
    if reference is not None:
        try:
            from training.metrics.style_distance import style_distance
        except ImportError as exc:
            raise VidanimeError("--reference needs the training kit: pip install torch==2.13.0 'vidanime[train]'") from exc
        report.style_distance = style_distance([o for _, o in pairs], reference)
    summary = report.summary()
    for key, value in summary["medians"].items():
        typer.echo(f"{key} {value}")
    if "faces" in summary:
        f = summary["faces"]
        typer.echo(f"faces_kept {f['kept']}/{f['in_photos']}")
    if report.style_distance is not None:
        typer.echo(f"style_distance_kid_vgg16 {report.style_distance['kid']:.5f} (+- {report.style_distance['kid_std']:.5f})")
    for key, t in summary["targets"].items():
        typer.echo(f"target {key} {t['target']}: {t['value']} {'met' if t['met'] else 'NOT met'}")
    if json_path is not None:
        write_json(json_path, summary)
        stderr_console.print(f"wrote {json_path}", highlight=False)
    if grid_path is not None:
        grid(pairs, grid_path)
        stderr_console.print(f"wrote {grid_path}", highlight=False)
