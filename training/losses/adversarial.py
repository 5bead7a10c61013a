"""GAN objectives: vanilla (BCE on logits), LSGAN and hinge, for discriminator and generator."""

from __future__ import annotations

import torch
import torch.nn.functional as F

KINDS = ("vanilla", "lsgan", "hinge")


def real_term(logits: torch.Tensor, kind: str) -> torch.Tensor:
    """Discriminator loss for inputs that should be judged real."""
    if kind == "vanilla":
        return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    if kind == "lsgan":
        return ((logits - 1) ** 2).mean()
    if kind == "hinge":
        return F.relu(1 - logits).mean()
    raise ValueError(f"unknown GAN loss {kind!r}; choose {KINDS}")


def fake_term(logits: torch.Tensor, kind: str) -> torch.Tensor:
    """Discriminator loss for inputs that should be judged fake."""
    if kind == "vanilla":
        return F.binary_cross_entropy_with_logits(logits, torch.zeros_like(logits))
    if kind == "lsgan":
        return (logits**2).mean()
    if kind == "hinge":
        return F.relu(1 + logits).mean()
    raise ValueError(f"unknown GAN loss {kind!r}; choose {KINDS}")


def generator_term(logits: torch.Tensor, kind: str) -> torch.Tensor:
    """Generator loss: make D call its output real."""
    if kind == "hinge":
        return -logits.mean()
    return real_term(logits, kind)


def discriminator_loss(kind: str, real: list[tuple[torch.Tensor, float]], fake: list[tuple[torch.Tensor, float]]) -> torch.Tensor:
    """Weighted sum over (logits, weight) pairs, e.g. AnimeGAN's real / fake / grey / smoothed terms."""
    total = sum(w * real_term(x, kind) for x, w in real) + sum(w * fake_term(x, kind) for x, w in fake)
    return total  # type: ignore[return-value]
