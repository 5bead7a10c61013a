"""The style distance ``vidanime eval style --reference`` and the release tools report: KID between
stylised images and a folder of anime images, on the kit's offline VGG16 features."""

from __future__ import annotations

from pathlib import Path

from training.metrics.kid import kid, vgg_features
from vidanime.errors import VidanimeError
from vidanime.images.io import is_image_path, read_image

FEATURES = "HED VGG16 conv5_3, pooled (not Inception: not comparable to published FID/KID)"


def style_distance(outputs: list[Path], reference: Path) -> dict[str, object]:
    """KID (mean, spread) of ``outputs`` against the images under ``reference`` (at least two)."""
    refs = sorted(p for p in reference.rglob("*") if p.is_file() and is_image_path(p))
    if len(refs) < 2:
        raise VidanimeError(f"--reference {reference}: needs at least two images")
    a = vgg_features(read_image(p)[0] for p in outputs)
    b = vgg_features(read_image(p)[0] for p in refs)
    mean, std = kid(a, b)
    return {"kid": round(mean, 6), "kid_std": round(std, 6), "features": FEATURES, "reference_images": len(refs)}
