"""Seed 002 reproduced: DCGAN on the 400 anime faces of ../shared/data/anime, measured.

    python -m lab.reproduce.dcgan train ../shared/data runs/dcgan --steps 1500 --every 250
    python -m lab.reproduce.dcgan report ../shared/data runs/dcgan docs/reproduce/dcgan

``train`` lists the faces, then runs ``vidanime train dcgan`` in chunks of ``--every`` steps
(``--stop-at`` / ``--resume``: the same run as one straight one, since batches are a function of
the step) and keeps the generator of every chunk, so the report can show KID along the way.
It can be stopped and started again: it resumes from the last chunk it finished.
``report`` writes metrics.json (KID on HED-VGG16 features for the untrained generator, every
snapshot and real-vs-real), samples.png (64 faces from fixed noise), interpolation.png (walks in
latent space), loss.png and log.jsonl. The faces have no stated licence (selfie2anime), so the
weights stay out of the repository; the command above rebuilds them.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from training.metrics.kid import kid, vgg_features
from training.models.registry import get_arch
from training.plots import plot_losses, read_log, to_uint8_rgb
from training.recipes.dcgan import dcgan_init
from vidanime.engine.cpu import cpu_model

FACES = "zeka-io__selfie-to-anime__"
NZ = 100
LOG_EVERY = 10
KID_SIDE = 128  # 64 px faces up to 128 for VGG (8 x 8 conv5_3 map); 224 costs 3x and adds nothing


def face_list(data: Path, run: Path) -> Path:
    rows = [r for r in csv.DictReader(open(data / "MANIFEST.tsv", encoding="utf-8"), delimiter="\t") if r["file"].startswith(f"anime/{FACES}")]
    run.mkdir(parents=True, exist_ok=True)
    listing = run / "faces.txt"
    listing.write_text("".join(f"{(data / r['file']).resolve()}\n" for r in rows))
    (run / "faces_licence.txt").write_text(f"{len(rows)} images from {rows[0]['repo']}: {rows[0]['license']}\n")
    return listing


def train(data: Path, run: Path, steps: int, every: int, batch: int, extra_layer: bool) -> None:
    listing = face_list(data, run)
    snaps = run / "snapshots"
    snaps.mkdir(exist_ok=True)
    out = run / "run"
    base = [sys.executable, "-m", "vidanime", "train", "dcgan", "--photos", str(listing), "--style", str(listing), "--out", str(out),
            "--steps", str(steps), "--batch-size", str(batch), "--log-every", str(LOG_EVERY), "--sample-every", str(every),
            "--checkpoint-every", str(every), "--no-export", "-q", "--set", f"generator_kwargs.extra_layer={extra_layer}"]  # fmt: skip
    done = max((int(p.stem.split("_")[1]) for p in snaps.glob("step_*.pt")), default=0)
    for stop in range(done + every, steps + 1, every):
        started = time.time()
        resume = ["--resume"] if (out / "checkpoints" / "last.pt").exists() else []
        subprocess.run([*base, *resume, "--stop-at", str(stop)], check=True)
        shutil.copy(out / "checkpoints" / "generator.pt", snaps / f"step_{stop:05d}.pt")
        print(f"step {stop}: {time.time() - started:.0f} s", flush=True)


def features(images: np.ndarray) -> np.ndarray:
    return vgg_features(images, batch=50, side=KID_SIDE)


def generator(state: dict | None, kwargs: dict | None = None) -> torch.nn.Module:  # type: ignore[type-arg]
    g = get_arch("dcgan").build(**(state["arch_kwargs"] if state is not None else kwargs or {}))
    if state is None:
        torch.manual_seed(0)
        g.apply(dcgan_init)
    else:
        g.load_state_dict(state["models"]["generator"])
    return g.eval()


def generate(g: torch.nn.Module, z: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return np.concatenate([to_uint8_rgb(g(chunk)) for chunk in z.split(100)])


def tile(images: np.ndarray, columns: int, gap: int = 2) -> np.ndarray:
    n, h, w, _ = images.shape
    rows = (n + columns - 1) // columns
    sheet = np.full((rows * (h + gap) + gap, columns * (w + gap) + gap, 3), 255, np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, columns)
        sheet[gap + r * (h + gap) : gap + r * (h + gap) + h, gap + c * (w + gap) : gap + c * (w + gap) + w] = im
    return sheet


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation: Gaussian latents live near a sphere, a straight line cuts inside it."""
    omega = torch.arccos((a / a.norm() * b / b.norm()).sum().clamp(-1, 1))
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def save(path: Path, rgb: np.ndarray) -> None:
    """At the model's own 64 px: the real faces are never written (their licence is unknown)."""
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])


