"""The Python API: what a notebook, a batch script or an app calls instead of the CLI. Three
things, on the same calls the CLI and the web app make:

- ``convert(src, dst, style, progress=..., **options)``: a video, a picture or a folder of both;
  the options are ``vidanime convert``'s (``pipeline.options.ConvertOptions``).
- ``Stylizer(style, kind=..., faces=...).stylize(frames)``: NumPy frames in, stylised frames out,
  with the model loaded once.
- ``list_styles()``: the installed styles with a short licence tag.

Errors a user can act on are ``VidanimeError`` (``UsageError`` for a bad value), with the one-line
message the CLI prints; an unknown option name is a ``TypeError`` listing the valid ones."""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Callable, Literal

import numpy as np

from vidanime.model import Model, load_model
from vidanime.pipeline.convert import ConvertOutcome
from vidanime.pipeline.convert import convert as run_convert
from vidanime.pipeline.frames import face_drawing, with_faces
from vidanime.pipeline.jobs import Progress, no_progress, reporting
from vidanime.pipeline.options import MODEL_OPTION_NAMES, checked_options
from vidanime.styles.licences import licence_tag
from vidanime.styles.registry import DEFAULT_STYLE, installed_styles, pinned_name

__all__ = ["ConvertOutcome", "Progress", "StyleInfo", "Stylizer", "convert", "list_styles"]


def convert(
    src: str | PathLike[str],
    dst: str | PathLike[str] | None = None,
    style: str = DEFAULT_STYLE,
    *,
    progress: Callable[[Progress], None] | None = None,
    **options: object,
) -> ConvertOutcome:
    """Stylise ``src`` (a video, a picture, a folder of them, ``"-"`` or a stream URL) into ``dst``
    (default: ``NAME_STYLE.EXT`` beside it; a folder for a folder) with ``style`` (an installed
    style's name or an ``.onnx`` path).

    ``options`` are the CLI's, by their Python names: ``quality="fast"``, ``resolution=480``,
    ``temporal="ema"``, ``strength=0.7``, ``start=5, duration=10``, ``overwrite=True``,
    ``keep_audio=False``, ``device="cpu"`` ... (``vidanime.pipeline.options.ConvertOptions``).
    ``progress`` is called with a ``Progress`` when each input starts and after every batch of
    frames; raising from it stops the conversion, and no partial output is kept.

    Returns a ``ConvertOutcome``: ``outputs`` (the files written), ``results`` (one per input:
    frames, seconds, notes, error), ``style``, ``device``. Raises ``VidanimeError`` for a bad
    request or a file that cannot be converted; in a folder, a bad file is reported in
    ``outcome.failed`` and the others go on."""
    request = checked_options(options).request(src, dst, style)
    return run_convert(request, no_progress if progress is None else reporting(progress))


class Stylizer:
    """One style's model, loaded once, for NumPy frames: ``Stylizer("cel").stylize(frame)``.

    ``kind="image"`` treats frames as pictures (always at full size); ``kind="video"`` as video
    frames (``quality="auto"`` runs 720p and larger at 3/4 size, brought back by guided
    upsampling). Frames are stylised one by one: no flicker removal across them (``convert``
    does that for videos). ``faces="draw"`` (pictures only) draws each face found the anime way on
    the stylised picture, as ``convert``'s ``faces="draw"``. ``options`` are the model's among
    ``convert``'s: ``device``,
    ``backend``, ``precision``, ``threads``, ``resolution``, ``quality``, ``keep_processing_size``,
    ``layout``, ``input_range``, ``output_range``, ``bgr``."""

    def __init__(self, style: str = DEFAULT_STYLE, *, kind: Literal["image", "video"] = "image", faces: str = "keep", **options: object) -> None:
        if kind not in ("image", "video"):
            raise ValueError(f"kind is 'image' or 'video', not {kind!r}")
        face_drawing(faces, video=kind == "video")  # a bad value, or faces on video frames, before the model loads
        self.model: Model = load_model(checked_options(options, MODEL_OPTION_NAMES).model_options(style))
        self._stylise = with_faces(self.model.stylizer(kind), faces)

    @property
    def style(self) -> str:
        """The style's name."""
        return self.model.style.name

    @property
    def device(self) -> str:
        """Where it runs, e.g. ``cpu (openvino fp32)`` or ``cuda``."""
        return self.model.describe()

    def stylize(self, frames: np.ndarray) -> np.ndarray:
        """One uint8 RGB frame ``(H, W, 3)`` or a batch ``(N, H, W, 3)`` -> the stylised frame(s),
        the same shape (unless ``keep_processing_size``) and dtype. A batch goes through the model
        a few frames at a time (the device's batch size), so memory stays bounded."""
        frames = np.asarray(frames)
        if frames.dtype != np.uint8 or frames.ndim not in (3, 4) or frames.shape[-1] != 3:
            raise ValueError(f"expected uint8 RGB frames shaped (H, W, 3) or (N, H, W, 3), got {frames.dtype} {frames.shape}")
        if frames.ndim == 3:
            return self._stylise(frames[None])[0]
        step = max(1, self.model.batch_size)
        parts = [self._stylise(frames[i : i + step]) for i in range(0, len(frames), step)]
        return np.concatenate(parts) if parts else frames.copy()


@dataclass(frozen=True)
class StyleInfo:
    """An installed style."""

    name: str
    """What ``style=`` takes."""
    source: str
    """Either ``"bundled"`` or ``"user"``."""
    licence: str
    """A short tag: MIT, CC-BY-4.0, non-commercial, unknown ..."""
    licence_text: str
    """The full note kept with the style (empty when none)."""
    path: Path
    """Its .onnx file."""
    default: bool
    """The style used when none is named."""
    pinned: str = ""
    """Its version's own name, also taken by ``style=`` (``cel-v2`` for ``cel`` v2): it keeps
    meaning this version when the plain name moves on to the next one ("" when unversioned)."""


def list_styles() -> list[StyleInfo]:
    """The installed styles, the default first, then by name; a user style shadows a bundled one
    of the same name."""
    found = installed_styles()
    order = sorted(found, key=lambda name: (name != DEFAULT_STYLE, name))
    return [StyleInfo(n, found[n].source, licence_tag(found[n].sidecar.get("license")), str(found[n].sidecar.get("license") or ""), found[n].path, n == DEFAULT_STYLE,
                      pinned_name(found[n]) or "") for n in order]  # fmt: skip
