"""What machine a benchmark ran on, so its figures can be labelled and compared."""

from __future__ import annotations

import os
import platform

from vidanime.engine import cpu
from vidanime.engine.session import usable_cores


def cpu_flags() -> list[str]:
    flags = cpu.all_cpu_flags()  # through the module: the one reader tests fake
    return [f for f in cpu.REPORTED_FLAGS if f in flags]


def memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def _openvino_version() -> str | None:
    try:
        import openvino
    except ImportError:
        return None
    return str(openvino.__version__).split("-")[0]


def describe() -> dict[str, object]:
    import onnxruntime as ort

    return {
        "cpu": cpu.cpu_model(),
        "cpu_flags": cpu_flags(),
        "cores": usable_cores(),
        "memory_gib": memory_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "onnxruntime": ort.__version__,
        "providers": ort.get_available_providers(),
        "openvino": _openvino_version(),
    }

