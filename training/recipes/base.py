"""What every recipe provides to the trainer, and the parts GAN recipes share."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from training.models.registry import get_arch
from training.precision import autocast_dtype
from vidanime.errors import UsageError


@dataclass
class Hyper:
    """Hyper-parameters every recipe has; recipes subclass with their published values."""

    batch_size: int = 4
    crop: int = 256
    steps: int = 10_000
    init_steps: int = 0  # content-only pre-training steps (generator initialisation)
    init_lr: float = 2e-4
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    gan: str = "lsgan"
    vgg: str = "vgg19:conv4_4"
    generator_kwargs: dict[str, Any] = field(default_factory=dict)


def apply_overrides(hp: Hyper, pairs: list[str]) -> Hyper:
    """``["lr_g=1e-4", "generator_kwargs.width=16"]`` -> a new Hyper; unknown keys are errors."""
    changes: dict[str, Any] = {}
    kwargs = dict(hp.generator_kwargs)
    names = {f.name: f for f in dataclasses.fields(hp)}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"--set takes KEY=VALUE, got {pair!r}")
        key, raw = pair.split("=", 1)
        if key.startswith("generator_kwargs."):
            kwargs[key.split(".", 1)[1]] = _parse(raw)
            continue
        if key not in names:
            raise UsageError(f"unknown hyper-parameter {key!r}; known: {', '.join(sorted(names))}")
        current = getattr(hp, key)
        value = _parse(raw)
        changes[key] = type(current)(value) if isinstance(current, (int, float)) and not isinstance(current, bool) else value
    changes["generator_kwargs"] = kwargs
    return dataclasses.replace(hp, **changes)


def _parse(raw: str) -> Any:
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(raw.lower(), raw)


class Recipe:
    """A training method: which networks, which losses, how one step updates them."""

    name: ClassVar[str]
    summary: ClassVar[str]
    generator_arch: ClassVar[str]
    hyper_cls: ClassVar[type[Hyper]] = Hyper
    uses_vgg: ClassVar[bool] = True
    image_to_image: ClassVar[bool] = True

    def __init__(self, hp: Hyper, device: torch.device, vgg_path: Path | None = None) -> None:
        self.hp = hp
        self.device = device
        self.vgg_path = vgg_path
        self.vgg: nn.Module | None = None
        self.vgg_provenance = "not used"

    # --- data -----------------------------------------------------------------------------------
    def make_source(self, photos: list[Path], styles: list[Path] | None, seed: int, cache_dir: Path) -> Any:
        """The batch source; GAN recipes sample photos and style images independently."""
        from training.data.batches import UnpairedSource, load_images

        if styles is None:
            raise UsageError(f"{self.name} needs --style DIR (images of the target style)")
        return UnpairedSource(load_images(photos, 512), load_images(styles, 512), self.hp.crop, self.hp.batch_size, seed)

    # --- networks -----------------------------------------------------------------------------
    def build_models(self) -> dict[str, nn.Module]:
        """Trainable networks by name; ``generator`` is the one exported."""
        raise NotImplementedError

    def build_generator(self) -> nn.Module:
        return get_arch(self.generator_arch).build(**self.hp.generator_kwargs)

    def setup_frozen(self) -> None:
        """Frozen helpers (VGG); called once after the models are on the device."""
        if self.uses_vgg:
            from training.vgg.weights import load_vgg

            arch, layer = self.hp.vgg.split(":")
            vgg, source = load_vgg(arch, layer, self.vgg_path)
            self.vgg = vgg.to(self.device)
            self.vgg_provenance = f"{source.arch} {source.layer}: {source.provenance}"

    def optimizers(self, models: dict[str, nn.Module]) -> dict[str, torch.optim.Optimizer]:
        betas = (self.hp.beta1, self.hp.beta2)
        opts = {"generator": torch.optim.Adam(models["generator"].parameters(), lr=self.hp.lr_g, betas=betas)}
        for name, model in models.items():
            if name != "generator":
                lr = self.hp.lr_g if name.startswith("generator") else self.hp.lr_d
                opts[name] = torch.optim.Adam(model.parameters(), lr=lr, betas=betas)
        return opts

    # --- a step ---------------------------------------------------------------------------------
    def step(self, step: int, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: "Amp") -> dict[str, float]:
        if step < self.hp.init_steps:
            return self.init_step(batch, models, opts, amp)
        return self.train_step(step, batch, models, opts, amp)

    def init_step(self, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: "Amp") -> dict[str, float]:
        """Content-only generator initialisation (AnimeGAN, CartoonGAN, White-box)."""
        from training.losses.content import perceptual_l1

        g, opt = models["generator"], opts["generator"]
        for group in opt.param_groups:
            group["lr"] = self.hp.init_lr
        with amp.autocast():
            fake = g(batch["photo"])
            loss = perceptual_l1(self.vgg, fake, batch["photo"]) if self.vgg is not None else (fake - batch["photo"]).abs().mean()
        amp.backward_step(loss, opt)
        return {"init_content": loss.item()}

    def train_step(self, step: int, batch: dict[str, torch.Tensor], models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: "Amp") -> dict[str, float]:
        raise NotImplementedError

    def restore_lr(self, opts: dict[str, torch.optim.Optimizer]) -> None:
        for name, opt in opts.items():
            lr = self.hp.lr_g if name.startswith("generator") else self.hp.lr_d
            for group in opt.param_groups:
                group["lr"] = lr

    # --- what the trainer shows -----------------------------------------------------------------
    def sample_columns(self, batch: dict[str, torch.Tensor], models: dict[str, nn.Module]) -> dict[str, torch.Tensor]:
        """Image columns for the sample grid (all [-1, 1] NCHW)."""
        with torch.no_grad():
            return {"photo": batch["photo"], "generated": models["generator"](batch["photo"]).clamp(-1, 1)}

    def extra_state(self) -> dict[str, Any]:
        """Recipe state beyond models / optimisers (e.g. CycleGAN's image pools)."""
        return {}

    def load_extra_state(self, state: dict[str, Any]) -> None:
        pass

    def output_range(self) -> tuple[float, float]:
        return get_arch(self.generator_arch).output_range


class Amp:
    """Mixed precision: fp16 autocast + loss scaling (CUDA), bf16 autocast (CPU or CUDA; its
    range is fp32's, so no scaling), or nothing (fp32). ``precision`` is already resolved
    (``training.precision.resolve_precision``)."""

    def __init__(self, device: torch.device, precision: str = "fp32") -> None:
        self.precision = precision
        self.dtype = autocast_dtype(precision)
        self.device = device
        self.scaler = torch.amp.GradScaler("cuda", enabled=precision == "fp16" and device.type == "cuda")

    @property
    def enabled(self) -> bool:
        return self.dtype is not None

    def autocast(self) -> Any:
        return torch.autocast(device_type=self.device.type, dtype=self.dtype or torch.float32, enabled=self.dtype is not None)

    def backward_step(self, loss: torch.Tensor, *opts: torch.optim.Optimizer) -> None:
        """Zero, backpropagate, step every optimiser in ``opts``, then update the loss scale."""
        for opt in opts:
            opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        for opt in opts:
            self.scaler.step(opt)
        self.scaler.update()


def weighted(terms: dict[str, tuple[float, torch.Tensor]]) -> tuple[torch.Tensor, dict[str, float]]:
    """Sum of weight * term, and each weighted term as a float for the log."""
    total = sum(w * t for w, t in terms.values())
    return total, {k: float(w * t.detach()) for k, (w, t) in terms.items()}  # type: ignore[return-value]


def discriminator_step(loss_fn: Any, models: dict[str, nn.Module], opts: dict[str, torch.optim.Optimizer], amp: Amp, name: str = "discriminator") -> float:
    """One discriminator update, the same for every GAN recipe: D trainable, ``loss_fn(d)`` built
    from the (possibly DDP-wrapped) D under autocast, stepped, D frozen again for the G step."""
    d = models[name]
    set_requires_grad(d, True)
    with amp.autocast():
        loss = loss_fn(d)
    amp.backward_step(loss, opts[name])
    set_requires_grad(d, False)
    return float(loss.detach())


def set_requires_grad(model: nn.Module, flag: bool) -> None:
    for p in model.parameters():
        p.requires_grad_(flag)
