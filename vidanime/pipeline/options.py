"""A conversion's options as a user gives them (the CLI's flags, the Python API's keywords, the
web form's fields), checked in one place and turned into a ``ConvertRequest``. Unknown names are
a ``TypeError`` listing the valid ones; a value of the wrong kind or a wrong combination is the
``UsageError`` the CLI prints; everything else ``convert`` validates before loading a model."""

from __future__ import annotations

import numbers
import types
import typing
from dataclasses import dataclass, fields
from os import PathLike
from pathlib import Path
from typing import Collection, Union

from vidanime.engine.contract import parse_range
from vidanime.errors import UsageError, VidanimeError
from vidanime.model import ModelOptions
from vidanime.pipeline.convert import ConvertRequest
from vidanime.pipeline.frames import parse_time
from vidanime.video.decode import is_stream_input
from vidanime.video.encode import DEFAULT_PRESET, EncodeSettings


@dataclass(frozen=True)
class ConvertOptions:
    """Every option of ``vidanime convert`` under its Python name (``--no-audio`` is
    ``keep_audio=False``, ``--format`` is ``container_format``); the defaults are the CLI's."""

    device: str = "auto"  # auto (CUDA when usable), cpu, cuda
    backend: str = "auto"  # CPU engine: auto (OpenVINO when installed), onnxruntime, openvino
    precision: str = "auto"  # CPU precision: auto, fp32, bf16, int8
    threads: int | None = None  # CPU inference threads; default: the usable cores
    batch_size: int | None = None  # frames per inference call; default: per device
    resolution: int | None = None  # stylise at this short side; overrides quality
    quality: str = "auto"  # auto, best, balanced, fast
    keep_processing_size: bool = False  # with resolution: write the smaller size
    layout: str | None = None  # the model's layout when its graph does not say: NCHW or NHWC
    input_range: str | None = None  # e.g. "-1,1"
    output_range: str | None = None
    bgr: bool = False  # the model takes and returns BGR
    codec: str = "auto"
    crf: int = 18
    preset: str = DEFAULT_PRESET
    temporal: str = "flow"  # flow, ema or off
    temporal_strength: float = 0.9
    keep_audio: bool = True
    overwrite: bool = False
    strict: bool = False  # fail on any undecodable frame
    start: float | str | None = None  # seconds, or "[HH:]MM:SS[.mmm]"
    end: float | str | None = None
    duration: float | str | None = None  # instead of end
    fps: float | None = None
    strength: float = 1.0  # 0..1, blended with the original
    compare: str | None = None  # horizontal or vertical
    faces: str = "keep"  # keep, or draw: faces drawn the anime way (pictures only)
    container_format: str | None = None  # e.g. matroska, for output "-"
    resume: bool = False
    segment_seconds: float = 10.0
    ray: str | None = None  # "local", "auto" or "ray://host:port"
    ray_workers: int | None = None

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for name in OPTION_NAMES:
            check_kind(name, getattr(self, name), hints[name])

    def contract_overrides(self) -> dict[str, object]:
        return contract_overrides(self.layout, self.input_range, self.output_range, self.bgr)

    def model_options(self, style: str | None) -> ModelOptions:
        """Which model to load and at which size to run it."""
        return ModelOptions(style, self.device, self.backend, self.precision, self.threads, self.contract_overrides(),
                            self.resolution, self.quality, self.keep_processing_size)  # fmt: skip

    def request(self, source: str | PathLike[str], output: str | PathLike[str] | None, style: str | None) -> ConvertRequest:
        begin = seconds(self.start)
        if self.end is not None and self.duration is not None:
            raise UsageError("give --end or --duration, not both")
        stop = seconds(self.end) if self.end is not None else ((begin or 0.0) + seconds(self.duration) if self.duration is not None else None)  # type: ignore[operator]
        return ConvertRequest(
            source=str(source) if is_stream_input(source) else Path(source), output=None if output is None else Path(output), style=style,
            device=self.device, backend=self.backend, precision=self.precision, threads=self.threads, batch_size=self.batch_size,
            resolution=self.resolution, quality=self.quality, keep_processing_size=self.keep_processing_size,
            contract_overrides=self.contract_overrides(), encode=EncodeSettings(codec=self.codec, crf=self.crf, preset=self.preset),
            temporal=self.temporal, temporal_strength=self.temporal_strength, keep_audio=self.keep_audio, overwrite=self.overwrite,
            strict=self.strict, start=begin, end=stop, fps=self.fps, strength=self.strength, compare=self.compare, faces=self.faces,
            container_format=self.container_format, resume=self.resume, segment_seconds=self.segment_seconds, ray=self.ray, ray_workers=self.ray_workers,
        )  # fmt: skip


OPTION_NAMES = tuple(f.name for f in fields(ConvertOptions))
# The options that say which model to load and how to run it: what a Stylizer takes.
MODEL_OPTION_NAMES = ("device", "backend", "precision", "threads", "resolution", "quality", "keep_processing_size", "layout", "input_range", "output_range", "bgr")


def checked_options(given: dict[str, object], allowed: Collection[str] = OPTION_NAMES) -> ConvertOptions:
    """``ConvertOptions(**given)``; a name outside ``allowed`` is a ``TypeError`` that lists them."""
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise TypeError(f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; valid options: {', '.join(sorted(allowed))}")
    return ConvertOptions(**given)  # type: ignore[arg-type]


def convert_request(source: str | PathLike[str], output: str | PathLike[str] | None = None, style: str | None = None, **options: object) -> ConvertRequest:
    """The request for converting ``source`` (a file, a folder, ``-``, a URL) to ``output``: what the
    CLI, the Python API and the web app all build their conversions with."""
    return checked_options(options).request(source, output, style)


def contract_overrides(layout: str | None, input_range: str | None, output_range: str | None, bgr: bool) -> dict[str, object]:
    """``--layout``, ``--input-range``, ``--output-range``, ``--bgr``: checked; only the ones given."""
    found: dict[str, object] = {}
    if layout is not None:
        if layout.upper() not in ("NCHW", "NHWC"):
            raise UsageError("--layout takes NCHW or NHWC")
        found["layout"] = layout.upper()
    for key, value in (("input_range", input_range), ("output_range", output_range)):
        if value is not None:
            try:
                found[key] = parse_range(value)
            except VidanimeError as exc:
                raise UsageError(str(exc)) from exc
    if bgr:
        found["channel_order"] = "BGR"
    return found


def seconds(value: float | str | None) -> float | None:
    """A time as a number of seconds or as text (``90.5``, ``01:30``)."""
    if value is None or isinstance(value, numbers.Real):
        if value is not None and value < 0:
            raise UsageError(f"bad time {value!r}: times are not negative")
        return None if value is None else float(value)
    return parse_time(value)


_KIND_NAMES = {str: "text", bool: "True or False", int: "a whole number", float: "a number", type(None): "None"}


def check_kind(name: str, value: object, hint: object) -> None:
    """A ``UsageError`` unless ``value`` fits the annotation ``hint`` (ints pass for floats, bools
    never for numbers)."""
    kinds = typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else (hint,)
    for kind in kinds:
        if kind is type(None) and value is None or kind in (str, bool) and isinstance(value, kind):
            return
        if kind in (int, float) and not isinstance(value, bool) and isinstance(value, numbers.Integral if kind is int else numbers.Real):
            return
    raise UsageError(f"{name} takes {' or '.join(_KIND_NAMES[k] for k in kinds)}, not {value!r}")
