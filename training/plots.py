"""Pictures of a training run: sample grids (PNG) and the loss curve (PNG)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import torch


def to_uint8_rgb(x: torch.Tensor, value_range: tuple[float, float] = (-1.0, 1.0)) -> np.ndarray:
    """(N, 3, H, W) in ``value_range`` -> (N, H, W, 3) uint8."""
    lo, hi = value_range
    arr = ((x.detach().float().cpu() - lo) / (hi - lo)).clamp(0, 1).permute(0, 2, 3, 1).numpy()
    return np.rint(arr * 255).astype(np.uint8)


def save_grid(columns: dict[str, torch.Tensor], path: Path, ranges: dict[str, tuple[float, float]] | None = None) -> None:
    """One row per example, one labelled column per entry of ``columns``."""
    ranges = ranges or {}
    cols = {name: to_uint8_rgb(t, ranges.get(name, (-1.0, 1.0))) for name, t in columns.items()}
    n = min(len(c) for c in cols.values())
    h, w = next(iter(cols.values())).shape[1:3]
    header = np.full((22, w * len(cols), 3), 255, np.uint8)
    for i, name in enumerate(cols):
        cv2.putText(header, name, (i * w + 6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    rows = [np.hstack([c[r] for c in cols.values()]) for r in range(n)]
    grid = np.vstack([header, *rows])
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))


def read_log(path: Path) -> list[dict[str, float]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wall_minutes(rows: list[dict[str, float]]) -> float:
    """Training wall time of a run's log in minutes, resumed runs included: ``time`` restarts at
    each resume, so the last row before every restart (and the last row) is summed."""
    return round(sum(r["time"] for r, nxt in zip(rows, rows[1:] + [None]) if nxt is None or nxt["time"] < r["time"]) / 60, 1)


def final_losses(rows: list[dict[str, float]]) -> dict[str, float]:
    """The last logged losses of a run (bookkeeping columns left out), rounded for a model card."""
    return {k: round(v, 4) for k, v in rows[-1].items() if k not in ("step", "time", "seconds_per_step")}


def plot_losses(log_path: Path, out: Path, title: str = "") -> None:
    """Every logged loss against the step, log scale where all values are positive."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_log(log_path)
    if not rows:
        return
    keys = sorted({k for r in rows for k in r} - {"step", "time", "lr", "seconds_per_step"})
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for key in keys:
        pts = [(r["step"], r[key]) for r in rows if key in r]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label=key, linewidth=1.2)
    values = [r[k] for r in rows for k in keys if k in r]
    if values and min(values) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (weighted)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
