"""PyTorch generator -> ONNX with dynamic batch / height / width, the metadata the runtime reads,
and a parity check against PyTorch on two sizes (an error when it fails)."""

from __future__ import annotations

import datetime as _dt
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import onnx
import torch
from torch import nn

from training.models.registry import ArchSpec, generator_names, get_arch
from training.models.weights import load_generator_weights, read_checkpoint
from training.ops.guided_filter import GuidedOutput
from training.ops.shinkai_finish import ShinkaiFinish
from vidanime import __version__
from vidanime.checksum import sha256_file
from vidanime.engine.contract import META_PREFIX, format_range
from vidanime.errors import UsageError, VidanimeError
from vidanime.outputs import atomic_output

if TYPE_CHECKING:
    from training.export.quantize import Int8Report

log = logging.getLogger(__name__)

PARITY_TOL = {"fp32": 1e-3, "fp16": 1e-2}
# Fixed, weightless layers a recipe's inference puts after its generator; each wrapper's NOTE goes
# into the exported metadata as ``output_filter``: an exported model draws what the recipe means it to.
OUTPUT_FINISH: dict[str, type[GuidedOutput] | type[ShinkaiFinish]] = {
    "whitebox": GuidedOutput,
    "lightweight": GuidedOutput,
    "shinkai-distill": ShinkaiFinish,
}


@dataclass
class ExportReport:
    path: Path
    params: int
    parity: dict[str, float] = field(default_factory=dict)  # "fp32 64x96" -> max abs diff
    fp16_path: Path | None = None
    int8: "Int8Report | None" = None


def build_generator(arch: str, checkpoint: Path | None = None, **overrides: object) -> tuple[nn.Module, ArchSpec]:
    """The generator as its recipe infers (with the recipe's fixed finish), in eval mode."""
    model, spec, _ = build_finished(arch, checkpoint, **overrides)
    return model, spec


def build_finished(arch: str, checkpoint: Path | None = None, **overrides: object) -> tuple[nn.Module, ArchSpec, str | None]:
    """``build_generator`` and the note of the finish it added (None without one)."""
    try:
        spec = get_arch(arch)
    except KeyError as exc:
        raise UsageError(f"unknown architecture {arch!r}; generators: {', '.join(generator_names())}") from exc
    if spec.role != "generator":
        raise UsageError(f"{arch} is a {spec.role.replace('_', ' ')}, not an image-to-image generator; nothing to convert with")
    state = None
    if checkpoint is not None:
        state, info = read_checkpoint(checkpoint)
        if info.get("arch") not in (None, arch):
            raise UsageError(f"{checkpoint.name} holds a {info['arch']} generator, not {arch}")
        overrides = {**dict(info.get("arch_kwargs") or {}), **overrides}  # e.g. the width it was trained at
    model = spec.build(**overrides)
    if checkpoint is not None:
        load_generator_weights(model, checkpoint, state)
        finish = OUTPUT_FINISH.get(str(info.get("recipe")))
        if finish is not None:  # the model as its recipe infers
            return finish(model).eval(), spec, finish.NOTE
    return model.eval(), spec, None


def metadata_for(spec: ArchSpec, style_name: str | None, provenance: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    meta = {
        "arch": spec.name,
        "style": style_name or spec.name,
        "input_range": format_range(spec.input_range),
        "output_range": format_range(spec.output_range),
        "layout": spec.layout,
        "channel_order": spec.channel_order,
        "size_multiple": str(spec.size_multiple),
        "train_resolution": str(spec.train_resolution),
        "context": str(spec.context),
        "output_activation": spec.output_activation,
        "provenance": provenance,
        "exporter": f"vidanime {__version__}, torch {torch.__version__}",
    }
    meta.update(extra or {})
    return {META_PREFIX + k: v for k, v in meta.items()}


def _write_onnx(model: nn.Module, path: Path, opset: int, sample: torch.Tensor, metadata: dict[str, str]) -> None:
    axes = {0: "batch", 2: "height", 3: "width"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, (sample,), str(path), input_names=["input"], output_names=["output"],
            dynamic_axes={"input": axes, "output": axes}, opset_version=opset, dynamo=False,
        )  # fmt: skip
    proto = onnx.load(str(path))
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))


def to_fp16(src: Path, dst: Path) -> None:
    """fp16 weights and compute, fp32 inputs / outputs (the runtime feeds fp32 either way)."""
    from onnxconverter_common import float16

    proto = onnx.load(str(src))
    with warnings.catch_warnings():  # it warns for every tiny weight it rounds to fp16's range
        warnings.simplefilter("ignore")
        half = float16.convert_float_to_float16(proto, keep_io_types=True)
    # The converter declares a Cast-to-float's output fp16 but leaves the Cast's ``to`` at float, a graph
    # ONNX Runtime refuses (manga's screen casts its integer pixel grid: lab/check/gpu.py found it)
    declared = {v.name: v.type.tensor_type.elem_type for v in [*half.graph.value_info, *half.graph.output]}
    for node in half.graph.node:
        for attr in node.attribute:
            if node.op_type == "Cast" and attr.name == "to" and attr.i == onnx.TensorProto.FLOAT and declared.get(node.output[0]) == onnx.TensorProto.FLOAT16:
                attr.i = onnx.TensorProto.FLOAT16
    onnx.save(half, str(dst))


def parity_sizes(multiple: int) -> list[tuple[int, int, int]]:
    """Two (batch, height, width) probes: different aspect, neither square."""
    m = max(multiple, 8)
    return [(1, 8 * m, 12 * m), (2, 9 * m, 5 * m)]


