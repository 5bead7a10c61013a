"""The benchmark as a picture: latency per model (log scale) and the share of the machine's
GEMM peak each reaches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vidanime.errors import VidanimeError


def plot(result: dict[str, Any], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise VidanimeError("--plot needs matplotlib: pip install matplotlib (or vidanime[train])") from exc
    rows = result["models"]
    size = "256x256" if result["quick"] else "720x1280"
    names = [r["name"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 0.45 * len(rows) + 1.8), dpi=110, sharey=True)
    ys = range(len(rows))
    for offset, precision, color in ((-0.2, "fp32", "#4c72b0"), (0.2, "int8", "#dd8452"), (0.2, "fp16", "#55a868")):
        ms = [r["latency"].get(f"{precision}@{size}", {}).get("median_ms") for r in rows]
        pct = [r["peak_percent"].get(f"{precision}@{size}") for r in rows]
        if not any(ms):
            continue
        ax1.barh([y + offset for y, v in zip(ys, ms) if v], [v for v in ms if v], height=0.38, color=color, label=precision)
        ax2.barh([y + offset for y, v in zip(ys, pct) if v], [v for v in pct if v], height=0.38, color=color, label=precision)
    ax1.set_xscale("log")
    ax1.set_xlabel(f"latency per {size} frame (ms, median, log scale)")
    ax2.set_xlabel("achieved GFLOP/s as % of measured GEMM peak")
    ax1.set_yticks(list(ys), names)
    ax1.invert_yaxis()
    ax1.legend(fontsize=8)
    ax1.grid(True, axis="x", alpha=0.3)
    ax2.grid(True, axis="x", alpha=0.3)
    m = result["machine"]
    fig.suptitle(f"vidanime benchmark - {m['cpu']}, {m['cores']} cores, {result['device']}, ONNX Runtime {m['onnxruntime']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
