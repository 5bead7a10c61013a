"""What a generator expects and returns: layout, value range, channel order, size rules.

Our own exports carry this in ONNX metadata (``vidanime.*`` keys, written by
``training.export``); other files are read from their input / output shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

from vidanime.errors import VidanimeError

META_PREFIX = "vidanime."


DEFAULT_CONTEXT = 64  # px: what a graph that does not state its context is given (the lightweight UNets' reach)


@dataclass(frozen=True)
class ModelContract:
    """How to feed one ONNX generator and read its answer."""

    input_name: str
    output_name: str
    layout: str = "NCHW"  # or "NHWC"
    input_range: tuple[float, float] = (-1.0, 1.0)
    output_range: tuple[float, float] = (-1.0, 1.0)
    channel_order: str = "RGB"  # or "BGR"
    size_multiple: int = 8
    fixed_size: tuple[int, int] | None = None  # (height, width) when the graph is not dynamic
    batch_fixed: bool = False  # True when the graph only takes batch 1
    input_dtype: str = "float32"  # or "float16"
    arch: str = "unknown"
    # px each side that an output pixel depends on in practice (``vidanime.context``): what a window
    # of a large picture must carry beyond the pixels it keeps, or its seams show
    context: int = DEFAULT_CONTEXT


def parse_range(text: str) -> tuple[float, float]:
    """``"-1,1"`` -> (-1.0, 1.0)."""
    try:
        lo, hi = (float(part) for part in text.split(","))
    except ValueError as exc:
        raise VidanimeError(f"bad value range {text!r}: expected two numbers like '-1,1'") from exc
    if not hi > lo:
        raise VidanimeError(f"bad value range {text!r}: the upper bound must exceed the lower")
    return lo, hi


def format_range(value_range: Sequence[float]) -> str:
    return ",".join(f"{v:g}" for v in value_range)


def _layout_from_shape(shape: Sequence[object]) -> str | None:
    if len(shape) != 4:
        return None
    if shape[1] == 3:
        return "NCHW"
    if shape[3] == 3:
        return "NHWC"
    return None


def _fixed_hw(shape: Sequence[object], layout: str) -> tuple[int, int] | None:
    h, w = (shape[2], shape[3]) if layout == "NCHW" else (shape[1], shape[2])
    if isinstance(h, int) and isinstance(w, int) and h > 0 and w > 0:
        return (h, w)
    return None


_ONNX_TYPES = {"tensor(float)": "float32", "tensor(float16)": "float16"}


def contract_from_graph(
    input_name: str,
    input_shape: Sequence[object],
    input_type: str,
    output_name: str,
    output_shape: Sequence[object],
    metadata: Mapping[str, str],
) -> ModelContract:
    """Build the contract from metadata first, then from the graph's shapes."""
    layout = metadata.get(META_PREFIX + "layout") or _layout_from_shape(input_shape)
    if layout not in ("NCHW", "NHWC"):
        raise VidanimeError(
            f"not an image generator: input {input_name!r} has shape {list(input_shape)}, "
            "expected [N, 3, H, W] or [N, H, W, 3]"
        )
    out_layout = _layout_from_shape(output_shape)
    if len(output_shape) != 4 or (out_layout is not None and out_layout != layout and 3 not in output_shape):
        raise VidanimeError(
            f"not an image generator: output {output_name!r} has shape {list(output_shape)}, "
            f"input is {layout} {list(input_shape)}"
        )
    if input_type not in _ONNX_TYPES:
        raise VidanimeError(f"not an image generator: input {input_name!r} is {input_type}, expected float")
    fixed = _fixed_hw(input_shape, layout)
    meta_multiple = metadata.get(META_PREFIX + "size_multiple")
    meta_context = metadata.get(META_PREFIX + "context", "")
    return ModelContract(
        input_name=input_name,
        output_name=output_name,
        layout=layout,
        input_range=parse_range(metadata.get(META_PREFIX + "input_range", "-1,1")),
        output_range=parse_range(metadata.get(META_PREFIX + "output_range", "-1,1")),
        channel_order=metadata.get(META_PREFIX + "channel_order", "RGB").upper(),
        size_multiple=int(meta_multiple) if meta_multiple else 8,
        fixed_size=fixed,
        batch_fixed=isinstance(input_shape[0], int) and input_shape[0] == 1,
        input_dtype=_ONNX_TYPES[input_type],
        arch=metadata.get(META_PREFIX + "arch", "unknown"),
        context=int(meta_context) if meta_context.isdigit() else DEFAULT_CONTEXT,
    )


OVERRIDABLE = ("layout", "channel_order", "size_multiple", "input_range", "output_range")


def with_overrides(contract: ModelContract, fields: Mapping[str, Any]) -> ModelContract:
    """Apply the fields a user gave (``--layout``, ``--bgr`` ...) or a style's sidecar stored;
    ranges may be given as text (``"-1,1"``); ``None`` and unknown keys are ignored."""
    changes: dict[str, Any] = {}
    for key in OVERRIDABLE:
        value = fields.get(key)
        if value is not None:
            changes[key] = parse_range(value) if key.endswith("_range") and isinstance(value, str) else value
    return replace(contract, **changes) if changes else contract
