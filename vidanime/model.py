"""Loading a style's model, in one place: ``load_model(options)`` resolves the style, opens the
engine (``engine.session.open_session``, the one factory) with the contract the style stored and
the command line refined, checks the generator, and returns a ``Model``. ``model.stylizer(kind)``
is the one place that decides how pictures and video frames are treated (``--quality auto``
runs 720p+ video smaller, never pictures). Convert, preview, the web app and Ray workers all
load through here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from vidanime.engine.contract import ModelContract
from vidanime.engine.session import DEFAULT_BATCH, EngineSession, open_session
from vidanime.engine.stylizer import Stylizer
from vidanime.errors import UsageError
from vidanime.styles.inspect import check_generator
from vidanime.styles.registry import Style, resolve_style

MediaKind = Literal["image", "video"]

# --quality presets: the fraction of the short side the model works at; the result comes back to
# full size by guided upsampling. Measured by lab/measure/upsample.py (docs/performance/quality.md).
QUALITY_SCALE: dict[str, float] = {"best": 1.0, "balanced": 0.75, "fast": 0.5}
QUALITY = ("auto", *QUALITY_SCALE)
# auto: videos whose short side is at least AUTO_VIDEO_FROM run balanced (41-43 dB against full
# size on real 720p / 1080p clips, above the 40 dB the bf16 / int8 gates ask); pictures, smaller
# videos and styles whose look is a pattern fixed to the pixel grid (manga's screen) run best.
AUTO_VIDEO_FROM = 720
FULL_SIZE_ARCHS = frozenset({"manga"})


def processing_scale(quality: str, arch: str, kind: MediaKind) -> tuple[float, int]:
    """(fraction of the short side, from which short side) the model works at for ``--quality``
    on a ``kind`` of media through a model of ``arch``."""
    if quality != "auto":
        return QUALITY_SCALE[quality], 0
    if kind == "video" and arch not in FULL_SIZE_ARCHS:
        return QUALITY_SCALE["balanced"], AUTO_VIDEO_FROM
    return 1.0, 0


@dataclass(frozen=True)
class ModelOptions:
    """How to load a style and at which size to run it; what convert, preview, the web app and
    a Ray worker all hand to ``load_model``."""

    style: str | None = None  # a style name or an .onnx path; default: the bundled default
    device: str = "auto"  # auto (CUDA when usable), cpu, cuda
    backend: str = "auto"  # CPU engine: auto (OpenVINO when installed), onnxruntime, openvino
    precision: str = "auto"  # CPU engine precision: auto (fastest that passes its probe), fp32, bf16, int8
    threads: int | None = None  # CPU inference threads; default: the usable cores
    contract_overrides: dict[str, object] = field(default_factory=dict)  # --layout, --input-range, --bgr ...
    resolution: int | None = None  # processing short side; overrides ``quality``
    quality: str = "auto"  # a QUALITY preset
    keep_processing_size: bool = False  # with ``resolution``: return the smaller size

    def check(self) -> None:
        """Raise ``UsageError`` for a value no model could take, before anything is loaded."""
        for name, value in (("--resolution", self.resolution), ("--threads", self.threads)):
            if value is not None and value < 1:
                raise UsageError(f"{name} must be a positive number")
        if self.quality not in QUALITY:
            raise UsageError(f"--quality is one of {', '.join(QUALITY)}, not {self.quality!r}")

    def cache_key(self, style: Style) -> tuple[object, ...]:
        """What makes two loads the same model (the file's mtime: a replaced style reloads)."""
        return (str(style.path), style.path.stat().st_mtime_ns, self.device, self.backend, self.precision, self.threads,
                repr(sorted(self.contract_overrides.items())), self.resolution, self.quality, self.keep_processing_size)  # fmt: skip


@dataclass(frozen=True)
class Model:
    """A style's generator, loaded and checked, on one engine."""

    style: Style
    engine: EngineSession
    options: ModelOptions

    @property
    def contract(self) -> ModelContract:
        return self.engine.contract

    @property
    def device(self) -> str:
        """The device it runs on: "cpu" or "cuda"."""
        return self.engine.device

    @property
    def batch_size(self) -> int:
        """The default frames per inference call on this device."""
        return DEFAULT_BATCH[self.engine.device]

    def stylizer(self, kind: MediaKind) -> Stylizer:
        """Frames in, stylised frames out, for pictures or for video frames: the one place that
        decides how each is treated."""
        scale, scale_from = processing_scale(self.options.quality, self.contract.arch, kind)
        return Stylizer(self.engine.run, self.contract, self.options.resolution, self.options.keep_processing_size, scale=scale, scale_from=scale_from)

    def describe(self) -> str:
        """Where it runs, e.g. "cpu", "cuda", "cpu (openvino int8)"."""
        return self.engine.describe()

    @property
    def precision_note(self) -> str:
        """Why this precision (OpenVINO's probe against fp32); empty on ONNX Runtime."""
        return self.engine.precision_note


def load_model(options: ModelOptions) -> Model:
    """Resolve ``options.style``, open it on the engine the options choose, with the contract
    ``styles add`` stored refined by the command line's overrides, and check it is an image
    generator. Raises ``VidanimeError`` (``UsageError`` for bad options) with a one-line reason."""
    options.check()
    style = resolve_style(options.style)
    saved = style.sidecar.get("contract")
    refine = [saved, options.contract_overrides] if isinstance(saved, dict) else [options.contract_overrides]
    engine = open_session(style.path, options.device, options.threads, options.backend, options.precision, refine)
    check_generator(engine, engine.contract, style.path)  # every model, however it arrives
    return Model(style, engine, options)


class ModelCache:
    """Loaded models kept between calls by a long-lived caller (the web app)."""

    def __init__(self) -> None:
        self._models: dict[tuple[object, ...], Model] = {}

    def load(self, options: ModelOptions) -> Model:
        """``load_model(options)``, or the model an earlier call with the same options loaded."""
        key = options.cache_key(resolve_style(options.style))
        if key not in self._models:
            self._models[key] = load_model(options)
        return self._models[key]
