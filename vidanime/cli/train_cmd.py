"""``vidanime train`` and ``vidanime dataset``: the training kit from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from vidanime.cli.progress import make_progress, stderr_console
from vidanime.cli.training_kit import require_training
from vidanime.errors import UsageError, VidanimeError

dataset_app = typer.Typer(help="Prepare training data: frames from videos, edge-smoothed negatives.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.add_typer(dataset_app, name="dataset")


def read_image_list(source: Path) -> list[Path]:
    """A folder (searched recursively) or a text file with one image path per line."""
    from training.data.batches import list_images

    if source.is_file() and source.suffix == ".txt":
        base = source.parent
        paths = [(base / line.strip()) if not Path(line.strip()).is_absolute() else Path(line.strip())
                 for line in source.read_text().splitlines() if line.strip() and not line.startswith("#")]  # fmt: skip
        missing = [p for p in paths if not p.is_file()]
        if missing:
            raise VidanimeError(f"{source.name}: {len(missing)} listed images are missing, e.g. {missing[0]}")
        if not paths:
            raise VidanimeError(f"{source.name} lists no images")
        return paths
    return list_images(source)


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
    channels_last: bool = typer.Option(False, "--channels-last", help="NHWC tensors and weights (measure with tools/train_speed.py: it depends on the CPU)."),
    no_amp: bool = typer.Option(False, "--no-amp", help="Same as --precision fp32."),
    no_export: bool = typer.Option(False, "--no-export", help="Do not export generator.onnx at the end."),
    list_recipes: bool = typer.Option(False, "--list", help="List the recipes and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Train a seed paper's model (or the bundled cel student); also runs under torchrun."""
    require_training()
    from training.recipes import RECIPES
    from training.recipes.base import apply_overrides
    from training.trainer import TrainConfig, Trainer

    if list_recipes:
        for name, cls in RECIPES.items():
            typer.echo(f"{name:15s} {cls.summary}")
        return
    if recipe is None or out is None or photos is None:
        raise UsageError("give a RECIPE, --photos and --out (see 'vidanime train --help'; --list shows recipes)")
    if recipe not in RECIPES:
        raise UsageError(f"unknown recipe {recipe!r}; choose one of {', '.join(RECIPES.names())}")
    cls = RECIPES.get(recipe)
    recipe = cls.name
    pairs = list(set_)
    for key, value in (("steps", steps), ("batch_size", batch_size), ("crop", crop)):
        if value is not None:
            pairs.append(f"{key}={value}")
    hp = apply_overrides(cls.hyper_cls(), pairs)
    photo_paths = read_image_list(photos)
    style_paths = read_image_list(style) if style is not None else None
    config = TrainConfig(
        recipe=recipe, out=out, hyper=hp, device=device, seed=seed, precision="fp32" if no_amp else precision, channels_last=channels_last, resume=resume,
        log_every=log_every, sample_every=sample_every, checkpoint_every=checkpoint_every, max_minutes=max_minutes, stop_at=stop_at,
        export=not no_export, style_name=style_name, vgg_path=vgg,
        data_note={"photos": str(photos), "n_photos": len(photo_paths), "style": str(style) if style else None,
                   "n_style": len(style_paths) if style_paths else 0},
    )  # fmt: skip
    stderr_console.print(f"{recipe}: preparing data ({len(photo_paths)} photos)", highlight=False)
    source = cls(hp, __import__("torch").device("cpu")).make_source(photo_paths, style_paths, seed, out / "cache")
    with make_progress(quiet, unit="it/s") as progress:
        task = progress.add_task(recipe, total=hp.steps)

        def on_step(step: int, total: int, losses: dict[str, float]) -> None:
            progress.update(task, completed=step)

        trainer = Trainer(config, cls, source, on_step)
        progress.update(task, completed=trainer.step)
        result = trainer.run()
    state = "finished" if result.finished else "stopped (resume with --resume)"
    stderr_console.print(f"{recipe}: {state} at step {result.step} in {result.seconds / 60:.1f} min; run in {out}", highlight=False)
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