def report(data: Path, run: Path, docs: Path) -> dict[str, object]:
    docs.mkdir(parents=True, exist_ok=True)
    paths = [Path(p) for p in (run / "faces.txt").read_text().split()]
    real = np.stack([cv2.cvtColor(cv2.resize(cv2.imread(str(p)), (64, 64), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB) for p in paths])
    real_f = features(real)  # at 64 px, as the generator sees them
    rng = np.random.default_rng(0)
    order = rng.permutation(len(real_f))
    half = len(real_f) // 2
    z = torch.from_numpy(np.random.default_rng(1).standard_normal((len(real_f), NZ)).astype(np.float32))
    figures: dict[str, object] = {"real_vs_real (two halves of the 400)": kid(real_f[order[:half]], real_f[order[half:]])}
    config = json.loads((run / "run" / "config.json").read_text())
    figures["random init"] = kid(features(generate(generator(None, config["hyper"]["generator_kwargs"]), z)), real_f)
    snaps = sorted((run / "snapshots").glob("step_*.pt"))
    curve = []
    for snap in snaps:
        state = torch.load(snap, map_location="cpu", weights_only=True)
        value = kid(features(generate(generator(state), z)), real_f)
        curve.append({"step": int(state["step"]), "kid": value[0], "kid_std": value[1]})
    best = min(curve, key=lambda c: c["kid"])  # GAN training oscillates: the last snapshot is not always the best
    final = generator(torch.load(run / "snapshots" / f"step_{best['step']:05d}.pt", map_location="cpu", weights_only=True))
    figures[f"trained, last (step {curve[-1]['step']})"] = (curve[-1]["kid"], curve[-1]["kid_std"])
    figures[f"trained, best snapshot (step {best['step']}; samples drawn from it)"] = (best["kid"], best["kid_std"])
    fixed = torch.from_numpy(np.random.default_rng(2).standard_normal((64, NZ)).astype(np.float32))
    save(docs / "samples.png", tile(generate(final, fixed), 8))
    ends = torch.from_numpy(np.random.default_rng(3).standard_normal((12, NZ)).astype(np.float32))
    walks = torch.stack([slerp(ends[2 * i], ends[2 * i + 1], t) for i in range(6) for t in np.linspace(0, 1, 10)])
    save(docs / "interpolation.png", tile(generate(final, walks), 10))
    log = run / "run" / "log.jsonl"
    shutil.copy(log, docs / "log.jsonl")
    plot_losses(log, docs / "loss.png", "DCGAN on 400 anime faces, 64x64")
    rows = read_log(log)
    metrics = {
        "recipe": "dcgan (seed 002: DCGAN with the extra layer, BCE, Adam 2e-4 beta1 0.5, N(0, 0.02) init)",
        "cpu": f"{cpu_model()}, 2 cores",
        "precision": config.get("precision"),
        "steps": rows[-1]["step"],
        "batch_size": config["hyper"]["batch_size"],
        "images_seen": rows[-1]["step"] * config["hyper"]["batch_size"],
        "epochs": round(rows[-1]["step"] * config["hyper"]["batch_size"] / len(paths), 1),
        "train_seconds": round(sum(r.get("seconds_per_step", 0) * LOG_EVERY for r in rows)),
        "data": {"images": len(paths), "source": (run / "faces_licence.txt").read_text().strip(), "augmentation": "horizontal flip"},
        "kid_note": "KID (unbiased MMD^2, cubic kernel, 20 subsets of 50) on HED-VGG16 conv5_3 pooled features of the 64 px images at 128 px, 400 generated vs the 400 real; not Inception, not comparable with published FID / KID",
        "kid": {k: {"mean": v[0], "std": v[1]} for k, v in figures.items()},  # type: ignore[index]
        "kid_by_step": curve,
        "architecture": "seed 002's extra layer" if config["hyper"]["generator_kwargs"].get("extra_layer", True) else "plain DCGAN (Radford et al.) dimensions",
        "command": f"python -m lab.reproduce.dcgan train ../shared/data runs/dcgan --steps {rows[-1]['step']} --every {curve[0]['step']} --batch-size {config['hyper']['batch_size']}"
        + (" --extra-layer" if config["hyper"]["generator_kwargs"].get("extra_layer", True) else ""),
    }
    (docs / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("data", type=Path)
    t.add_argument("run", type=Path)
    t.add_argument("--steps", type=int, default=1500)
    t.add_argument("--every", type=int, default=250)
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--extra-layer", action="store_true", help="seed 002's extra 3-channel layer (needs far more steps: see docs/reproduce/index.md)")
    r = sub.add_parser("report")
    r.add_argument("data", type=Path)
    r.add_argument("run", type=Path)
    r.add_argument("docs", type=Path)
    args = parser.parse_args()
    if args.cmd == "train":
        train(args.data, args.run, args.steps, args.every, args.batch_size, args.extra_layer)
    else:
        print(json.dumps(report(args.data, args.run, args.docs), indent=2))


if __name__ == "__main__":
    main()
