"""The one way to train, as ``vidanime.pipeline.convert`` is the one way to convert:
``train(request, progress)`` checks the request, looks the recipe up, merges the overrides into its
hyper-parameters, builds the data source and runs the ``Trainer``. ``vidanime train`` only parses
its options into a ``TrainRequest`` and prints the ``TrainOutcome``; it also runs under torchrun."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from training.data.batches import list_images
from training.recipes import RECIPES
from training.recipes.base import apply_overrides
from training.trainer import TrainConfig, Trainer, TrainResult, check_run_dir
from vidanime.errors import UsageError, VidanimeError

# (name shown in progress, steps expected) -> a callback taking steps done since its last call
ProgressFactory = Callable[[str, "int | None"], Callable[[int], None]]


def no_progress(name: str, total: int | None) -> Callable[[int], None]:
    return lambda n: None


@dataclass
class TrainRequest:
    """Everything a training run needs to know; what ``vidanime train`` parses its options into."""

    recipe: str
    photos: Path  # a folder of real photos (searched recursively), or a .txt list of image paths
    out: Path  # the run folder: checkpoints, logs, samples, generator.onnx
    style: Path | None = None  # target-style images (GAN recipes); a folder or a .txt list
    steps: int | None = None  # default: the recipe's
    batch_size: int | None = None
    crop: int | None = None
    overrides: list[str] = field(default_factory=list)  # --set KEY=VALUE
    device: str = "auto"
    seed: int = 0
    precision: str = "auto"  # training.precision: auto, fp32, bf16, fp16
    channels_last: bool = False
    resume: bool = False
    max_minutes: float | None = None
    stop_at: int | None = None
    sample_every: int = 500
    checkpoint_every: int = 250
    log_every: int = 20
    style_name: str | None = None  # stored in the exported ONNX
    vgg: Path | None = None  # torchvision-format VGG weights for perceptual losses
    export: bool = True  # export generator.onnx at the end


@dataclass
class TrainOutcome:
    recipe: str  # the recipe's current name (an old name given is resolved)
    out: Path
    result: TrainResult


def recipe_summaries() -> list[tuple[str, str]]:
    """(name, one line with its paper) for every recipe, for ``vidanime train --list``."""
    return [(name, cls.summary) for name, cls in RECIPES.items()]


def read_image_list(source: Path) -> list[Path]:
    """A folder (searched recursively) or a text file with one image path per line."""
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


def train(request: TrainRequest, progress: ProgressFactory = no_progress, say: Callable[[str], None] = lambda line: None) -> TrainOutcome:
    """Check, prepare the data, train; ``say`` hears what happens between the progress bars.
    Raises ``VidanimeError`` (``UsageError`` for a bad request) with a one-line reason."""
    if request.recipe not in RECIPES:
        raise UsageError(f"unknown recipe {request.recipe!r}; choose one of {', '.join(RECIPES.names())}")
    cls = RECIPES.get(request.recipe)
    pairs = list(request.overrides)
    for key, value in (("steps", request.steps), ("batch_size", request.batch_size), ("crop", request.crop)):
        if value is not None:
            pairs.append(f"{key}={value}")
    hp = apply_overrides(cls.hyper_cls(), pairs)
    photo_paths = read_image_list(request.photos)
    style_paths = read_image_list(request.style) if request.style is not None else None
    config = TrainConfig(
        recipe=cls.name, out=request.out, hyper=hp, device=request.device, seed=request.seed, precision=request.precision,
        channels_last=request.channels_last, resume=request.resume, log_every=request.log_every, sample_every=request.sample_every,
        checkpoint_every=request.checkpoint_every, max_minutes=request.max_minutes, stop_at=request.stop_at, export=request.export,
        style_name=request.style_name, vgg_path=request.vgg,
        data_note={"photos": str(request.photos), "n_photos": len(photo_paths), "style": str(request.style) if request.style else None,
                   "n_style": len(style_paths) if style_paths else 0},
    )  # fmt: skip
    check_run_dir(request.out, request.resume)
    say(f"{cls.name}: preparing data ({len(photo_paths)} photos)")
    source = cls(hp, torch.device("cpu")).make_source(photo_paths, style_paths, request.seed, request.out / "cache")
    advance = progress(cls.name, hp.steps)
    done = 0

    def on_step(step: int, total: int, losses: dict[str, float]) -> None:
        nonlocal done
        advance(step - done)
        done = step

    trainer = Trainer(config, cls, source, on_step)
    on_step(trainer.step, hp.steps, {})  # a resumed run starts where it stopped
    return TrainOutcome(cls.name, request.out, trainer.run())
