"""What the CPU can do, from the kernel's flags: which speed paths (bf16 matrix units, int8 dot
products) a run may take. One reader for the runtime, the benchmark and the trainer."""

from __future__ import annotations

import platform
from functools import lru_cache
from pathlib import Path

BF16_FLAGS = ("amx_bf16", "avx512_bf16")
# Shown beside every benchmark figure: the vector and matrix units that decide its speed.
REPORTED_FLAGS = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")


@lru_cache(maxsize=1)
def _cpuinfo() -> list[str]:
    info = Path("/proc/cpuinfo")
    return info.read_text(errors="ignore").splitlines() if info.is_file() else []


def all_cpu_flags() -> set[str]:
    line = next((x for x in _cpuinfo() if x.startswith("flags")), "")
    return set(line.split(":", 1)[1].split()) if line else set()


def cpu_model() -> str:
    line = next((x for x in _cpuinfo() if x.startswith("model name")), "")
    return line.split(":", 1)[1].strip() if line else (platform.processor() or platform.machine())


def cpu_has_bf16() -> bool:
    """bf16 matrix units (Intel AMX, AVX512-BF16); OpenVINO's and PyTorch's own checks agree."""
    return bool(all_cpu_flags() & set(BF16_FLAGS))
