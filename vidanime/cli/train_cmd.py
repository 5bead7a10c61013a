"""``vidanime train`` and ``vidanime dataset``: the training kit from the command line. ``train``
parses its options into a ``training.run.TrainRequest`` and prints the outcome; the kit does the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from vidanime.cli.progress import make_progress, stderr_console, tracker
from vidanime.cli.training_kit import require_training
from vidanime.errors import UsageError

dataset_app = typer.Typer(help="Prepare training data: frames from videos, edge-smoothed negatives.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.add_typer(dataset_app, name="dataset")


def train(
    recipe: Optional[str] = typer.Argument(None, help="Recipe name; --list shows them with their papers."),
    photos: Optional[Path] = typer.Option(None, "--photos", help="Folder of real photos, or a .txt list of image paths."),
    style: Optional[Path] = typer.Option(None, "--style", help="Folder of target-style images (GAN recipes)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Run directory: checkpoints, logs, samples, generator.onnx."),
    steps: Optional[int] = typer.Option(None, help="Total steps (default: the recipe's)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", "-b", help="Batch size per process."),
    crop: Optional[int] = typer.Option(None, help="Random-crop size (px)."),
    set_: list[str] = typer.Option([], "--set", help="Override a hyper-parameter: --set lr_g=1e-4 (repeatable)."),
    device: str = typer.Option("auto", help="auto, cpu or cuda."),
    seed: int = typer.Option(0, help="Random seed (batches are a function of seed and step)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out from its last checkpoint."),
    max_minutes: Optional[float] = typer.Option(None, "--max-minutes", help="Stop with a checkpoint after this long."),
    stop_at: Optional[int] = typer.Option(None, "--stop-at", help="Stop with a checkpoint at this step (resume later)."),
    sample_every: int = typer.Option(500, help="Write a sample grid every N steps."),
    checkpoint_every: int = typer.Option(250, help="Checkpoint every N steps."),
    log_every: int = typer.Option(20, help="Log mean losses every N steps."),
    style_name: Optional[str] = typer.Option(None, "--style-name", help="Style name stored in the exported ONNX."),
    vgg: Optional[Path] = typer.Option(None, "--vgg", help="torchvision-format VGG weights (.pth) for perceptual losses."),
    precision: str = typer.Option("auto", "--precision", help="auto (bf16 on CPUs with AMX / AVX512-BF16, fp16 AMP on CUDA, else fp32), fp32, bf16 or fp16."),
    channels_last: bool = typer.Option(False, "--channels-last", help="NHWC tensors and weights (measure with lab/measure/train_speed.py: it depends on the CPU)."),
    no_amp: bool = typer.Option(False, "--no-amp", help="Same as --precision fp32."),
    no_export: bool = typer.Option(False, "--no-export", help="Do not export generator.onnx at the end."),
    list_recipes: bool = typer.Option(False, "--list", help="List the recipes and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Train a seed paper's model (or the bundled cel student); also runs under torchrun."""
    require_training()
    from training.run import TrainRequest, recipe_summaries
    from training.run import train as run_train

    if list_recipes:
        for name, summary in recipe_summaries():
            typer.echo(f"{name:15s} {summary}")
        return
    if recipe is None or out is None or photos is None:
        raise UsageError("give a RECIPE, --photos and --out (see 'vidanime train --help'; --list shows recipes)")
    request = TrainRequest(
        recipe, photos, out, style, steps, batch_size, crop, list(set_), device, seed, "fp32" if no_amp else precision, channels_last,
        resume, max_minutes, stop_at, sample_every, checkpoint_every, log_every, style_name, vgg, export=not no_export,
    )  # fmt: skip
    with make_progress(quiet, unit="it/s") as progress:
        outcome = run_train(request, tracker(progress), say=lambda line: stderr_console.print(line, highlight=False))
    result = outcome.result
    state = "finished" if result.finished else "stopped (resume with --resume)"
    stderr_console.print(f"{outcome.recipe}: {state} at step {result.step} in {result.seconds / 60:.1f} min; run in {outcome.out}", highlight=False)
    if result.onnx:
        stderr_console.print(f"exported {result.onnx}", highlight=False)


@dataset_app.command("frames")
def frames(
    video: Path = typer.Argument(..., help="A video (e.g. an anime episode you own)."),
    out_dir: Path = typer.Argument(..., help="Folder for the JPEG frames."),
    every: str = typer.Option("1s", "--every", help="Interval between frames, e.g. 1s, 0.5s, 2."),
    max_side: Optional[int] = typer.Option(None, help="Downscale so the long side is at most this."),
) -> None:
    """Build a style set from a video: one frame per interval, no near-black or near-duplicate frames."""
    from training.data.frames import extract_frames

    try:
        seconds = float(every.removesuffix("s"))
    except ValueError as exc:
        raise UsageError(f"--every takes seconds like 1s or 0.5, got {every!r}") from exc
    if seconds <= 0:
        raise UsageError("--every must be positive")
    stats = extract_frames(video, out_dir, seconds, max_side)
    stderr_console.print(
        f"{video.name}: kept {stats.kept} of {stats.seen} sampled frames "
        f"({stats.black} near-black, {stats.duplicate} near-duplicate skipped) -> {out_dir}", highlight=False,
    )  # fmt: skip


@dataset_app.command("smooth")
def smooth(
    style_dir: Path = typer.Argument(..., help="Folder of style images."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Where to write them. Default: STYLE_DIR_smooth beside it."),
) -> None:
    """Edge-smoothed copies of style images (the negatives of the edge-promoting loss); cached."""
    require_training()
    from training.data.batches import list_images
    from training.data.edge_smooth import smooth_folder

    paths = list_images(style_dir)
    target = out_dir or style_dir.with_name(style_dir.name + "_smooth")
    with make_progress(False, unit="img/s") as progress:
        task = progress.add_task("smooth", total=len(paths))
        smooth_folder(paths, target, lambda: progress.advance(task))
    stderr_console.print(f"{len(paths)} edge-smoothed images in {target}", highlight=False)
