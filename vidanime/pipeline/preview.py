"""``vidanime preview``: a few frames spread over a clip (or the image), stylised with one style or
every installed one, in a before / after grid, to choose a style before a long run."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vidanime.errors import MediaError
from vidanime.images.io import is_image_path, read_image, write_image
from vidanime.model import ModelOptions, load_model
from vidanime.outputs import atomic_output
from vidanime.styles.registry import installed_styles, resolve_style
from vidanime.video.decode import VideoReader

TILE_WIDTH = 320


def sample_frames(source: Path, count: int) -> list[tuple[float, np.ndarray]]:
    """(time in s, RGB frame) for ``count`` frames at the middles of equal parts of the clip."""
    if is_image_path(source):
        return [(0.0, read_image(source)[0])]
    found: list[tuple[float, np.ndarray]] = []
    with VideoReader(source, keep_audio=False) as reader:
        tb, duration = reader.info.time_base, reader.info.duration_s
        if not duration:  # no duration: the first frames will do
            return [(float(f.pts * tb), f.image) for f, _ in zip(reader.frames(), range(count))]
        for i in range(count):
            target = round((i + 0.5) / count * duration / tb)
            frame = next((f for f in reader.frames(seek_to=target) if f.pts >= target), None)
            if frame is not None:
                found.append((float(frame.pts * tb), frame.image))
    if not found:
        raise MediaError(f"{source.name}: no decodable video frames")
    return found


def _tile(image: np.ndarray, label: str) -> np.ndarray:
    h = max(1, round(TILE_WIDTH * image.shape[0] / image.shape[1]))
    tile = cv2.resize(image, (TILE_WIDTH, h), interpolation=cv2.INTER_AREA)
    for colour, thickness in (((0, 0, 0), 3), ((255, 255, 255), 1)):
        cv2.putText(tile, label, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, thickness, cv2.LINE_AA)
    return tile


def preview(source: Path, style: str | None, count: int, out: Path, device: str = "auto", resolution: int | None = None) -> tuple[int, list[str]]:
    """Write the grid to ``out``: a row per sampled frame, the original then each style. Returns
    (rows, style names)."""
    names = sorted(installed_styles()) if style == "all" else [resolve_style(style).name if style and not style.endswith(".onnx") else (style or "")]
    frames = sample_frames(source, count)
    columns: list[list[np.ndarray]] = [[_tile(img, f"original {t:.1f} s") for t, img in frames]]
    labels = []
    for name in names:
        model = load_model(ModelOptions(style=name or None, device=device, resolution=resolution))
        stylizer = model.stylizer("image" if is_image_path(source) else "video")  # as convert will treat the frames
        columns.append([_tile(stylizer(img[None])[0], model.style.name) for _, img in frames])
        labels.append(model.style.name)
    rows = [np.hstack([np.pad(col[i], ((0, 4), (0, 4), (0, 0)), constant_values=255) for col in columns]) for i in range(len(frames))]
    width = max(r.shape[1] for r in rows)
    sheet = np.vstack([np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows])
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(out) as tmp:
        write_image(tmp, sheet)
    return len(rows), labels
