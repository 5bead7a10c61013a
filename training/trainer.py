"""The training loop every recipe shares: devices, AMP, data parallelism, exact resume,
logging (JSONL + loss-curve PNG), sample grids, Rich progress, and the final ONNX export.

Run directory::

    RUN/config.json           recipe, hyper-parameters, data, VGG provenance
    RUN/checkpoints/last.pt   models, optimisers, scaler, step, RNG states (exact resume)
    RUN/log.jsonl             one line per logged step: mean weighted losses, seconds per step
    RUN/loss.png              the loss curve
    RUN/samples/step_N.png    photo | output (| target) grids on a fixed batch
    RUN/generator.onnx        the final generator, exported with parity check
"""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from training.data.prefetch import BatchSource, Prefetcher
from training.distributed import DistInfo, barrier, init_distributed, shutdown, wrap
from training.plots import plot_losses, save_grid
from training.precision import resolve_precision
from training.recipes.base import Amp, Hyper, Recipe
from vidanime.errors import UsageError, VidanimeError

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    recipe: str
    out: Path
    hyper: Hyper
    device: str = "auto"
    seed: int = 0
    precision: str = "auto"  # training.precision: auto, fp32, bf16, fp16
    channels_last: bool = False  # NHWC tensors and weights (faster convolutions on some CPUs / GPUs)
    prefetch: bool = True  # make the next batch on a worker thread while this step runs
    resume: bool = False
    log_every: int = 20
    sample_every: int = 500
    checkpoint_every: int = 250
    max_minutes: float | None = None  # stop (with a checkpoint) after this long
    stop_at: int | None = None  # stop (with a checkpoint) at this step; resume later
    export: bool = True
    style_name: str | None = None
    vgg_path: Path | None = None
    data_note: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainResult:
    step: int
    finished: bool
    seconds: float
    onnx: Path | None = None
    last_losses: dict[str, float] = field(default_factory=dict)


def check_run_dir(out: Path, resume: bool) -> None:
    """Refuse to start a new run over one already in ``out`` unless resuming (called before the
    data is prepared too, so the refusal does not wait for the teacher's renders)."""
    if (out / "checkpoints" / "last.pt").is_file() and not resume:
        raise UsageError(f"{out} already holds a run: pass --resume to continue it, or choose another --out")


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise VidanimeError("--device cuda: this torch build sees no CUDA GPU")
    return torch.device(name)


