"""Everything ``vidanime doctor`` reports, gathered once: the machine, the CPU's speed units and
the precision each style would run at, why CUDA is (not) used, the encoders PyAV offers, the
styles and the user folder. Read-only: it opens sessions the way ``convert`` does and keeps none."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from vidanime import __version__
from vidanime.bench.machine import describe
from vidanime.diagnostics import cuda
from vidanime.engine import cpu, session
from vidanime.styles.licences import licence_tag
from vidanime.styles.registry import installed_styles, shadowed_styles, user_styles_dir
from vidanime.video.encode import CODECS

INT8_FLAGS = ("amx_int8", "avx512_vnni", "avx_vnni")  # int8 dot-product units: int8 graphs gain most there


@dataclass
class CpuUnits:
    """The CPU units that decide the CPU engine's precision (flags from engine.cpu's one reader)."""

    bf16: list[str]  # bf16 matrix units: OpenVINO may run bf16, and int8 graphs' float parts in bf16
    int8: list[str]  # int8 dot-product units: int8 graphs run fastest


@dataclass
class StyleEngines:
    """One style as this machine would run it."""

    name: str
    source: str
    path: str
    licence: str
    cpu_backend: str = ""  # onnxruntime / openvino, as --backend auto picks on the CPU
    cpu_precision: str = ""  # fp32 / bf16 / int8 / int8+bf16
    cpu_why: str = ""  # the probe behind the choice
    cuda_model: str = ""  # the file CUDA would load (NAME.fp16.onnx when one ships)
    error: str | None = None  # why the style could not be opened


@dataclass
class CodecEncoders:
    vidanime_uses: str  # the encoder --codec NAME asks for
    available: bool
    encoders: list[str]  # every encoder PyAV's FFmpeg has for the codec


@dataclass
class Report:
    vidanime: str
    machine: dict[str, Any]
    cpu_units: CpuUnits
    cuda: cuda.CudaFacts
    styles: list[StyleEngines]
    codecs: dict[str, CodecEncoders]
    ffmpeg: str
    user_folder: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def cpu_units() -> CpuUnits:
    flags = cpu.all_cpu_flags()
    return CpuUnits(bf16=[f for f in cpu.BF16_FLAGS if f in flags], int8=[f for f in INT8_FLAGS if f in flags])


def style_engines(name: str, style: Any) -> StyleEngines:
    """Open ``style`` on the CPU exactly as ``convert --backend auto --precision auto`` would."""
    from vidanime.engine import openvino_backend

    found = StyleEngines(name, style.source, str(style.path), licence_tag(style.sidecar.get("license")))
    found.cuda_model = session.pick_model_file(style.path, "cuda").name
    try:
        engine = session.open_session(style.path, "cpu", None, "auto", "auto")
    except Exception as exc:  # noqa: BLE001 - a broken style is a finding, not a crash
        found.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return found
    found.cpu_backend, found.cpu_precision = engine.backend, engine.precision
    if engine.backend == "openvino":
        found.cpu_why = engine.precision_note
    else:
        found.cpu_why = "OpenVINO cannot run this graph" if openvino_backend.available() else "OpenVINO not installed"
    return found


def codec_encoders() -> dict[str, CodecEncoders]:
    """For each ``--codec``: the encoder vidanime uses and every encoder FFmpeg offers for it."""
    import av

    by_codec: dict[str, list[str]] = {name: [] for name in CODECS}
    for name in av.codecs_available:
        try:
            codec = av.Codec(name, "w")
        except Exception:  # noqa: BLE001 - a decoder only
            continue
        if codec.type == "video" and codec.name == name and codec.canonical_name in by_codec:  # not aliases
            by_codec[codec.canonical_name].append(name)
    return {
        name: CodecEncoders(encoder, encoder in by_codec[name], sorted(by_codec[name]))
        for name, (encoder, _) in CODECS.items()
    }


def gather() -> Report:
    import av

    styles = installed_styles()
    hidden = shadowed_styles()
    folder = user_styles_dir()
    return Report(
        vidanime=__version__,
        machine=describe(),
        cpu_units=cpu_units(),
        cuda=cuda.gather(),
        styles=[style_engines(name, style) for name, style in sorted(styles.items())],
        codecs=codec_encoders(),
        ffmpeg=str(getattr(av, "ffmpeg_version_info", "?")),
        user_folder={
            "path": str(folder),
            "exists": folder.is_dir(),
            "styles": sorted(n for n, s in styles.items() if s.source == "user"),
            "shadows_bundled": sorted(hidden),
        },
    )
