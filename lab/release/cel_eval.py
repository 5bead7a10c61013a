"""Measure the cel student against its teacher on the held-out photos, and draw the
before / teacher / student grid for samples/ and the README.

    python -m lab.release.cel_eval runs/cel/holdout.txt vidanime/styles/bundled/cel.onnx samples/cel_grid.jpg
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from training.teacher.cel import cel_shade
from vidanime.engine.session import open_session
from vidanime.engine.stylizer import Stylizer
from vidanime.images.io import read_image


def fit(img: np.ndarray, side: int) -> np.ndarray:
    s = side / max(img.shape[:2])
    return cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else img


def label(tile: np.ndarray, text: str) -> np.ndarray:
    out = tile.copy()
    cv2.putText(out, text, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(out, text, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def main(holdout: Path, model: Path, grid_path: Path | None, max_side: int = 512, grid_rows: int = 4) -> dict[str, object]:
    paths = [Path(line.strip()) for line in holdout.read_text().splitlines() if line.strip()]
    engine = open_session(model, "cpu")
    student = Stylizer(engine.run, engine.contract)
    rows, scores = [], []
    for path in paths:
        photo = fit(read_image(path)[0], max_side)
        teacher = cel_shade(photo)
        out = student(photo[None])[0]
        psnr = peak_signal_noise_ratio(teacher, out, data_range=255)
        ssim = structural_similarity(teacher, out, channel_axis=2, data_range=255)
        scores.append({"file": path.name, "psnr": round(float(psnr), 2), "ssim": round(float(ssim), 4)})
        if len(rows) < grid_rows:
            tile = lambda im: cv2.resize(im, (320, round(320 * im.shape[0] / im.shape[1])), interpolation=cv2.INTER_AREA)  # noqa: E731
            rows.append(np.hstack([label(tile(photo), "photo"), label(tile(teacher), "teacher"), label(tile(out), "cel (student)")]))
    summary = {
        "held_out": len(scores),
        "psnr_mean": round(float(np.mean([s["psnr"] for s in scores])), 2),
        "ssim_mean": round(float(np.mean([s["ssim"] for s in scores])), 4),
        "per_image": scores,
    }
    if grid_path is not None:
        width = max(r.shape[1] for r in rows)
        grid = np.vstack([np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows])
        cv2.imwrite(str(grid_path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
    return summary


if __name__ == "__main__":
    result = main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
    print(json.dumps(result, indent=2))
