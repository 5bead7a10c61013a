"""vidanime: turn videos and photos into anime / cartoon style with GAN generators.

The Python API (docs/api.md)::

    import vidanime
    vidanime.convert("clip.mp4", "clip_cel.mp4", style="cel", quality="fast")
    frame_out = vidanime.Stylizer("cel").stylize(frame)  # uint8 RGB (H, W, 3) or (N, H, W, 3)
    [s.name for s in vidanime.list_styles()]

Its names are imported on first use, so ``import vidanime`` stays fast (no NumPy, ONNX Runtime or
PyAV until needed). The runtime needs only PyAV, NumPy, ONNX Runtime, OpenCV, Typer and Rich; the
PyTorch training kit lives in the separate ``training`` package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vidanime.errors import UsageError, VidanimeError

if TYPE_CHECKING:
    from vidanime.api import ConvertOutcome, Progress, StyleInfo, Stylizer, convert, list_styles

__version__ = "0.1.0"
__all__ = ["ConvertOutcome", "Progress", "StyleInfo", "Stylizer", "UsageError", "VidanimeError", "convert", "list_styles"]
_API = ("ConvertOutcome", "Progress", "StyleInfo", "Stylizer", "convert", "list_styles")


def __getattr__(name: str) -> Any:
    """The API's names, imported from ``vidanime.api`` when first asked for."""
    if name in _API:
        from vidanime import api

        return getattr(api, name)
    raise AttributeError(f"module 'vidanime' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
