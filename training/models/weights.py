"""Load generator weights from what users have: our training checkpoints or plain state dicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

from vidanime.errors import VidanimeError

# Keys under which a training checkpoint may keep the generator's state dict.
_GENERATOR_KEYS = ("generator_ema", "generator", "G", "netG", "state_dict", "model")


def _strip_prefix(state: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    if all(k.startswith(prefix) for k in state):
        return {k[len(prefix) :]: v for k, v in state.items()}
    return dict(state)


def extract_state_dict(obj: Any) -> dict[str, torch.Tensor]:
    """A state dict from a checkpoint dict, a bare state dict, or a DDP-wrapped one."""
    if isinstance(obj, nn.Module):
        return obj.state_dict()
    if not isinstance(obj, Mapping):
        raise VidanimeError(f"checkpoint holds a {type(obj).__name__}, not a state dict")
    if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return _strip_prefix(_strip_prefix(obj, "module."), "_orig_mod.")
    models = obj.get("models")
    if isinstance(models, Mapping) and "generator" in models:
        return extract_state_dict(models["generator"])
    for key in _GENERATOR_KEYS:
        if key in obj and isinstance(obj[key], Mapping):
            return extract_state_dict(obj[key])
    raise VidanimeError(f"no generator weights found in checkpoint (keys: {', '.join(map(str, list(obj)[:8]))})")


def read_checkpoint(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(generator state dict, what the checkpoint says about it: ``arch``, ``arch_kwargs``)."""
    if not path.is_file():
        raise VidanimeError(f"checkpoint not found: {path}")
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for bad files
        raise VidanimeError(f"cannot read checkpoint {path.name}: {str(exc).splitlines()[0]}") from exc
    info = {k: obj[k] for k in ("arch", "arch_kwargs", "recipe", "step") if isinstance(obj, Mapping) and k in obj}
    return extract_state_dict(obj), info


def load_generator_weights(model: nn.Module, path: Path, state: Mapping[str, torch.Tensor] | None = None) -> None:
    """Load ``path`` (or its already read ``state``) into ``model``; a mismatch names the keys."""
    if state is None:
        state, _ = read_checkpoint(path)
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shape mismatches
        first = next((line.strip() for line in str(exc).splitlines() if "size mismatch" in line), str(exc).splitlines()[0])
        raise VidanimeError(f"{path.name} does not fit this architecture: {first}") from exc
    if result.missing_keys or result.unexpected_keys:
        raise VidanimeError(
            f"{path.name} does not fit this architecture: "
            f"missing {result.missing_keys[:3]}, unexpected {result.unexpected_keys[:3]}"
        )
