"""The shinkai style's fixed finish: dots lifted, lines kept, nothing darkened, same rule in the export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from training.export.onnx import export_generator
from training.models.registry import get_arch
from training.ops.shinkai_finish import ShinkaiFinish, finish_numpy
from vidanime.engine.session import open_session
from vidanime.quality.style import specks_per_mp


def _finished(img: np.ndarray) -> np.ndarray:
    x = torch.from_numpy(img.astype(np.float32) / 127.5 - 1).permute(2, 0, 1)[None]
    with torch.no_grad():
        y = ShinkaiFinish(nn.Identity())(x)[0].permute(1, 2, 0).numpy()
    return np.clip(np.rint((y + 1) * 127.5), 0, 255).astype(np.uint8)


def _scene() -> np.ndarray:
    """Grey sky with dark 1-2 px dots and a 1-px dark wire in each of four directions."""
    img = np.full((96, 96, 3), 180, np.uint8)
    for y, x in ((10, 10), (10, 40), (30, 70), (80, 20)):
        img[y : y + 2, x : x + 2] = 40
    img[50, 5:45] = 40  # horizontal wire
    img[5:45, 85] = 40  # vertical wire
    for i in range(30):
        img[55 + i, 50 + i] = 40  # diagonal wires
        img[85 - i, 10 + i] = 40
    return img


def test_dots_are_lifted_and_wires_in_four_directions_stay() -> None:
    img = _scene()
    out = _finished(img)
    assert specks_per_mp(img[..., 0].astype(np.float32)) > 0  # the scene has specks to remove
    for y, x in ((10, 10), (10, 40), (30, 70), (80, 20)):
        assert out[y, x].min() > 150, (y, x)
    assert out[50, 10:40].max() < 80 and out[10:40, 85].max() < 80
    assert max(out[60 + i, 55 + i].max() for i in range(20)) < 80
    assert max(out[80 - i, 15 + i].max() for i in range(20)) < 80


def test_the_finish_only_brightens_and_agrees_with_its_numpy_rule() -> None:
    rng = np.random.default_rng(0)
    img = np.clip(rng.normal(128, 40, (64, 80, 3)), 0, 255).astype(np.uint8)
    out, ref = _finished(img).astype(int), finish_numpy(img).astype(int)
    assert (out >= img.astype(int) - 1).all()  # rounding only: the finish never darkens
    assert (out - img).mean() > 1  # and it did change the noisy picture
    assert np.abs(out - ref).max() <= 2


def test_a_shinkai_checkpoint_exports_with_its_finish(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = get_arch("lightweight").build(width=8, residual=True).eval()
    ckpt = tmp_path / "shinkai.pt"
    torch.save({"recipe": "shinkai-distill", "arch": "lightweight", "arch_kwargs": {"width": 8, "residual": True}, "models": {"generator": model.state_dict()}}, ckpt)
    export_generator("lightweight", tmp_path / "shinkai.onnx", checkpoint=ckpt)
    x = torch.from_numpy(_scene().astype(np.float32) / 127.5 - 1).permute(2, 0, 1)[None]
    with torch.no_grad():
        raw, finished = model(x).clamp(-1, 1), ShinkaiFinish(model)(x)
    assert (finished - raw).abs().max() > 0.1
    got = open_session(tmp_path / "shinkai.onnx", "cpu").run(x.numpy())
    assert np.abs(got - finished.numpy()).max() < 1e-3
    meta = {p.key.split(".")[-1]: p.value for p in onnx.load(str(tmp_path / "shinkai.onnx")).metadata_props}
    assert meta.get("output_filter") == ShinkaiFinish.NOTE
