"""Read and write still images as uint8 RGB (EXIF orientation applied, alpha kept aside)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vidanime.errors import MediaError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".jp2", ".pbm", ".pgm", ".ppm"}


# PNG, TIFF (both byte orders), JPEG 2000, BMP (v4/v5 may carry alpha); WebP is RIFF....WEBP
_ALPHA_SIGNATURES = (b"\x89PNG", b"II*\x00", b"MM\x00*", b"\x00\x00\x00\x0cjP", b"BM")


def is_image_path(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def _to_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return (image.astype(np.uint32) * 255 // 65535).astype(np.uint8)
    return np.clip(image * 255.0, 0, 255).astype(np.uint8)  # float images in [0, 1]


def read_image(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (RGB uint8 image, alpha uint8 or None). Bytes decide the format, not the name."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise MediaError(f"{path.name}: cannot read ({exc.strerror})") from exc
    # IMREAD_COLOR applies the EXIF orientation and expands grey; UNCHANGED keeps alpha.
    color = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if color is None:
        raise MediaError(f"{path.name}: not a readable image")
    alpha = None
    if bytes(data[:12]).startswith(_ALPHA_SIGNATURES) or bytes(data[8:12]) == b"WEBP":  # decode twice only if alpha can exist
        full = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
        if full is not None and full.ndim == 3 and full.shape[2] == 4 and full.shape[:2] == color.shape[:2]:
            alpha = _to_uint8(full[:, :, 3])
        del full
    color = _to_uint8(color)
    return cv2.cvtColor(color, cv2.COLOR_BGR2RGB, dst=color), alpha  # in place: a 100 MP photo is 300 MB


def write_image(path: Path, rgb: np.ndarray, alpha: np.ndarray | None = None) -> None:
    """Encode by ``path``'s extension; alpha is written where the format holds it."""
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    suffix = path.suffix.lower()
    if alpha is not None and suffix in {".png", ".webp", ".tif", ".tiff"}:
        bgr = np.dstack([bgr, alpha])
    params: list[int] = []
    if suffix in {".jpg", ".jpeg"}:
        params = [cv2.IMWRITE_JPEG_QUALITY, 95]
    ok, buf = cv2.imencode(suffix if suffix in IMAGE_SUFFIXES else ".png", bgr, params)
    if not ok:
        raise MediaError(f"cannot encode {path.name}")
    buf.tofile(str(path))
