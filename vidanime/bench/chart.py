"""The benchmark as a picture: latency per model (log scale), the share of the machine's GEMM
peak each reaches, and, when the run converted a clip, end-to-end fps beside the model alone and
the anchors' loop."""

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
    e2e = result.get("end_to_end") or {}
    panels = 3 if e2e.get("runs") else 2
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 0.45 * len(rows) + 1.8), dpi=110, layout="constrained")
    ax1, ax2 = axes[0], axes[1]
    ax2.sharey(ax1)
    ys = range(len(rows))
    for offset, precision, color in ((-0.28, "fp32", "#4c72b0"), (0.0, "int8", "#dd8452"), (0.0, "fp16", "#55a868"), (0.28, "openvino", "#8172b3")):
        ms = [r["latency"].get(f"{precision}@{size}", {}).get("median_ms") for r in rows]
        pct = [r["peak_percent"].get(f"{precision}@{size}") for r in rows] if precision != "openvino" else []
        if not any(ms):
            continue
        label = {"openvino": "OpenVINO, the precision --precision auto picks", "int8": "int8 (OpenVINO when installed)"}.get(precision, precision)
        ax1.barh([y + offset for y, v in zip(ys, ms) if v], [v for v in ms if v], height=0.27, color=color, label=label)
        if precision == "openvino":  # say which precision each bar ran at (int8 where the style ships it)
            for y, r, v in zip(ys, rows, ms):
                if v:
                    ax1.text(v * 1.03, y + offset, str(r["latency"][f"openvino@{size}"].get("provider", "")).replace("openvino ", ""), va="center", fontsize=7)
        if any(pct):
            ax2.barh([y + offset for y, v in zip(ys, pct) if v], [v for v in pct if v], height=0.27, color=color, label=precision)
    ax1.set_xscale("log")
    ax1.set_xlabel(f"latency per {size} frame (ms, median, log scale)")
    ax2.set_xlabel("achieved GFLOP/s as % of measured GEMM peak")
    ax1.set_yticks(list(ys), names)
    ax1.invert_yaxis()
    ax1.legend(fontsize=8)
    ax1.grid(True, axis="x", alpha=0.3)
    ax2.grid(True, axis="x", alpha=0.3)
    if panels == 3:
        _end_to_end_panel(axes[2], e2e)
    m = result["machine"]
    openvino = f", OpenVINO {m['openvino']}" if m.get("openvino") else ""
    fig.suptitle(f"vidanime benchmark - {m['cpu']}, {m['cores']} cores, {result['device']}, ONNX Runtime {m['onnxruntime']}{openvino}", fontsize=10)
    fig.savefig(path)
    plt.close(fig)


def _end_to_end_panel(ax: Any, e2e: dict[str, Any]) -> None:
    """fps of each --quality and of the anchors' loop; the model alone as a line."""
    labels = [f"convert --quality {r['quality']}" for r in e2e["runs"]]
    fps = [r["fps"] for r in e2e["runs"]]
    colors = ["#4c72b0"] * len(fps)
    if e2e.get("baseline_anchors_loop"):
        labels.append("anchors' per-frame loop")
        fps.append(e2e["baseline_anchors_loop"]["fps"])
        colors.append("#c44e52")
    ax.barh(range(len(fps)), fps, color=colors, height=0.6)
    for y, v in enumerate(fps):
        ax.text(v, y, f" {v:.2f}", va="center", fontsize=8)
    ax.axvline(e2e["model_only"]["fps"], color="#333333", linestyle="--", linewidth=1, label=f"model alone ({e2e['model_only']['engine']})")
    ax.set_yticks(range(len(fps)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"end-to-end fps, {e2e['clip'][:40]} {e2e['size']} ({e2e['style']}, --temporal {e2e['temporal']})", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(True, axis="x", alpha=0.3)