def rng_state() -> dict[str, Any]:
    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class Trainer:
    def __init__(self, config: TrainConfig, recipe_cls: type[Recipe], source: BatchSource, progress: Callable[[int, int, dict[str, float]], None] | None = None) -> None:
        self.config = config
        self.device = pick_device(config.device)
        self.dist: DistInfo = init_distributed(self.device.type)
        if self.device.type == "cuda" and self.dist.enabled:
            self.device = torch.device("cuda", self.dist.local_rank)
        torch.manual_seed(config.seed + self.dist.rank)
        self.recipe = recipe_cls(config.hyper, self.device, config.vgg_path)
        self.raw_source = source
        self.source: BatchSource = Prefetcher(source) if config.prefetch else source
        self.progress = progress
        layout = torch.channels_last if config.channels_last else torch.contiguous_format
        self.raw_models = {k: m.to(self.device, memory_format=layout) for k, m in self.recipe.build_models().items()}
        self.recipe.setup_frozen()
        self.models = {k: wrap(m, self.dist, self.device) for k, m in self.raw_models.items()}
        self.opts = self.recipe.optimizers(self.models)
        self.precision = resolve_precision(config.precision, self.device)
        self.amp = Amp(self.device, self.precision)
        self.step = 0
        self.ckpt_dir = config.out / "checkpoints"
        self.log_path = config.out / "log.jsonl"
        self._stop = False

    # --- checkpoints ------------------------------------------------------------------------------
    def checkpoint_state(self) -> dict[str, Any]:
        spec_kwargs = dict(self.config.hyper.generator_kwargs)
        return {
            "step": self.step,
            "recipe": self.recipe.name,
            "arch": self.recipe.generator_arch,
            "arch_kwargs": spec_kwargs,
            "hyper": asdict(self.config.hyper),
            "models": {k: m.state_dict() for k, m in self.raw_models.items()},
            "optimizers": {k: o.state_dict() for k, o in self.opts.items()},
            "scaler": self.amp.scaler.state_dict(),
            "rng": rng_state(),
            "recipe_state": self.recipe.extra_state(),
        }

    def save_checkpoint(self) -> Path:
        self.ckpt_dir.mkdir(parents=True, exist_ok=True)
        path = self.ckpt_dir / "last.pt"
        tmp = path.with_suffix(".tmp")
        state = self.checkpoint_state()
        torch.save(state, tmp)
        os.replace(tmp, path)
        # the generator alone, loadable with weights_only=True (export-onnx, sharing)
        light = {k: state[k] for k in ("step", "recipe", "arch", "arch_kwargs")}
        light["models"] = {"generator": state["models"]["generator"]}
        torch.save(light, tmp)
        os.replace(tmp, self.ckpt_dir / "generator.pt")
        return path

    def load_checkpoint(self, path: Path) -> None:
        state = torch.load(str(path), map_location=self.device, weights_only=False)
        if state.get("recipe") != self.recipe.name:
            raise UsageError(f"{path} is a {state.get('recipe')} run, not {self.recipe.name}")
        for k, m in self.raw_models.items():
            m.load_state_dict(state["models"][k])
        for k, o in self.opts.items():
            o.load_state_dict(state["optimizers"][k])
        self.amp.scaler.load_state_dict(state["scaler"])
        set_rng_state(state["rng"])
        self.recipe.load_extra_state(state.get("recipe_state", {}))
        self.step = int(state["step"])

    def _to_device(self, tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.to(self.device, non_blocking=True)
        if self.config.channels_last and tensor.dim() == 4:
            return tensor.contiguous(memory_format=torch.channels_last)
        return tensor

    # --- the loop ---------------------------------------------------------------------------------
    def prepare_run_dir(self) -> None:
        out = self.config.out
        last = self.ckpt_dir / "last.pt"
        check_run_dir(out, self.config.resume)
        if last.is_file():
            self.load_checkpoint(last)
        elif self.config.resume and self.dist.is_main:
            log.warning("--resume: no checkpoint in %s, starting from step 0", out)
        if self.dist.is_main:
            out.mkdir(parents=True, exist_ok=True)
            config = {
                "recipe": self.recipe.name,
                "hyper": asdict(self.config.hyper),
                "seed": self.config.seed,
                "device": str(self.device),
                "precision": self.precision,
                "channels_last": self.config.channels_last,
                "world_size": self.dist.world_size,
                "vgg": self.recipe.vgg_provenance,
                "data": self.config.data_note,
                "torch": torch.__version__,
            }
            (out / "config.json").write_text(json.dumps(config, indent=2, default=str))

    def _install_signal(self) -> None:
        def handler(signum: int, frame: Any) -> None:
            self._stop = True

        try:
            signal.signal(signal.SIGINT, handler)
            signal.signal(signal.SIGTERM, handler)
        except ValueError:  # not the main thread (tests)
            pass

    def run(self) -> TrainResult:
        self.prepare_run_dir()
        self._install_signal()
        hp = self.config.hyper
        start = time.perf_counter()
        sums: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)  # per key: some terms are not computed every step
        count, interval_start = 0, time.perf_counter()
        fixed = self.raw_source.batch(10**9, 0)  # the sample grid always shows the same crops (not via the prefetcher: it would make 10**9 + 1)
        last: dict[str, float] = {}
        for m in self.models.values():
            m.train()
        if self.step >= hp.init_steps:
            self.recipe.restore_lr(self.opts)
        while self.step < hp.steps and not self._stop:
            if self.step == hp.init_steps and hp.init_steps > 0:
                self.recipe.restore_lr(self.opts)
            batch = {k: self._to_device(v) for k, v in self.source.batch(self.step, self.dist.rank).items()}
            losses = self.recipe.step(self.step, batch, self.models, self.opts, self.amp)
            self.step += 1
            for k, v in losses.items():
                sums[k] += v
                counts[k] += 1
            count += 1
            last = losses
            if self.progress is not None and self.dist.is_main:
                self.progress(self.step, hp.steps, losses)
            if self.dist.is_main and (self.step % self.config.log_every == 0 or self.step == hp.steps):
                row = {"step": self.step, "time": round(time.perf_counter() - start, 2)}
                row.update({k: v / counts[k] for k, v in sums.items()})
                row["seconds_per_step"] = (time.perf_counter() - interval_start) / count
                with open(self.log_path, "a") as fh:
                    fh.write(json.dumps(row) + "\n")
                sums.clear()
                counts.clear()
                count, interval_start = 0, time.perf_counter()
            if self.dist.is_main and self.step % self.config.sample_every == 0:
                self.write_pictures(fixed)
            if self.step % self.config.checkpoint_every == 0:
                if self.dist.is_main:
                    self.save_checkpoint()
                barrier(self.dist)
            if self.config.stop_at is not None and self.step >= self.config.stop_at:
                break
            if self.config.max_minutes and (time.perf_counter() - start) > 60 * self.config.max_minutes:
                log.info("time budget reached at step %d", self.step)
                break
        if isinstance(self.source, Prefetcher):
            self.source.close()
        finished = self.step >= hp.steps
        onnx_path = None
        if self.dist.is_main:
            self.save_checkpoint()
            self.write_pictures(fixed)
            if finished and self.config.export and self.recipe.image_to_image:
                onnx_path = self.export(self.ckpt_dir / "generator.pt")
        barrier(self.dist)
        shutdown(self.dist)
        return TrainResult(self.step, finished, time.perf_counter() - start, onnx_path, last)

    def write_pictures(self, fixed: dict[str, torch.Tensor]) -> None:
        gen = self.raw_models["generator"]
        gen.eval()
        batch = {k: v[:4].to(self.device) for k, v in fixed.items()}
        columns = self.recipe.sample_columns(batch, {**self.raw_models})
        gen.train()
        ranges = {"generated": self.recipe.output_range(), "student": self.recipe.output_range()}
        save_grid(columns, self.config.out / "samples" / f"step_{self.step:06d}.png", ranges)
        plot_losses(self.log_path, self.config.out / "loss.png", f"{self.recipe.name} ({self.config.out.name})")

    def export(self, checkpoint: Path) -> Path:
        from training.export.onnx import export_generator

        out = self.config.out / "generator.onnx"
        export_generator(
            self.recipe.generator_arch,
            out,
            checkpoint=checkpoint,
            style_name=self.config.style_name,
            overwrite=True,
            extra_metadata={"recipe": self.recipe.name, "steps": str(self.step)},
        )
        return out
