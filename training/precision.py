"""Which arithmetic a training run uses: ``--precision auto|fp32|bf16|fp16``.

auto picks what the hardware has: fp16 autocast with loss scaling on CUDA (AMP), bf16 autocast on
CPUs with bf16 matrix units (AMX, AVX512-BF16; no loss scaling needed, bf16 keeps fp32's range),
fp32 elsewhere - on an AVX2-only CPU bf16 is emulated and slower than fp32."""

from __future__ import annotations

import torch

from vidanime.engine.cpu import cpu_has_bf16
from vidanime.errors import UsageError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def resolve_precision(requested: str, device: torch.device) -> str:
    """The precision a run will use on ``device``; a clear error for one it cannot."""
    if requested not in PRECISIONS:
        raise UsageError(f"--precision takes {', '.join(PRECISIONS)}, not {requested!r}")
    if requested == "auto":
        if device.type == "cuda":
            return "fp16"
        return "bf16" if cpu_has_bf16() else "fp32"
    if requested == "fp16" and device.type != "cuda":
        raise UsageError("--precision fp16 needs a CUDA GPU (on a CPU use bf16 or fp32)")
    return requested


def autocast_dtype(precision: str) -> torch.dtype | None:
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
