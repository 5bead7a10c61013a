"""VGG16 / VGG19 feature stacks in torchvision's state-dict layout (``features.N.weight``), so
torchvision-format weight files load as they are; no torchvision import needed.

Inputs are the training convention, RGB in [-1, 1]; each weight set says how it was trained
("torchvision": RGB, ImageNet mean / std; "caffe": BGR, 0-255 minus the BGR mean) and the
module converts.
"""

from __future__ import annotations

import torch
from torch import nn

CFG = {
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def layer_index(arch: str, layer: str) -> int:
    """Index in ``features`` of the conv named like ``conv4_4`` (its output, before the ReLU)."""
    block, conv = (int(v) for v in layer.removeprefix("conv").split("_"))
    b, c, idx = 1, 0, 0
    for item in CFG[arch]:
        if item == "M":
            b, c = b + 1, 0
            idx += 1
            continue
        c += 1
        if (b, c) == (block, conv):
            return idx
        idx += 2  # conv + relu
    raise ValueError(f"{arch} has no layer {layer}")


def make_features(arch: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    ch = 3
    for item in CFG[arch]:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(ch, int(item), 3, padding=1), nn.ReLU(inplace=True)]
            ch = int(item)
    return nn.Sequential(*layers)


class VGGFeatures(nn.Module):
    """Frozen VGG truncated after ``layer``; ``forward`` maps [-1, 1] RGB to that layer's output."""

    def __init__(self, arch: str = "vgg19", layer: str = "conv4_4", preprocess: str = "torchvision") -> None:
        super().__init__()
        self.arch, self.layer, self.preprocess = arch, layer, preprocess
        self.features = make_features(arch)[: layer_index(arch, layer) + 1]
        if preprocess == "torchvision":
            mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
        else:  # caffe: BGR, 0-255, minus the BGR mean
            mean, std = torch.tensor([123.68, 116.779, 103.939]) / 255.0, torch.full((3,), 1 / 255.0)
        self.register_buffer("mean", mean.view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", std.view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "VGGFeatures":
        return super().train(False)  # always frozen

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.taps(x, [self.layer])[0]

    def taps(self, x: torch.Tensor, layers: list[str]) -> list[torch.Tensor]:
        """Outputs of several conv layers (each at or before the truncation point) in one pass."""
        wanted = {layer_index(self.arch, layer) for layer in layers}
        if max(wanted) >= len(self.features):
            raise ValueError(f"{self.arch} is truncated at {self.layer}; cannot tap {layers}")
        x = ((x + 1) / 2 - self.mean) / self.std
        if self.preprocess == "caffe":
            x = x.flip(1)
        found = []
        for i, module in enumerate(self.features):
            x = module(x)
            if i in wanted:
                found.append(x)
                if len(found) == len(wanted):
                    break
        return found

    def load_features(self, state: dict[str, torch.Tensor]) -> None:
        """Load a torchvision-format state dict (``features.*``; classifier keys ignored)."""
        own = {k: v for k, v in state.items() if k.startswith("features.")}
        wanted = {f"features.{k}" for k in self.features.state_dict()}
        missing = wanted - set(own)
        if missing:
            raise KeyError(f"VGG weights lack {sorted(missing)[:3]}")
        self.features.load_state_dict({k.removeprefix("features."): own[k] for k in wanted})
