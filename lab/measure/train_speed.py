"""Training speed by precision and memory layout: steps per second of a few recipes, each setting
timed in this one run on this machine (the figures for the training-speed table in docs/training/index.md).

    python -m lab.measure.train_speed --photos ../shared/data/photos-open --style ../shared/data/anime \\
        --recipe cel-distill --recipe dcgan --recipe animeganv2 --json docs/train_speed.json

Each (recipe, setting) trains ``--steps`` warm-up steps, then ``--steps`` timed ones, from the same seed
on the same few images; the data is prepared once per recipe and shared by the settings."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch

from training.precision import resolve_precision
from training.recipes import RECIPES
from training.recipes.base import apply_overrides
from training.trainer import TrainConfig, Trainer
from vidanime.bench.machine import describe
from vidanime.images.io import is_image_path

SETTINGS = {  # name -> (precision, channels_last)
    "fp32": ("fp32", False),
    "fp32 channels-last": ("fp32", True),
    "auto": ("auto", False),
    "bf16": ("bf16", False),
}


def images(folder: Path, count: int) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if is_image_path(p))[:count]


def steps_per_second(recipe: str, source: object, precision: str, channels_last: bool, steps: int, overrides: list[str], device: str = "cpu", vgg_path: Path | None = None) -> float:
    """Train 2 x ``steps``; the trainer logs the mean time of each ``steps`` steps: the second is the
    warm figure (the first pays for allocation and kernel choice)."""
    cls = RECIPES.get(recipe)
    hp = apply_overrides(cls.hyper_cls(), [f"steps={2 * steps}", *overrides])
    out = Path(tempfile.mkdtemp(prefix="train-speed-"))
    config = TrainConfig(recipe=recipe, out=out, hyper=hp, device=device, precision=precision, channels_last=channels_last, export=False, sample_every=10**9, checkpoint_every=10**9, log_every=steps, vgg_path=vgg_path)
    Trainer(config, cls, source).run()  # type: ignore[arg-type]
    last = json.loads((out / "log.jsonl").read_text().splitlines()[-1])
    return 1.0 / float(last["seconds_per_step"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=Path, required=True)
    ap.add_argument("--style", type=Path, required=True)
    ap.add_argument("--recipe", action="append", default=[])
    ap.add_argument("--setting", action="append", default=[], help=f"among {', '.join(SETTINGS)} (default: all)")
    ap.add_argument("--images", type=int, default=12)
    ap.add_argument("--steps", type=int, default=6, help="timed steps (after as many warm-up steps)")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--append", action="store_true", help="add to --json's settings (e.g. bf16 of the fast recipes only: emulated bf16 is ~10x slower)")
    args = ap.parse_args()
    recipes = args.recipe or ["cel-distill", "dcgan", "animeganv2"]
    settings = args.setting or list(SETTINGS)
    auto = resolve_precision("auto", torch.device("cpu"))
    previous = json.loads(args.json.read_text())["rows"] if args.append and args.json and args.json.exists() else []
    rows = {r["recipe"]: r for r in previous}
    for recipe in recipes:
        cls = RECIPES.get(recipe)
        hp = apply_overrides(cls.hyper_cls(), [f"batch_size={args.batch_size}"])
        source = cls(hp, torch.device("cpu")).make_source(images(args.photos, args.images), images(args.style, args.images), 0, Path(tempfile.mkdtemp(prefix="train-speed-cache-")))
        row: dict[str, object] = rows.setdefault(recipe, {"recipe": recipe, "batch_size": args.batch_size, "crop": hp.crop})
        for name in settings:
            precision, channels_last = SETTINGS[name]
            row[name] = round(steps_per_second(recipe, source, precision, channels_last, args.steps, [f"batch_size={args.batch_size}"]), 3)
            print(f"{recipe:14s} {name:20s} {row[name]:.3f} steps/s", flush=True)
            if args.json:  # after every figure: a long run stopped halfway keeps what it measured
                result = {"machine": describe(), "auto_is": auto, "torch": torch.__version__, "threads": torch.get_num_threads(), "steps": args.steps, "rows": list(rows.values())}
                args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
