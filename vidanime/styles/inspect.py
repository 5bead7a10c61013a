"""Find out how to drive an ONNX generator nobody described: metadata first, then the graph's
shapes and names, then probe runs (value ranges, the size multiple the strides need).

What cannot be told from outside (RGB vs BGR, an unusual input range) comes from the user's
overrides, which are stored beside the style so they are asked once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from vidanime.engine.contract import META_PREFIX, ModelContract, format_range, with_overrides
from vidanime.engine.probe import probe_image
from vidanime.engine.session import EngineSession, open_session
from vidanime.engine.stylizer import from_model_output, to_model_input
from vidanime.errors import VidanimeError

# narrowest first: an output in [0, 1] also lies in [-1, 1]
KNOWN_RANGES = ((0.0, 1.0), (-1.0, 1.0), (0.0, 255.0))
PROBE_MULTIPLES = (4, 8, 16, 32)


@dataclass
class Inspection:
    contract: ModelContract
    notes: list[str] = field(default_factory=list)  # how each field was decided

    def contract_dict(self) -> dict[str, Any]:
        c = asdict(self.contract)
        c["input_range"] = format_range(self.contract.input_range)
        c["output_range"] = format_range(self.contract.output_range)
        return c


def _run(engine: EngineSession, contract: ModelContract, frames: np.ndarray) -> np.ndarray:
    return engine.run(to_model_input(frames, contract))


def _probe_size(contract: ModelContract) -> tuple[int, int]:
    if contract.fixed_size is not None:
        return contract.fixed_size
    m = max(contract.size_multiple, 8)
    return 9 * m, 11 * m


def _output_hw(y: np.ndarray, layout: str) -> tuple[int, int]:
    return (y.shape[2], y.shape[3]) if layout == "NCHW" else (y.shape[1], y.shape[2])


def _fits(values: np.ndarray, value_range: tuple[float, float]) -> bool:
    """Inside the range and using a fair part of it (a [0, 2] output is not a [0, 255] image)."""
    lo, hi = value_range
    slack = 0.02 * (hi - lo)
    inside = values.min() >= lo - slack and values.max() <= hi + slack
    return bool(inside and values.max() - values.min() >= 0.25 * (hi - lo))


def probe_size_multiple(engine: EngineSession, contract: ModelContract) -> tuple[int | None, str]:
    """Smallest multiple m (of 4, 8, 16, 32) such that odd multiples of m run and keep their size;
    with what the last probe saw, for the error message."""
    seen = "every probe failed to run"
    for m in PROBE_MULTIPLES:
        h, w = 9 * m, 11 * m
        x = to_model_input(probe_image(h, w), contract)
        try:
            y = engine.run(x)
        except Exception as exc:  # noqa: BLE001 - ORT raises plain exceptions for shape errors
            seen = f"input {list(x.shape)} failed: {str(exc).splitlines()[0][:120]}"
            continue
        if _output_hw(y, contract.layout) == (h, w):
            return m, ""
        seen = f"input {list(x.shape)} {x.dtype} gave output {list(y.shape)} {y.dtype}"
    return None, seen


def inspect_model(path: Path, overrides: dict[str, Any] | None = None) -> Inspection:
    """The contract of ``path`` with how it was found; raises when it is not an image generator."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    engine = open_session(path, "cpu")
    base = engine.contract
    meta = engine.session.get_modelmeta().custom_metadata_map
    described = any(k.startswith(META_PREFIX) for k in meta)
    notes = [f"layout {base.layout}, {'batch 1 only' if base.batch_fixed else 'dynamic batch'}, "
             f"{'fixed size %dx%d' % base.fixed_size[::-1] if base.fixed_size else 'dynamic size'} (graph shapes)"]  # fmt: skip
    contract = with_overrides(base, overrides)
    if described:
        notes.append("ranges, channel order and size multiple from vidanime metadata")
    else:
        if "size_multiple" not in overrides and contract.fixed_size is None:
            multiple, seen = probe_size_multiple(engine, contract)
            if multiple is None:
                raise VidanimeError(f"{path.name} is not an image-to-image generator: {seen}")
            contract = replace(contract, size_multiple=multiple)
            notes.append(f"size multiple {multiple} (probe runs)")
        if "input_range" not in overrides or "output_range" not in overrides:
            contract = _probe_ranges(engine, contract, overrides, notes)
        if "channel_order" not in overrides:
            notes.append("channel order RGB assumed (cannot be probed; pass --bgr for BGR models)")
    check_generator(engine, contract, path)
    return Inspection(contract, notes)


def _probe_ranges(engine: EngineSession, contract: ModelContract, overrides: dict[str, Any], notes: list[str]) -> ModelContract:
    """Keep the first input range whose output lands inside a known image range."""
    h, w = _probe_size(contract)
    frames = probe_image(h, w)
    inputs = [contract.input_range] if "input_range" in overrides else [(-1.0, 1.0), (0.0, 1.0), (0.0, 255.0)]
    for in_range in inputs:
        candidate = replace(contract, input_range=in_range)
        y = _run(engine, candidate, frames).astype(np.float32)
        if "output_range" in overrides:
            return candidate
        for out_range in KNOWN_RANGES:
            if _fits(y, out_range):
                notes.append(f"input range {format_range(in_range)}, output range {format_range(out_range)} (probe run)")
                return replace(candidate, output_range=out_range)
    raise VidanimeError(
        f"cannot tell this model's value ranges (output spans {float(y.min()):.3g}..{float(y.max()):.3g}); "
        "pass --input-range and --output-range"
    )


MIN_FIXED_SIDE = 32  # a fixed-size model smaller than this cannot stylise a frame usefully


def check_generator(engine: EngineSession, contract: ModelContract, path: Path) -> None:
    """One probe frame must come back as a finite image of the same size and channels; run on
    every model at load, whether it came through ``styles add``, ``--style FILE`` or the bundle."""
    if contract.fixed_size is not None and min(contract.fixed_size) < MIN_FIXED_SIDE:
        fh, fw = contract.fixed_size
        raise VidanimeError(f"{path.name} takes only {fw}x{fh} pictures: too small to stylise frames (at least {MIN_FIXED_SIDE} px a side)")
    h, w = _probe_size(contract)
    x = to_model_input(probe_image(h, w), contract)
    try:
        y = engine.run(x)
    except Exception as exc:  # noqa: BLE001
        raise VidanimeError(f"{path.name}: a {h}x{w} probe frame failed: {str(exc).splitlines()[0][:200]}") from exc
    expect = x.shape
    if y.shape != expect:
        raise VidanimeError(
            f"{path.name} is not an image-to-image generator: input {list(expect)} {x.dtype} "
            f"gave output {list(y.shape)} {y.dtype}"
        )
    if not np.isfinite(np.asarray(y, dtype=np.float32)).all():
        raise VidanimeError(f"{path.name} produced NaN or infinite values on a probe frame: the model is broken")
    from_model_output(y, contract)  # the conversion back must work too
