"""A registry that maps architecture names to builders and to the contract of what they build.

Every entry carries what the runtime and the benchmark need to know without building the model:
value range, layout, channel order, output activation, size multiple, source paper and the
published parameter count (docs/training/architectures.md compares ours).
The family modules register themselves; ``training.models`` imports them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from torch import nn

from training.registry import Registry
from vidanime.engine.contract import DEFAULT_CONTEXT


@dataclass(frozen=True)
class ArchSpec:
    name: str
    builder: Callable[..., nn.Module]
    family: str
    role: str  # "generator" (image to image), "noise_generator" (z to image) or "discriminator"
    paper: str
    published_params: int | None = None
    published_note: str = ""
    counted_params: int | None = None  # counted from the reference layer lists (prior art)
    input_range: tuple[float, float] = (-1.0, 1.0)
    output_range: tuple[float, float] = (-1.0, 1.0)
    layout: str = "NCHW"
    channel_order: str = "RGB"
    output_activation: str = "tanh"
    size_multiple: int = 4
    train_resolution: int = 256
    context: int = DEFAULT_CONTEXT  # px each side an output pixel depends on in practice (windows of large pictures carry it)
    defaults: dict[str, object] = field(default_factory=dict)

    def build(self, **overrides: object) -> nn.Module:
        return self.builder(**{**self.defaults, **overrides})


ARCHS: Registry[ArchSpec] = Registry("architecture")
register = ARCHS.register
get_arch = ARCHS.get


def generator_names() -> list[str]:
    return [n for n, s in ARCHS.items() if s.role == "generator"]


def all_archs() -> dict[str, ArchSpec]:
    return dict(ARCHS.items())