def check_parity(model: nn.Module, path: Path, multiple: int, tolerance: float, label: str,
                 within: tuple[float, float] | None = None) -> dict[str, float]:
    """Max |ONNX Runtime - PyTorch| on two sizes; raises when over ``tolerance``. With ``within``
    (the output range the runtime clips to), both answers are clipped to it first."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    results = {}
    gen = torch.Generator().manual_seed(0)
    for b, h, w in parity_sizes(multiple):
        x = torch.rand(b, 3, h, w, generator=gen) * 2 - 1
        with torch.no_grad():
            ref = model(x).numpy()
        out = session.run(None, {"input": x.numpy()})[0]
        if within is not None:
            ref, out = np.clip(ref, *within), np.clip(out, *within)
        if out.shape != ref.shape:
            raise VidanimeError(f"parity check failed for {path.name}: shape {out.shape} vs PyTorch {ref.shape}")
        diff = float(np.abs(out.astype(np.float32) - ref).max())
        results[f"{label} {h}x{w}"] = diff
        if not diff <= tolerance:
            raise VidanimeError(f"parity check failed for {path.name} at {h}x{w}: max abs diff {diff:.2e} > {tolerance:g}")
    return results


def export_generator(
    arch: str,
    output: Path,
    checkpoint: Path | None = None,
    style_name: str | None = None,
    fp16: bool = False,
    opset: int = 17,
    overwrite: bool = False,
    overrides: dict[str, object] | None = None,
    extra_metadata: dict[str, str] | None = None,
    int8_calibration: list[Path] | None = None,
) -> ExportReport:
    """Export ``arch`` (random init or ``checkpoint``) to ``output`` and check parity."""
    if output.suffix != ".onnx":
        raise UsageError(f"output {output} should end in .onnx")
    if output.exists() and not overwrite:
        raise UsageError(f"output {output} exists: pass --overwrite to replace it")
    if not output.parent.is_dir():
        raise VidanimeError(f"output folder {output.parent} does not exist")
    model, spec, finish_note = build_finished(arch, checkpoint, **(overrides or {}))
    if finish_note is not None:
        extra_metadata = {"output_filter": finish_note, **(extra_metadata or {})}
    if checkpoint is not None:
        provenance = f"checkpoint {checkpoint.name} sha256:{sha256_file(checkpoint)[:16]}"
    else:
        provenance = "random init (untrained)"
    provenance += f"; exported {_dt.date.today().isoformat()}"
    meta = metadata_for(spec, style_name, provenance, extra_metadata)
    sample = torch.zeros(1, 3, 8 * max(spec.size_multiple, 8), 8 * max(spec.size_multiple, 8))
    report = ExportReport(output, sum(p.numel() for p in model.parameters()))
    with atomic_output(output) as tmp:
        _write_onnx(model, tmp, opset, sample, meta)
        report.parity.update(check_parity(model, tmp, spec.size_multiple, PARITY_TOL["fp32"], "fp32"))
        if fp16:
            half = output.with_name(output.stem + ".fp16.onnx")
            with atomic_output(half) as tmp16:
                to_fp16(tmp, tmp16)
                report.parity.update(check_parity(model, tmp16, spec.size_multiple, PARITY_TOL["fp16"], "fp16"))
            report.fp16_path = half
    if int8_calibration:
        report.int8 = export_int8(output, int8_calibration)
    return report


def checkpoint_from_onnx(graph: Path, target: Path, arch: str, arch_kwargs: dict[str, object], recipe: str, export_options: dict[str, object]) -> Path:
    """A generator checkpoint (as the trainer writes ``generator.pt``) holding the weights of an
    exported fp32 ``graph``, read back from its initializers, whose names are the module's own: a
    bundled style can then be exported again with other export options (ink gain, black point,
    tone) when the training run's folder is gone. The rebuilt model, with the ``export_options``
    the graph was exported with, must answer as the graph does, or nothing is written."""
    from onnx import numpy_helper

    spec = get_arch(arch)
    model = spec.build(**arch_kwargs, **export_options).eval()
    wanted = model.state_dict()
    proto = onnx.load(str(graph)).graph
    initializers = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in proto.initializer}
    found = {name: value for name, value in initializers.items() if name in wanted}
    if hasattr(model, "split_head"):  # its heads were exported as one conv, under a name of the exporter's
        heads = [node for node in proto.node if node.op_type == "Conv" and node.input[1] in initializers and initializers[node.input[1]].shape[0] == 4]
        if len(heads) == 1:
            found.update(model.split_head(initializers[heads[0].input[1]], initializers[heads[0].input[2]]))
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise VidanimeError(f"{graph.name} is not a {arch} export: no {', '.join(missing[:3])}")
    model.load_state_dict(found)
    try:  # within the range the runtime clips every output to, as a user sees it
        check_parity(model, graph, spec.size_multiple, PARITY_TOL["fp32"], "read back", within=spec.output_range)
    except VidanimeError as exc:
        raise VidanimeError(f"{graph.name} rebuilt as {arch} {arch_kwargs} {export_options} answers differently ({exc})") from exc
    torch.save({"step": None, "recipe": recipe, "arch": arch, "arch_kwargs": arch_kwargs, "models": {"generator": model.state_dict()}}, target)
    return target


def export_int8(fp32: Path, calibration: list[Path]) -> "Int8Report":
    """``NAME.int8.onnx`` beside ``fp32``, calibrated on crops of ``calibration`` images."""
    from training.data.batches import load_images
    from training.export.quantize import calibration_crops, quantize_int8
    from vidanime.engine.session import open_session, variant_file

    contract = open_session(fp32, "cpu").contract
    crops = calibration_crops(load_images(calibration, 1024), size=max(256, contract.size_multiple))
    target = variant_file(fp32, "int8")
    with atomic_output(target) as tmp:
        result = quantize_int8(fp32, tmp, contract, crops)
    result.path = target
    return result
