"""``vidanime eval style``: the style figures over a set of (photo, output) pairs, with medians,
faces kept, pass / fail against the targets, and a photo | output grid."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np

from vidanime.errors import VidanimeError
from vidanime.images.io import is_image_path, read_image
from vidanime.quality import faces
from vidanime.quality.style import StyleFigures, check_targets, medians, style_figures

FACE_TARGET = 0.80


@dataclass
class StyleReport:
    per_image: list[dict[str, Any]] = field(default_factory=list)
    figures: list[StyleFigures] = field(default_factory=list)
    faces_before: int = 0
    faces_kept: int = 0
    faces_available: bool = False
    style_distance: dict[str, Any] | None = None

    def summary(self) -> dict[str, Any]:
        med = medians(self.figures)
        targets = check_targets(med)
        out: dict[str, Any] = {"images": len(self.figures), "medians": med}
        if self.faces_available:
            share = self.faces_kept / self.faces_before if self.faces_before else None
            out["faces"] = {"in_photos": self.faces_before, "kept": self.faces_kept, "share": None if share is None else round(share, 3)}
            if share is not None:
                targets["faces_kept"] = {"value": round(share, 3), "target": f">= {FACE_TARGET:g}", "met": share >= FACE_TARGET}
        out["targets"] = targets
        if self.style_distance is not None:
            out["style_distance"] = self.style_distance
        out["per_image"] = self.per_image
        return out


def pair_files(photos: Path, outputs: Path) -> list[tuple[Path, Path]]:
    """Match outputs to photos: two files, or two folders by relative path (any image extension,
    and the ``NAME_STYLE.EXT`` names ``convert`` gives)."""
    if photos.is_file() and outputs.is_file():
        return [(photos, outputs)]
    if not (photos.is_dir() and outputs.is_dir()):
        raise VidanimeError("PHOTOS and OUTPUTS must both be images or both be folders")
    found: dict[tuple[Path, str], Path] = {}
    for out in sorted(p for p in outputs.rglob("*") if p.is_file() and is_image_path(p)):
        rel = out.relative_to(outputs)
        found[(rel.parent, rel.stem)] = out
    pairs = []
    for photo in sorted(p for p in photos.rglob("*") if p.is_file() and is_image_path(p)):
        rel = photo.relative_to(photos)
        match = found.get((rel.parent, rel.stem)) or next(
            (o for (parent, stem), o in found.items() if parent == rel.parent and stem.startswith(rel.stem + "_")), None
        )
        if match is not None:
            pairs.append((photo, match))
    if not pairs:
        raise VidanimeError(f"no output in {outputs} matches a photo in {photos} by name")
    return pairs


def evaluate_pairs(pairs: list[tuple[Path, Path]], on_item: Callable[[], None] = lambda: None) -> StyleReport:
    report = StyleReport(faces_available=faces.available())
    for photo_path, out_path in pairs:
        photo, output = read_image(photo_path)[0], read_image(out_path)[0]
        figs = style_figures(photo, output)
        row: dict[str, Any] = {"photo": str(photo_path), "output": str(out_path), **figs.as_dict()}
        if report.faces_available:
            before, kept = faces.faces_kept(photo, output)
            report.faces_before += before
            report.faces_kept += kept
            row["faces"] = [before, kept]
        report.figures.append(figs)
        report.per_image.append(row)
        on_item()
    return report


def _tile(image: np.ndarray, width: int) -> np.ndarray:
    return cv2.resize(image, (width, max(1, round(width * image.shape[0] / image.shape[1]))), interpolation=cv2.INTER_AREA)


def grid(pairs: list[tuple[Path, Path]], path: Path, rows: int = 8, width: int = 360) -> None:
    """photo | output, one pair a row, for looking at."""
    from vidanime.images.io import write_image

    lines = []
    for photo_path, out_path in pairs[:rows]:
        photo = read_image(photo_path)[0]
        output = cv2.resize(read_image(out_path)[0], (photo.shape[1], photo.shape[0]), interpolation=cv2.INTER_AREA)
        left, right = _tile(photo, width), _tile(output, width)
        lines.append(np.hstack([left, np.full((left.shape[0], 4, 3), 255, np.uint8), right]))
    sheet = np.vstack([np.pad(line, ((0, 4), (0, 0), (0, 0)), constant_values=255) for line in lines])
    write_image(path, sheet)
