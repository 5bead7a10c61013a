"""Test inputs the tests make themselves: small ONNX generators and clips written with PyAV."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Sequence

import av
import cv2
import numpy as np

from vidanime.video.synthetic import write_clip, write_joined_clip


def make_onnx_generator(
    path: Path,
    op: str = "Neg",
    layout: str = "NCHW",
    metadata: dict[str, str] | None = None,
    fixed_hw: tuple[int, int] | None = None,
    batch: int | str = "N",
) -> Path:
    """A one-op 'generator' with a known function: Neg (in [-1, 1] that is 255 - x) or Identity."""
    import onnx
    from onnx import TensorProto, helper

    h, w = fixed_hw if fixed_hw else ("H", "W")
    shape = [batch, 3, h, w] if layout == "NCHW" else [batch, h, w, 3]
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, shape)
    graph = helper.make_graph([helper.make_node(op, ["input"], ["output"])], "g", [inp], [out])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))
    return path


def frame_pattern(index: int, height: int, width: int) -> np.ndarray:
    """A moving gradient with a bright square: changes every frame, compresses well."""
    y, x = np.mgrid[0:height, 0:width]
    img = np.empty((height, width, 3), np.uint8)
    img[..., 0] = (x * 255 // max(1, width - 1) + index * 7) % 256
    img[..., 1] = (y * 255 // max(1, height - 1)) % 256
    img[..., 2] = (index * 13) % 256
    s = max(4, min(height, width) // 5)
    top, left = (index * 3) % max(1, height - s), (index * 5) % max(1, width - s)
    img[top : top + s, left : left + s] = 240
    return img


def make_clip(
    path: Path,
    n_frames: int = 12,
    size: tuple[int, int] = (96, 128),  # (height, width)
    fps: int = 24,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    audio: str | None = "aac",
    audio_rate: int = 48000,
    rotation: int | None = None,
    pts: Sequence[int] | None = None,  # custom timestamps in 1/time_base_den units (VFR)
    time_base: Fraction | None = None,
    faststart: bool = False,
    gop: int | None = None,  # a keyframe every N frames (default: the encoder's)
) -> Path:
    """Write a small clip of ``frame_pattern`` frames; audio is a sine tone as long as the video."""
    height, width = size
    options = {"preset": "ultrafast"} if codec == "libx264" else {}
    if gop:
        options["g"] = str(gop)
    return write_clip(
        path, lambda i: frame_pattern(i, height, width), n_frames, fps, codec=codec, pix_fmt=pix_fmt, codec_options=options, stamps=pts,
        time_base=time_base or Fraction(1, fps * 100), rotation=rotation, audio=audio, audio_rate=audio_rate, faststart=faststart,
    )  # fmt: skip


def read_frames(path: Path) -> tuple[list[float], list[np.ndarray], int]:
    """(frame times, RGB frames, rotation of the first frame)."""
    with av.open(str(path)) as c:
        frames = list(c.decode(c.streams.video[0]))
    times = [float(f.time) for f in frames]
    return times, [f.to_ndarray(format="rgb24") for f in frames], frames[0].rotation if frames else 0


def audio_summary(path: Path) -> tuple[str, float] | None:
    """(codec, seconds of decoded audio) or None when there is no audio."""
    with av.open(str(path)) as c:
        if not c.streams.audio:
            return None
        stream = c.streams.audio[0]
        samples, rate = 0, stream.codec_context.sample_rate
        first = None
        for frame in c.decode(stream):
            if first is None:
                first = float(frame.time or 0.0)
            samples += frame.samples
        return stream.codec_context.name, samples / rate


def make_onnx_graph(path: Path, nodes: list, inputs: list, outputs: list, initializers: list | None = None, metadata: dict[str, str] | None = None) -> Path:
    """Save a hand-built ONNX graph (opset 17)."""
    import onnx
    from onnx import helper

    graph = helper.make_graph(nodes, "g", inputs, outputs, initializers or [])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def lightweight_macs(width: int, h: int, w: int) -> int:
    """MACs of the lightweight (White-box) UNet at ``width``, from its layer list by hand."""
    c1, c2, c4 = width, 2 * width, 4 * width
    full, half, quarter = h * w, h * w // 4, h * w // 16
    return (
        full * (3 * c1 * 49 + c1 * c1 * 9 + c1 * 3 * 49)
        + half * (c1 * c1 * 9 + c1 * c2 * 9 + c2 * c2 * 9 + c2 * c1 * 9)
        + quarter * (c2 * c2 * 9 + c2 * c4 * 9 + 8 * c4 * c4 * 9 + c4 * c2 * 9)
    )



def make_joined_clip(path: Path, parts: Sequence[tuple[int, int, int]], codec: str = "libx264", pix_fmt: str = "yuv420p", fps: int = 24) -> Path:
    """One stream whose picture size changes (joined encodes of ``frame_pattern`` frames): see
    ``write_joined_clip``."""
    return write_joined_clip(path, frame_pattern, parts, codec, pix_fmt, fps)


SKIN_RGB = (225, 180, 150)
FACE_BOX = (60, 40, 120, 120)  # x, y, w, h of the face in ``portrait`` (what a faked detector reports)


def portrait(seed: int = 0) -> np.ndarray:
    """A skin-coloured face on a grey wall: dark eyes, a lip line, and a shadow edge across the cheek
    that a tracer would turn into a line."""
    rng = np.random.default_rng(seed)
    img = np.full((220, 240, 3), 120, np.float32)
    cv2.ellipse(img, (120, 105), (55, 70), 0, 0, 360, SKIN_RGB, -1)
    img[110:170, 120:175] *= 0.75  # a hard shadow on one cheek
    for cx in (96, 144):
        cv2.ellipse(img, (cx, 90), (11, 5), 0, 0, 360, (60, 40, 30), -1)
    cv2.line(img, (100, 150), (140, 150), (120, 50, 50), 3)
    img += rng.normal(0, 2.0, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)
