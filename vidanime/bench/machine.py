"""What machine a benchmark ran on, so its figures can be labelled and compared."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from vidanime.engine.session import usable_cores


def cpu_model() -> str:
    info = Path("/proc/cpuinfo")
    if info.is_file():
        for line in info.read_text(errors="ignore").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    info = Path("/proc/cpuinfo")
    if not info.is_file():
        return []
    for line in info.read_text(errors="ignore").splitlines():
        if line.startswith("flags"):
            wanted = ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "f16c")
            return [f for f in line.split(":", 1)[1].split() if f in wanted]
    return []


def memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def describe() -> dict[str, object]:
    import onnxruntime as ort

    return {
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "cores": usable_cores(),
        "memory_gib": memory_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "onnxruntime": ort.__version__,
        "providers": ort.get_available_providers(),
    }

