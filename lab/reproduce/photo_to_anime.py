"""Seeds 001 and 003 reproduced at CPU scale: a photo-to-anime GAN recipe trained, then measured.

    python -m lab.release.cel_data ../shared/data runs/cel2              # the licensed photo split (once)
    python -m lab.reproduce.photo_to_anime train whitebox ../shared/data runs/cel2 runs/whitebox --max-minutes 45
    python -m lab.reproduce.photo_to_anime report whitebox ../shared/data runs/cel2 runs/whitebox docs/reproduce/whitebox

``train`` runs ``vidanime train RECIPE`` on the split's training photos and the anime images
(``--anime all``: all 567; ``scenes``: the 167 that are not the selfie2anime faces: film frames,
covers, illustrations), first to the end of the recipe's pre-training (L1 reconstruction for
White-box, VGG content for AnimeGANv2), kept as ``init.pt``: the baseline the issue asks for;
then on for ``--max-minutes``. Run it again to go on (``--resume``).
``report`` renders the split's held-out photos with the pre-trained-only model, the trained model
and the bundled ``cel``, and writes metrics.json (``vidanime eval style`` figures, KID on HED-VGG16
features against the anime images with the photos themselves and anime-vs-anime as the two ends
of the scale), samples.jpg (photo | pre-trained | trained | cel), loss.png and log.jsonl. The anime
images have no licence that allows shipping weights, so no weights are committed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import torch

import lab.release.cel as cr
from training.export.onnx import build_generator
from training.metrics.kid import kid, vgg_features
from training.plots import final_losses, plot_losses, read_log, to_uint8_rgb
from vidanime.engine.cpu import cpu_model
from vidanime.images.io import read_image
from vidanime.styles.registry import BUNDLED_DIR

SIDE = 512  # the long side the GAN recipes load photos at (their crops come from these)
LOG_EVERY = 10
FACES = "zeka-io__selfie-to-anime__"
PAPER = {
    "whitebox": {
        "name": "seed 001: FPT thesis lightweight UNet, White-box surface / texture / structure / content / tv, LSGAN, Adam 2e-4 (0.5, 0.99)",
        "arch": "lightweight",
        "pretraining": "L1 reconstruction",
        "scale": "batch 16 of 256 px, 2,000 reconstruction + 100,000 GAN steps",
    },
    "animeganv2": {
        "name": "seed 003: AnimeGANv2 generator and D, LSGAN 300, content 1.5, grey Gram 2.5, YUV colour 10, tv 1; G 2e-5 / D 4e-5",
        "arch": "animeganv2",
        "pretraining": "VGG content only",
        "scale": "batch 12 of 256 px, 10 content-only + 100 GAN epochs of 6,656 photos (~61,000 steps)",
    },
}


def anime_images(data: Path, which: str) -> list[Path]:
    files = sorted(p for p in (data / "anime").iterdir() if p.is_file() and p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    return files if which == "all" else [p for p in files if not p.name.startswith(FACES)]


def train(recipe: str, data: Path, split: Path, run: Path, anime: str, init_steps: int, minutes: float, batch: int, crop: int) -> None:
    run.mkdir(parents=True, exist_ok=True)
    photos, style = run / "photos.txt", run / "anime.txt"
    shutil.copyfile(split / "train.txt", photos)
    style.write_text("".join(f"{p.resolve()}\n" for p in anime_images(data, anime)))
    out = run / "run"
    base = [sys.executable, "-m", "vidanime", "train", recipe, "--photos", str(photos), "--style", str(style), "--out", str(out),
            "--batch-size", str(batch), "--crop", str(crop), "--set", f"init_steps={init_steps}", "--steps", "100000",
            "--checkpoint-every", "50", "--sample-every", "200", "--log-every", str(LOG_EVERY), "--no-export"]  # fmt: skip
    resume = lambda: ["--resume"] if (out / "checkpoints" / "last.pt").exists() else []  # noqa: E731
    if not (run / "init.pt").exists():
        subprocess.run([*base, *resume(), "--stop-at", str(init_steps)], check=True)
        shutil.copyfile(out / "checkpoints" / "generator.pt", run / "init.pt")
    subprocess.run([*base, *resume(), "--max-minutes", str(minutes)], check=True)


def renderer(recipe: str, checkpoint: Path) -> Callable[[np.ndarray], np.ndarray]:
    """The generator in torch as its recipe infers (White-box: with its guided output filter)."""
    g, spec = build_generator(PAPER[recipe]["arch"], checkpoint)

    def run(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        m = spec.size_multiple
        x = torch.from_numpy(img).permute(2, 0, 1)[None].float() / 127.5 - 1
        x = torch.nn.functional.pad(x, (0, -w % m, 0, -h % m), mode="reflect")
        with torch.no_grad():
            y = g(x)
        return to_uint8_rgb(y.clamp(-1, 1))[0, :h, :w]

    return run


def report(recipe: str, data: Path, split: Path, run: Path, docs: Path) -> dict[str, object]:
    docs.mkdir(parents=True, exist_ok=True)
    holdout = [Path(line) for line in (split / "holdout.txt").read_text().splitlines() if line.strip()]
    photos = [cr.fit(read_image(p)[0], SIDE) for p in holdout]
    anime_list = [Path(p) for p in (run / "anime.txt").read_text().split("\n") if p]
    anime_f = vgg_features(read_image(p)[0] for p in anime_list)
    config = json.loads((run / "run" / "config.json").read_text())
    hp = config["hyper"]
    rows = read_log(run / "run" / "log.jsonl")
    cel_fn = cr.stylizer(BUNDLED_DIR / "cel.onnx")
    models = {
        f"pre-trained only ({hp['init_steps']})": renderer(recipe, run / "init.pt"),
        f"trained (step {rows[-1]['step']})": renderer(recipe, run / "run" / "checkpoints" / "generator.pt"),
        "cel": lambda im: cel_fn(im[None])[0],
    }
    order = np.random.default_rng(0).permutation(len(anime_f))
    half = len(anime_f) // 2
    figures: dict[str, dict[str, object]] = {
        "anime vs anime (two halves)": {"kid": kid(anime_f[order[:half]], anime_f[order[half:]])},
        "photos (no model)": {"kid": kid(vgg_features(photos), anime_f)},
    }
    outputs: dict[str, list[np.ndarray]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, fn) in enumerate(models.items()):
            pairs = cr.render_set(holdout, Path(tmp) / str(i), fn, SIDE)
            outputs[name] = [read_image(o)[0] for _, o in pairs]
            style = cr.style_report(pairs)
            figures[name] = {"kid": kid(vgg_features(outputs[name]), anime_f), "style": {k: style[k] for k in ("medians", "targets")}}
    chosen = [i for i in (0, 9, 18, 27, 36, 45) if i < len(photos)]
    cr.grid([[(photos[i], "photo"), *((outputs[n][i], n) for n in models)] for i in chosen], docs / "samples.jpg", width=256)
    shutil.copyfile(run / "run" / "log.jsonl", docs / "log.jsonl")
    plot_losses(
        run / "run" / "log.jsonl",
        docs / "loss.png",
        f"{recipe}: {config['data']['n_photos']} photos / {config['data']['n_style']} anime images, {hp['crop']} px crops",
    )
    gan_rows = [r for r in rows if r["step"] > hp["init_steps"]]
    paper = PAPER[recipe]
    metrics = {
        "recipe": f"{recipe} ({paper['name']})",
        "cpu": f"{cpu_model()}, 2 cores",
        "precision": config.get("precision"),
        "batch_size": hp["batch_size"],
        "crop": hp["crop"],
        "pretraining": f"{paper['pretraining']}, {hp['init_steps']} steps",
        "gan_steps": int(rows[-1]["step"]) - hp["init_steps"],
        "paper_scale": paper["scale"],
        "train_seconds": round(sum(r.get("seconds_per_step", 0) * LOG_EVERY for r in rows)),
        "seconds_per_gan_step": round(float(np.median([r["seconds_per_step"] for r in gan_rows])), 2) if gan_rows else None,
        "vgg": config.get("vgg"),
        "data": {
            "photos": config["data"]["n_photos"],
            "photo_licences": f"{split}/data_manifest.tsv (Apache-2.0 / MIT / BSD / CC0 / CC-BY per file)",
            "anime": config["data"]["n_style"],
            "anime_licences": "../shared/data/MANIFEST.tsv: mostly unstated or non-commercial, so the weights are not committed",
        },
        "evaluation": f"{len(holdout)} held-out photos of the split at long side {SIDE} (the recipe's training scale)",
        "kid_note": "KID (unbiased MMD^2, cubic kernel, 20 subsets of up to 50) on HED-VGG16 conv5_3 pooled features at 224 px against the training anime images; not Inception: not comparable with published FID",
        "figures": {k: {**v, "kid": {"mean": v["kid"][0], "std": v["kid"][1]}} for k, v in figures.items()},  # type: ignore[index]
        "final_losses": final_losses(rows),
        "command": f"python -m lab.reproduce.photo_to_anime train {recipe} ../shared/data {split} {run} --anime {'all' if config['data']['n_style'] > 200 else 'scenes'} "
        f"--init-steps {hp['init_steps']} --batch-size {hp['batch_size']} --crop {hp['crop']} --max-minutes M (repeat to go on)",
    }
    (docs / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    t, r = sub.add_parser("train"), sub.add_parser("report")
    for p in (t, r):
        p.add_argument("recipe", choices=sorted(PAPER))
        p.add_argument("data", type=Path)
        p.add_argument("split", type=Path, help="a lab/release/cel_data.py folder (train.txt, holdout.txt)")
        p.add_argument("run", type=Path)
    t.add_argument("--anime", choices=("all", "scenes"), default="all")
    t.add_argument("--init-steps", type=int, default=400)
    t.add_argument("--max-minutes", type=float, default=45)
    t.add_argument("--batch-size", type=int, default=4)
    t.add_argument("--crop", type=int, default=128)
    r.add_argument("docs", type=Path)
    args = parser.parse_args()
    if args.cmd == "train":
        train(args.recipe, args.data, args.split, args.run, args.anime, args.init_steps, args.max_minutes, args.batch_size, args.crop)
    else:
        print(json.dumps(report(args.recipe, args.data, args.split, args.run, args.docs), indent=2))


if __name__ == "__main__":
    main()
